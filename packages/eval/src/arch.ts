import { readFileSync } from 'node:fs';
import { parseConfig, z } from '@vjepa/config';
import { checkDataSection, clipSampling, dataSection, type ClipSampling } from '@vjepa/data';
import { ConfigError } from '@vjepa/errors';
import { predictorModelKeys } from '@vjepa/predictor';
import { VIT_PRESETS, type VitConfig, type VitPresetName, presetOfModelName, resolveVitConfig, vitConfigFromSections, vitModelKeys } from '@vjepa/vit';
import { parse as parseYaml } from 'yaml';
import { isOfficialEvalConfig, officialEvalSettings } from './official-eval-config';

/**
 * The encoder architecture and clip settings an evaluation needs: from a checkpoint's manifest, a
 * config file or a preset.
 *
 * @example
 * const arch = archFromPreset('tiny', { patchSize: 8, numFrames: 8, imgSize: 32 });
 * arch.vit.embedDim; // 192
 */
export interface EvalArch {
  /** The resolved ViT config (frozen). */
  vit: Readonly<VitConfig>;
  /** Temporal stride when sampling clips (`data.frame_step`, official `sampling_rate`; default 4). */
  frameStep: number;
  /** Clips per video (`data.num_clips`; default 1). */
  numClips: number;
  /** Where the architecture came from, for reports. */
  source: string;
}

/**
 * The clip sampling of an architecture (what `@vjepa/data`'s clip sets take).
 *
 * @example
 * const set = movingMnistClips(clipOf(arch), { part: 'probe-test', count: 200, seed: 1002 });
 */
export function clipOf(arch: EvalArch): ClipSampling {
  return { numFrames: arch.vit.numFrames, frameStep: arch.frameStep, numClips: arch.numClips, cropSize: arch.vit.imgSize };
}

/**
 * The sections evaluation reads, validated with their owners' schemas (`model`: `@vjepa/vit`'s and
 * `@vjepa/predictor`'s keys; `data`: `@vjepa/data`'s), every key optional. The other sections of a
 * training config are accepted and not read.
 */
const evalConfigSchema = z
  .object({
    model: z.object({ ...vitModelKeys, ...predictorModelKeys }).strict().partial(),
    data: dataSection.partial(),
    data_aug: z.unknown(),
    mask: z.unknown(),
    mask_strategy_module: z.unknown(),
    optimization: z.unknown(),
    loss: z.unknown(),
    meta: z.unknown(),
    logging: z.unknown(),
    app: z.unknown(),
    nodes: z.unknown(),
    tasks_per_node: z.unknown(),
  })
  .strict()
  .partial();

/** The clip sizes evaluation assumes when a config does not give them: the reference's 16 x 224, patch 16, tubelet 2, frame step 4. */
const REFERENCE_CLIP = { patch_size: 16, tubelet_size: 2, num_frames: 16, crop_size: 224, frame_step: 4, num_clips: 1 } as const;

/**
 * The architecture of a parsed config object (a vjepa-train `config.yaml`, an official config, or
 * just its `model` and `data` sections): `model` sets the size by `model_name` (a size of
 * `@vjepa/vit`'s one table, so `vit_giant` has its 48/11 MLP ratio) or by `embed_dim`, `depth` and
 * `num_heads`; `data` sets the clip (defaults the reference's 16 x 224, patch 16, tubelet 2, frame
 * step 4). Validated with the same section schemas as training: unknown keys and bad values are
 * ConfigErrors naming `source` and the key path. An official evaluation config (with its
 * `pretrain:` section) is read through {@link officialEvalSettings}.
 *
 * @example
 * const arch = archFromConfig({ model: { embed_dim: 64, depth: 2, num_heads: 4 }, data: { patch_size: 8, num_frames: 4, crop_size: 32 } });
 * arch.vit.numHeads; // 4
 */
export function archFromConfig(config: unknown, source = '<config>'): EvalArch {
  const sections = isOfficialEvalConfig(config) ? officialEvalSettings(config, source).sections : config;
  const parsed = parseConfig(evalConfigSchema, sections ?? {}, [], source);
  const model = parsed.model ?? {};
  const data = { ...REFERENCE_CLIP, ...stripUndefined(parsed.data ?? {}) };
  let vit: Readonly<VitConfig>;
  try {
    checkDataSection(data);
    vit = vitConfigFromSections(model, data);
  } catch (e) {
    if (ConfigError.isInstance(e)) throw new ConfigError(`${source}: ${e.message}`, { cause: e });
    throw e;
  }
  const clip = clipSampling(data);
  return { vit, frameStep: clip.frameStep, numClips: clip.numClips, source };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as Partial<T>;
}

/**
 * Parses YAML (or JSON) config text; see {@link archFromConfig}.
 *
 * @example
 * const arch = parseArchConfig('model: {model_name: vit_large}\ndata: {num_frames: 16, crop_size: 224}', 'arch.yaml');
 */
export function parseArchConfig(text: string, source = '<config>'): EvalArch {
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (e) {
    throw new ConfigError(source, { expected: 'valid YAML or JSON', received: (e as Error).message, cause: e });
  }
  return archFromConfig(parsed, source);
}

/**
 * Reads and parses a config file; see {@link archFromConfig}.
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
 * An architecture from a size of `@vjepa/vit`'s table (`tiny` ... `giant`, or `vit_tiny` ...) plus
 * clip sizes (defaults patch 16, tubelet 2, 16 frames, crop 224).
 *
 * @example
 * archFromPreset('vit_large').vit.depth; // 24
 */
export function archFromPreset(name: string, overrides: Partial<VitConfig> = {}, frameStep = 4): EvalArch {
  const key = presetOfModelName(name) ?? name;
  const size = (VIT_PRESETS as Record<string, (typeof VIT_PRESETS)[VitPresetName] | undefined>)[key];
  if (!size) {
    throw new ConfigError('--preset', { expected: `one of ${Object.keys(VIT_PRESETS).join(', ')} (or vit_*)`, received: JSON.stringify(name) });
  }
  const vit = resolveVitConfig({ patchSize: 16, tubeletSize: 2, numFrames: 16, imgSize: 224, ...size, ...overrides });
  return { vit, frameStep, numClips: 1, source: `preset ${key}` };
}
