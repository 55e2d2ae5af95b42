import { ConfigError } from '@vjepa/errors';
import { ropeAxisDim } from './rope-frequencies';

/** Configuration of a {@link VisionTransformer}; defaults in comments. */
export interface VitConfig {
  /** Width D. */
  embedDim: number;
  /** Number of blocks. */
  depth: number;
  /** Attention heads (must divide D). */
  numHeads: number;
  /** MLP hidden = floor(D * mlpRatio). Default 4 (giant: 48/11). */
  mlpRatio: number;
  /** Spatial patch size p (pixels). Reference: 16. */
  patchSize: number;
  /** Frames per tubelet. Reference: 2. Ignored (treated as 1) when numFrames == 1. */
  tubeletSize: number;
  /** Frames per clip the model is configured for; 1 selects the 2-D (image) patch embedding. */
  numFrames: number;
  /** Square crop size in pixels (the reference's img_size). */
  imgSize: number;
  /** Equal sin-cos dims per axis (every released config). Default true. */
  uniformPower: boolean;
  /** LayerNorm epsilon. Default 1e-6. */
  layerNormEps: number;
  /** Input channels. Default 3. */
  inChans: number;
  /** Init std of Linear and patch weights. Default 0.02. */
  initStd: number;
  /**
   * V-JEPA 2 3-D rotary position embedding in every attention instead of the fixed sin-cos table
   * (official `use_rope`; the model then has no `pos_embed`). Default false.
   */
  useRope: boolean;
}

/** What a user passes: the required sizes, every other key optional. */
export type VitConfigInput = Pick<VitConfig, 'embedDim' | 'depth' | 'numHeads' | 'patchSize' | 'numFrames' | 'imgSize'> &
  Partial<VitConfig>;

/** Token grid of a clip: tokens along time, height, width. */
export interface TokenGrid {
  t: number;
  h: number;
  w: number;
}

function positiveInt(key: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new ConfigError(`vit config ${key}`, { expected: 'a positive integer', received: String(v) });
  }
  return v;
}

/**
 * Fills defaults and validates a ViT config (ConfigError naming the key). The result is frozen.
 *
 * @example
 * const cfg = resolveVitConfig({ embedDim: 64, depth: 2, numHeads: 4, patchSize: 8, numFrames: 4, imgSize: 32 });
 * cfg.tubeletSize; // 2
 */
export function resolveVitConfig(input: VitConfigInput): Readonly<VitConfig> {
  if (typeof input !== 'object' || input === null) {
    throw new ConfigError('vit config', { expected: 'an object', received: String(input) });
  }
  const cfg: VitConfig = {
    mlpRatio: 4,
    tubeletSize: 2,
    uniformPower: true,
    layerNormEps: 1e-6,
    inChans: 3,
    initStd: 0.02,
    useRope: false,
    ...input,
  };
  for (const k of ['embedDim', 'depth', 'numHeads', 'patchSize', 'tubeletSize', 'numFrames', 'imgSize', 'inChans'] as const) {
    positiveInt(k, cfg[k]);
  }
  if (cfg.embedDim % cfg.numHeads !== 0) {
    throw new ConfigError('vit config numHeads', { expected: `a divisor of embedDim ${cfg.embedDim}`, received: String(cfg.numHeads) });
  }
  if (cfg.imgSize % cfg.patchSize !== 0) {
    throw new ConfigError('vit config imgSize', { expected: `a multiple of patchSize ${cfg.patchSize}`, received: String(cfg.imgSize) });
  }
  if (cfg.numFrames > 1 && cfg.numFrames % cfg.tubeletSize !== 0) {
    throw new ConfigError('vit config numFrames', { expected: `a multiple of tubeletSize ${cfg.tubeletSize}`, received: String(cfg.numFrames) });
  }
  for (const k of ['mlpRatio', 'layerNormEps', 'initStd'] as const) {
    if (typeof cfg[k] !== 'number' || !(cfg[k] > 0) || !Number.isFinite(cfg[k])) {
      throw new ConfigError(`vit config ${k}`, { expected: 'a finite number > 0', received: String(cfg[k]) });
    }
  }
  if (typeof cfg.uniformPower !== 'boolean') {
    throw new ConfigError('vit config uniformPower', { expected: 'a boolean', received: String(cfg.uniformPower) });
  }
  if (typeof cfg.useRope !== 'boolean') {
    throw new ConfigError('vit config useRope', { expected: 'a boolean', received: String(cfg.useRope), hint: 'the official YAML key is model.use_rope' });
  }
  if (cfg.useRope && ropeAxisDim(cfg.embedDim / cfg.numHeads) < 2) {
    throw new ConfigError('vit config useRope', {
      expected: 'a head width embedDim / numHeads >= 6 (RoPE rotates 2 * floor(head_dim / 6) channels per axis)',
      received: `head width ${cfg.embedDim / cfg.numHeads}`,
    });
  }
  return Object.freeze(cfg);
}

/**
 * True when the config uses the 3-D (video) patch embedding and position table (numFrames > 1).
 *
 * @example
 * isVideoConfig({ numFrames: 16 }); // true
 */
export function isVideoConfig(cfg: Pick<VitConfig, 'numFrames'>): boolean {
  return cfg.numFrames > 1;
}

/**
 * Token grid the config is built for: `(numFrames / tubelet, imgSize / p, imgSize / p)`, `t = 1`
 * for images.
 *
 * @example
 * tokenGrid(resolveVitConfig({ embedDim: 64, depth: 2, numHeads: 4, patchSize: 8, numFrames: 4, imgSize: 32 }));
 * // { t: 2, h: 4, w: 4 }
 */
export function tokenGrid(cfg: Pick<VitConfig, 'numFrames' | 'tubeletSize' | 'imgSize' | 'patchSize'>): TokenGrid {
  const s = cfg.imgSize / cfg.patchSize;
  return { t: cfg.numFrames > 1 ? cfg.numFrames / cfg.tubeletSize : 1, h: s, w: s };
}

/** Reference model sizes (official `model_name` without `vit_`; `*_rope` are V-JEPA 2's). */
export type VitPresetName = 'tiny' | 'small' | 'base' | 'large' | 'huge' | 'giant' | 'large_rope' | 'huge_rope' | 'giant_rope' | 'giant_xformers_rope';

/**
 * Width, depth, heads and MLP ratio of each reference size; the V-JEPA 2 rows (`*_rope`) also set
 * `useRope` and the released resolution (256 px, 64 frames; `VJEPA2_RELEASES` has the 384 px giant).
 */
export const VIT_PRESETS: Readonly<
  Record<VitPresetName, Readonly<Pick<VitConfig, 'embedDim' | 'depth' | 'numHeads' | 'mlpRatio'> & Partial<Pick<VitConfig, 'useRope' | 'imgSize' | 'numFrames'>>>>
> =
  Object.freeze({
    tiny: { embedDim: 192, depth: 12, numHeads: 3, mlpRatio: 4 },
    small: { embedDim: 384, depth: 12, numHeads: 6, mlpRatio: 4 },
    base: { embedDim: 768, depth: 12, numHeads: 12, mlpRatio: 4 },
    large: { embedDim: 1024, depth: 24, numHeads: 16, mlpRatio: 4 },
    huge: { embedDim: 1280, depth: 32, numHeads: 16, mlpRatio: 4 },
    giant: { embedDim: 1408, depth: 40, numHeads: 16, mlpRatio: 48 / 11 },
    large_rope: { embedDim: 1024, depth: 24, numHeads: 16, mlpRatio: 4, useRope: true, imgSize: 256, numFrames: 64 },
    huge_rope: { embedDim: 1280, depth: 32, numHeads: 16, mlpRatio: 4, useRope: true, imgSize: 256, numFrames: 64 },
    giant_rope: { embedDim: 1408, depth: 40, numHeads: 16, mlpRatio: 48 / 11, useRope: true, imgSize: 256, numFrames: 64 },
    giant_xformers_rope: { embedDim: 1408, depth: 40, numHeads: 22, mlpRatio: 48 / 11, useRope: true, imgSize: 256, numFrames: 64 },
  });

/**
 * A reference-size config: the preset's width/depth/heads/MLP ratio plus your data sizes (defaults
 * patch 16, tubelet 2, 16 frames, crop 224; the `*_rope` rows 64 frames at 256) and any override.
 * The official names (`vit_large`, `vit_giant_xformers_rope`) are accepted too.
 *
 * @example
 * const cfg = vitPreset('large', { patchSize: 16, tubeletSize: 2, numFrames: 16, imgSize: 224 });
 * const v2 = vitPreset('vit_large_rope'); // useRope, 256 px, 64 frames
 */
export function vitPreset(name: VitPresetName | `vit_${VitPresetName}`, overrides: Partial<VitConfig> = {}): Readonly<VitConfig> {
  const table = VIT_PRESETS as Record<string, (typeof VIT_PRESETS)[VitPresetName] | undefined>;
  const preset = table[name] ?? (typeof name === 'string' && name.startsWith('vit_') ? table[name.slice(4)] : undefined);
  if (!preset) {
    throw new ConfigError('vitPreset name', { expected: `one of ${Object.keys(VIT_PRESETS).join(', ')}`, received: String(name) });
  }
  return resolveVitConfig({ patchSize: 16, tubeletSize: 2, numFrames: 16, imgSize: 224, ...preset, ...overrides });
}
