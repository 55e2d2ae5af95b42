import { ConfigError } from '@vjepa/errors';
import { type VitConfig, type VitPresetName, vitPreset } from './config';

/** The released V-JEPA 2 checkpoints, by the official file stem (`vitl.pt`, `vitg-384.pt`, ...). */
export type Vjepa2ReleaseName = 'vitl' | 'vith' | 'vitg' | 'vitg-384';

/** What one released V-JEPA 2 checkpoint is: encoder size and resolution, its predictor, its names. */
export interface Vjepa2Release {
  /** Row of `VIT_PRESETS` (the encoder size; every release uses RoPE). */
  readonly preset: VitPresetName;
  /** Crop the model was trained at (pixels). */
  readonly imgSize: number;
  /** Frames per clip (`fpc64`). */
  readonly numFrames: number;
  readonly patchSize: number;
  readonly tubeletSize: number;
  /** The official file. */
  readonly file: string;
  /** The Hugging Face transformers conversion (`VJEPA2Model`). */
  readonly huggingFace: string;
  /** The released predictor: width, depth, heads, mask tokens (official `num_mask_tokens`). */
  readonly predictor: { readonly predictorEmbedDim: number; readonly depth: number; readonly numHeads: number; readonly numMaskTypes: number };
}

const predictor = Object.freeze({ predictorEmbedDim: 384, depth: 12, numHeads: 12, numMaskTypes: 10 });

/**
 * The four released V-JEPA 2 checkpoints (facebookresearch/vjepa2 hub entries; Hugging Face
 * `facebook/vjepa2-*`): ViT-L/H/g at 256 px and ViT-g at 384 px, 64 frames, patch 16, tubelet 2, with
 * the 384-wide, 12-deep, 12-head predictor and 10 mask tokens.
 *
 * @example
 * VJEPA2_RELEASES['vitg-384'].imgSize; // 384
 */
export const VJEPA2_RELEASES: Readonly<Record<Vjepa2ReleaseName, Vjepa2Release>> = Object.freeze({
  vitl: { preset: 'large_rope', imgSize: 256, numFrames: 64, patchSize: 16, tubeletSize: 2, file: 'vitl.pt', huggingFace: 'facebook/vjepa2-vitl-fpc64-256', predictor },
  vith: { preset: 'huge_rope', imgSize: 256, numFrames: 64, patchSize: 16, tubeletSize: 2, file: 'vith.pt', huggingFace: 'facebook/vjepa2-vith-fpc64-256', predictor },
  vitg: { preset: 'giant_xformers_rope', imgSize: 256, numFrames: 64, patchSize: 16, tubeletSize: 2, file: 'vitg.pt', huggingFace: 'facebook/vjepa2-vitg-fpc64-256', predictor },
  'vitg-384': { preset: 'giant_xformers_rope', imgSize: 384, numFrames: 64, patchSize: 16, tubeletSize: 2, file: 'vitg-384.pt', huggingFace: 'facebook/vjepa2-vitg-fpc64-384', predictor },
});

/**
 * True for the name of a released V-JEPA 2 checkpoint.
 *
 * @example
 * isVjepa2Release('vitg-384'); // true
 */
export function isVjepa2Release(name: string): name is Vjepa2ReleaseName {
  return Object.prototype.hasOwnProperty.call(VJEPA2_RELEASES, name);
}

/**
 * The encoder config of a released V-JEPA 2 checkpoint (RoPE, its size and resolution), plus overrides
 * (e.g. `{ numFrames: 16 }` to evaluate 16-frame clips: RoPE has no table to resample).
 *
 * @example
 * const cfg = vjepa2ReleaseConfig('vitl'); // 1024 x 24, 16 heads, 256 px, 64 frames, useRope
 */
export function vjepa2ReleaseConfig(name: Vjepa2ReleaseName, overrides: Partial<VitConfig> = {}): Readonly<VitConfig> {
  if (!isVjepa2Release(name)) {
    throw new ConfigError('V-JEPA 2 release', { expected: `one of ${Object.keys(VJEPA2_RELEASES).join(', ')}`, received: JSON.stringify(name) });
  }
  const r = VJEPA2_RELEASES[name];
  return vitPreset(r.preset, { imgSize: r.imgSize, numFrames: r.numFrames, patchSize: r.patchSize, tubeletSize: r.tubeletSize, useRope: true, ...overrides });
}
