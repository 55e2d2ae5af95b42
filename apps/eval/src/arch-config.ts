import { readFileSync } from 'node:fs';
import { ConfigError } from '@vjepa/errors';
import { VIT_PRESETS, resolveVitConfig, type VitConfig, type VitPresetName } from '@vjepa/vit';
import { parse as parseYaml } from 'yaml';

/**
 * The encoder architecture and clip settings an evaluation needs, from a config or a preset.
 *
 * @example
 * const arch = archFromPreset('tiny', { patchSize: 8, numFrames: 8, imgSize: 32 });
 * arch.vit.embedDim; // 192
 */
export interface EvalArch {
  /** The resolved ViT config (frozen). */
  vit: Readonly<VitConfig>;
  /** Temporal stride when sampling clips from videos (`data.frame_step` / `sampling_rate`; default 4). */
  frameStep: number;
  /** Clips per video (`data.num_clips`; default 1). */
  numClips: number;
  /** Where the architecture came from, for reports. */
  source: string;
}

/** Official model names (`model.model_name`) and the size each one is. */
const MODEL_NAMES: Record<string, VitPresetName> = {
  vit_tiny: 'tiny',
  vit_small: 'small',
  vit_base: 'base',
  vit_large: 'large',
  vit_huge: 'huge',
  vit_giant: 'giant',
};

/** Top-level sections of an official (or vjepa-train) config; only `model` and `data` are read. */
const SECTIONS = new Set(['model', 'data', 'data_aug', 'mask', 'mask_strategy_module', 'optimization', 'loss', 'meta', 'logging', 'nodes', 'tasks_per_node', 'app']);
/** `model` keys that set the encoder. */
const MODEL_USED = new Set(['model_name', 'embed_dim', 'depth', 'num_heads', 'mlp_ratio', 'uniform_power', 'layer_norm_eps']);
/** `model` keys of the predictor or of training: checked for type, not needed to extract features. */
const MODEL_IGNORED = new Set(['pred_embed_dim', 'pred_depth', 'pred_num_heads', 'num_mask_tokens', 'use_mask_tokens', 'zero_init_mask_tokens', 'use_sdpa', 'use_activation_checkpointing']);
/** `data` keys that set the clip. */
const DATA_USED = new Set(['patch_size', 'tubelet_size', 'num_frames', 'crop_size', 'frame_step', 'sampling_rate', 'num_clips']);
/** `data` keys of the training data pipeline (ignored by evaluation). */
const DATA_IGNORED = new Set([
  'dataset_type', 'datasets', 'batch_size', 'num_videos', 'datasets_weights', 'clip_duration', 'decode_one_clip',
  'filter_short_videos', 'num_workers', 'pin_mem', 'prefetch',
]);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function posInt(path: string, v: unknown, file: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new ConfigError(`${file}: ${path}`, { expected: 'a positive integer', received: JSON.stringify(v) });
  }
  return v;
}

function posNumber(path: string, v: unknown, file: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new ConfigError(`${file}: ${path}`, { expected: 'a finite number > 0', received: JSON.stringify(v) });
  }
  return v;
}

function bool(path: string, v: unknown, file: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new ConfigError(`${file}: ${path}`, { expected: 'true or false', received: JSON.stringify(v) });
  return v;
}

function checkKeys(section: Record<string, unknown>, name: string, used: Set<string>, ignored: Set<string>, file: string): void {
  for (const key of Object.keys(section)) {
    if (!used.has(key) && !ignored.has(key)) {
      throw new ConfigError(`${file}: unknown key ${name}.${key}`, {
        expected: `one of ${[...used, ...ignored].map((k) => `${name}.${k}`).join(', ')}`,
        received: `${name}.${key}`,
        hint: 'check the spelling; the official section names are model and data.',
      });
    }
  }
}

/**
 * Validates a parsed config object (the official `model` and `data` sections) and builds the
 * encoder architecture. `model` sets the size by `model_name` (`vit_tiny` ... `vit_giant`) or by
 * `embed_dim`, `depth` and `num_heads`; `data` sets `patch_size` (16), `tubelet_size` (2),
 * `num_frames` (16), `crop_size` (224). Unknown keys are ConfigErrors naming the key path.
 *
 * @example
 * const arch = archFromObject({ model: { embed_dim: 64, depth: 2, num_heads: 4 }, data: { patch_size: 8, num_frames: 4, crop_size: 32 } });
 * arch.vit.numHeads; // 4
 */
export function archFromObject(config: unknown, file = '<config>'): EvalArch {
  if (!isRecord(config)) throw new ConfigError(`${file}`, { expected: 'a mapping with model and data sections', received: JSON.stringify(config) });
  for (const key of Object.keys(config)) {
    if (!SECTIONS.has(key)) {
      throw new ConfigError(`${file}: unknown key ${key}`, { expected: `one of the sections ${[...SECTIONS].join(', ')}`, received: key });
    }
  }
  const model = config.model ?? {};
  const data = config.data ?? {};
  if (!isRecord(model)) throw new ConfigError(`${file}: model`, { expected: 'a mapping', received: JSON.stringify(model) });
  if (!isRecord(data)) throw new ConfigError(`${file}: data`, { expected: 'a mapping', received: JSON.stringify(data) });
  checkKeys(model, 'model', MODEL_USED, MODEL_IGNORED, file);
  checkKeys(data, 'data', DATA_USED, DATA_IGNORED, file);
  for (const key of ['pred_embed_dim', 'pred_depth', 'pred_num_heads', 'num_mask_tokens'] as const) posInt(`model.${key}`, model[key], file);

  let size: Pick<VitConfig, 'embedDim' | 'depth' | 'numHeads' | 'mlpRatio'> | undefined;
  const name = model.model_name;
  if (name !== undefined && name !== null) {
    const preset = typeof name === 'string' ? MODEL_NAMES[name] : undefined;
    if (preset === undefined) {
      throw new ConfigError(`${file}: model.model_name`, { expected: `one of ${Object.keys(MODEL_NAMES).join(', ')}`, received: JSON.stringify(name) });
    }
    size = { ...VIT_PRESETS[preset] };
  }
  const embedDim = posInt('model.embed_dim', model.embed_dim, file);
  const depth = posInt('model.depth', model.depth, file);
  const numHeads = posInt('model.num_heads', model.num_heads, file);
  const mlpRatio = posNumber('model.mlp_ratio', model.mlp_ratio, file);
  const explicit = [embedDim, depth, numHeads].filter((v) => v !== undefined).length;
  if (size === undefined && explicit < 3) {
    throw new ConfigError(`${file}: model`, {
      expected: 'model.model_name, or all of model.embed_dim, model.depth and model.num_heads',
      received: `model keys ${JSON.stringify(Object.keys(model))}`,
    });
  }
  const vitInput = {
    embedDim: embedDim ?? size!.embedDim,
    depth: depth ?? size!.depth,
    numHeads: numHeads ?? size!.numHeads,
    mlpRatio: mlpRatio ?? size?.mlpRatio ?? 4,
    patchSize: posInt('data.patch_size', data.patch_size, file) ?? 16,
    tubeletSize: posInt('data.tubelet_size', data.tubelet_size, file) ?? 2,
    numFrames: posInt('data.num_frames', data.num_frames, file) ?? 16,
    imgSize: posInt('data.crop_size', data.crop_size, file) ?? 224,
    uniformPower: bool('model.uniform_power', model.uniform_power, file) ?? true,
    layerNormEps: posNumber('model.layer_norm_eps', model.layer_norm_eps, file) ?? 1e-6,
  };
  let vit: Readonly<VitConfig>;
  try {
    vit = resolveVitConfig(vitInput);
  } catch (e) {
    throw new ConfigError(`${file}: model/data sizes do not fit together`, { received: (e as Error).message, cause: e });
  }
  const frameStep = posInt('data.frame_step', data.frame_step, file) ?? posInt('data.sampling_rate', data.sampling_rate, file) ?? 4;
  const numClips = posInt('data.num_clips', data.num_clips, file) ?? 1;
  return { vit, frameStep, numClips, source: file };
}

/**
 * Parses YAML (or JSON) config text; see {@link archFromObject}.
 *
 * @example
 * const arch = parseArchConfig('model: {model_name: vit_large}\ndata: {num_frames: 16, crop_size: 224}', 'arch.yaml');
 */
export function parseArchConfig(text: string, file = '<config>'): EvalArch {
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (e) {
    throw new ConfigError(`${file}`, { expected: 'valid YAML or JSON', received: (e as Error).message, cause: e });
  }
  return archFromObject(parsed, file);
}

/**
 * Reads and parses a config file; see {@link archFromObject}.
 *
 * @example
 * const arch = readArchConfig('configs/tiny-cpu.yaml');
 */
export function readArchConfig(path: string): EvalArch {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`--config ${path}`, { expected: 'a readable YAML or JSON file', received: (e as Error).message, cause: e });
  }
  return parseArchConfig(text, path);
}

/**
 * An architecture from a reference size (`tiny` ... `giant`, or `vit_tiny` ...) plus data sizes
 * (defaults patch 16, tubelet 2, 16 frames, crop 224).
 *
 * @example
 * archFromPreset('vit_large').vit.depth; // 24
 */
export function archFromPreset(name: string, overrides: Partial<VitConfig> = {}, frameStep = 4): EvalArch {
  const key = (MODEL_NAMES[name] ?? name) as VitPresetName;
  const size = (VIT_PRESETS as Record<string, (typeof VIT_PRESETS)[VitPresetName] | undefined>)[key];
  if (!size) {
    throw new ConfigError('--preset', { expected: `one of ${Object.keys(VIT_PRESETS).join(', ')} (or vit_*)`, received: JSON.stringify(name) });
  }
  const vit = resolveVitConfig({ patchSize: 16, tubeletSize: 2, numFrames: 16, imgSize: 224, ...size, ...overrides });
  return { vit, frameStep, numClips: 1, source: `preset ${key}` };
}
