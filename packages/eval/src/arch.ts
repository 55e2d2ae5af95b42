import { readFileSync } from 'node:fs';
import { parseConfig, z } from '@vjepa/config';
import { checkDataSection, clipSampling, dataSection, type ClipSampling } from '@vjepa/data';
import { ConfigError } from '@vjepa/errors';
import { predictorModelKeys } from '@vjepa/predictor';
import { VIT_PRESETS, VJEPA2_RELEASES, type VitConfig, type VitPresetName, isVjepa2Release, presetOfModelName, resolveVitConfig, vitConfigFromSections, vitModelKeys, vjepa2ReleaseConfig } from '@vjepa/vit';
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
  /**
   * Drop a `pos_embed` that a RoPE (V-JEPA 2) encoder's weights still carry instead of refusing them:
   * set for the released V-JEPA 2 checkpoints (`archFromPreset('vitl')`), whose files the official
   * hub loader reports to hold an unused one. Default false: a table with a RoPE config is refused.
   */
  ignorePosEmbed?: boolean;
  /** Heads of a loaded attentive probe (not visible in its weights). Default: the encoder's heads; the V-JEPA 2 release evaluations use 16. */
  probeHeads?: number;
  /** Heads of the predictor (`model.pred_num_heads`; not visible in its weights). Default: the predictor's detection. */
  predictorHeads?: number;
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
  return { vit, frameStep: clip.frameStep, numClips: clip.numClips, source, ...(model.pred_num_heads != null ? { predictorHeads: model.pred_num_heads } : {}) };
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
 * The heads of the attentive probes of the V-JEPA 2 release evaluations (every official
 * `configs/eval` / `configs/inference` file sets `classifier.num_heads: 16`, ViT-g's 22-head encoder included).
 *
 * @example
 * archFromPreset('vitg').probeHeads === VJEPA2_PROBE_HEADS; // true
 */
export const VJEPA2_PROBE_HEADS = 16;

/**
 * An architecture from a size of `@vjepa/vit`'s table (`tiny` ... `giant`, the `*_rope` V-JEPA 2
 * sizes, or `vit_tiny` ...) plus clip sizes (defaults patch 16, tubelet 2, 16 frames, crop 224; the
 * `*_rope` rows 64 frames at 256), or a released V-JEPA 2 checkpoint (`vitl`, `vith`, `vitg`,
 * `vitg-384`: RoPE, its resolution and 64 frames; its files' unused `pos_embed` is dropped on load,
 * its probes have 16 heads, its predictor 12).
 *
 * @example
 * archFromPreset('vit_large').vit.depth; // 24
 * archFromPreset('vitl', { numFrames: 16 }).vit.useRope; // true
 */
export function archFromPreset(name: string, overrides: Partial<VitConfig> = {}, frameStep = 4): EvalArch {
  if (isVjepa2Release(name)) {
    const vit = vjepa2ReleaseConfig(name, overrides);
    return { vit, frameStep, numClips: 1, source: `V-JEPA 2 release ${name}`, ignorePosEmbed: true, probeHeads: VJEPA2_PROBE_HEADS, predictorHeads: VJEPA2_RELEASES[name].predictor.numHeads };
  }
  const key = presetOfModelName(name) ?? name;
  const size = (VIT_PRESETS as Record<string, (typeof VIT_PRESETS)[VitPresetName] | undefined>)[key];
  if (!size) {
    throw new ConfigError('--preset', { expected: `one of ${[...Object.keys(VIT_PRESETS), ...Object.keys(VJEPA2_RELEASES)].join(', ')} (or vit_*)`, received: JSON.stringify(name) });
  }
  const vit = resolveVitConfig({ patchSize: 16, tubeletSize: 2, numFrames: 16, imgSize: 224, ...size, ...overrides });
  return { vit, frameStep, numClips: 1, source: `preset ${key}` };
}
