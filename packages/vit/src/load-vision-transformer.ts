import { ConfigError } from '@vjepa/errors';
import type { LoadReport, StateDict } from '@vjepa/io';
import { VIT_PRESETS, type VitConfig, type VitPresetName, resolveVitConfig } from './config';
import { type VitDetectOptions, vitConfigFromStateDict } from './config-from-state-dict';
import { VisionTransformer } from './vision-transformer';
import { VJEPA2_RELEASES, isVjepa2Release } from './vjepa2-releases';

/** Options of {@link loadVisionTransformer}. */
export interface LoadVisionTransformerOptions extends VitDetectOptions {
  /**
   * Name the architecture instead of detecting it: a `VIT_PRESETS` row (`large`, `vit_large_rope`, ...)
   * or a released V-JEPA 2 checkpoint (`vitl`, `vith`, `vitg`, `vitg-384`). Patch, tubelet and channels
   * still come from the weights; `numFrames` / `imgSize` / `numHeads` / `useRope` override the preset.
   */
  preset?: string;
  /**
   * Drop a `pos_embed` a RoPE state dict carries (see `VitLoadOptions`). Default: true when a V-JEPA 2
   * release is named (the released files hold an unused one), else false.
   */
  ignorePosEmbed?: boolean;
  /** What is loaded, for messages (e.g. `target_encoder`). */
  what?: string;
  seed?: number;
  /** Default false: a loaded encoder is usually evaluated frozen. */
  trainable?: boolean;
}

/** A loaded encoder, with where its architecture came from. */
export interface LoadedVisionTransformer {
  readonly encoder: VisionTransformer;
  /** The matched or named preset / release, or null (detected size that no preset has). */
  readonly preset: string | null;
  readonly report: LoadReport;
}

function presetRow(name: string): { key: VitPresetName; row: (typeof VIT_PRESETS)[VitPresetName] } | undefined {
  const table = VIT_PRESETS as Record<string, (typeof VIT_PRESETS)[VitPresetName] | undefined>;
  const key = table[name] ? name : name.startsWith('vit_') && table[name.slice(4)] ? name.slice(4) : undefined;
  return key ? { key: key as VitPresetName, row: table[key]! } : undefined;
}

/**
 * Builds a `VisionTransformer` for an official (unprefixed) encoder state dict and loads it strictly:
 * the architecture is detected from the weights (`vitConfigFromStateDict`: RoPE when there is no
 * `pos_embed`, sizes from shapes, heads from the matching preset or `numHeads`) or named by `preset`.
 * Loading refuses a V-JEPA 2 state dict into a sin-cos encoder and the reverse (CheckpointError naming
 * both), and lists every missing, unexpected or mis-shaped key. The caller owns the encoder.
 *
 * @example
 * const ckpt = await readTorchCheckpointFile('vitl.pt', { keys: ['target_encoder'] });
 * const { encoder } = loadVisionTransformer(selectStateDict(ckpt, 'target_encoder'), { preset: 'vitl', file: 'vitl.pt' });
 * const feats = tf.tidy(() => encoder.apply(clip)); // [B, N, 1024]
 */
export function loadVisionTransformer(sd: StateDict, opts: LoadVisionTransformerOptions = {}): LoadedVisionTransformer {
  const { preset: name, ignorePosEmbed, what, seed, trainable, ...detect } = opts;
  let config: Readonly<VitConfig>;
  let preset: string | null;
  let ignore = ignorePosEmbed ?? false;
  if (name === undefined) {
    const found = vitConfigFromStateDict(sd, detect);
    config = found.config;
    preset = found.preset;
  } else if (isVjepa2Release(name)) {
    const r = VJEPA2_RELEASES[name];
    const row = VIT_PRESETS[r.preset];
    const shapes = vitConfigFromStateDict(sd, { ...detect, numHeads: detect.numHeads ?? row.numHeads, useRope: detect.useRope ?? true }).config;
    config = resolveVitConfig({ ...shapes, embedDim: row.embedDim, depth: row.depth, mlpRatio: row.mlpRatio, imgSize: detect.imgSize ?? r.imgSize, numFrames: detect.numFrames ?? r.numFrames });
    preset = name;
    ignore = ignorePosEmbed ?? true;
  } else {
    const p = presetRow(name);
    if (!p) {
      throw new ConfigError('loadVisionTransformer preset', {
        expected: `one of ${[...Object.keys(VIT_PRESETS), ...Object.keys(VJEPA2_RELEASES)].join(', ')} (vit_* names too)`,
        received: JSON.stringify(name),
      });
    }
    const { row } = p;
    const useRope = detect.useRope ?? row.useRope ?? false;
    const shapes = vitConfigFromStateDict(sd, { ...detect, numHeads: detect.numHeads ?? row.numHeads, useRope }).config;
    config = resolveVitConfig({
      ...shapes,
      embedDim: row.embedDim,
      depth: row.depth,
      mlpRatio: row.mlpRatio,
      imgSize: detect.imgSize ?? row.imgSize ?? shapes.imgSize,
      numFrames: detect.numFrames ?? row.numFrames ?? shapes.numFrames,
    });
    preset = p.key;
  }
  const encoder = new VisionTransformer(config, { seed, trainable: trainable ?? false });
  try {
    const report = encoder.loadStateDict(sd, { file: detect.file, what: what ?? 'encoder', ignorePosEmbed: ignore });
    return { encoder, preset, report };
  } catch (e) {
    encoder.dispose();
    throw e;
  }
}
