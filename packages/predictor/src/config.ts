import { ConfigError } from '@vjepa/errors';
import { type TokenGrid, type VitConfig, isVideoConfig, ropeAxisDim, tokenGrid } from '@vjepa/vit';

/** Configuration of a {@link VJEPAPredictor}; defaults in comments. */
export interface PredictorConfig {
  /** Token grid of the encoder's clip (`{ t, h, w }`); the predictor's table covers `t*h*w` tokens. */
  grid: TokenGrid;
  /** 3-D (video) position table; false selects the 2-D image table. Default `grid.t > 1`. */
  video: boolean;
  /** Encoder width D (input width). */
  embedDim: number;
  /** Predictor width Dp (reference releases: 384). */
  predictorEmbedDim: number;
  /** Number of predictor blocks (reference: 12). */
  depth: number;
  /** Attention heads (reference: the encoder's heads); must divide Dp. */
  numHeads: number;
  /** MLP ratio. Default 4. */
  mlpRatio: number;
  /** One learnable mask token per mask type. Default 2. */
  numMaskTypes: number;
  /** Equal sin-cos dims per axis. Default true. */
  uniformPower: boolean;
  /** LayerNorm epsilon. Default 1e-6. */
  layerNormEps: number;
  /** Start mask tokens at zero (as the releases) instead of trunc-normal. Default true. */
  zeroInitMaskTokens: boolean;
  /** Width of `predictor_proj`'s output. Default D (features); e.g. tubelet*p*p*3 for pixel targets. */
  outDim: number;
  /** Init std of Linear weights. Default 0.02. */
  initStd: number;
  /**
   * V-JEPA 2: no position table; tokens are sorted by position and every attention rotates q and k by
   * each token's (frame, row, column) in `grid` (official `use_rope`). Default false.
   */
  useRope: boolean;
}

/** What a user passes: grid and widths required, every other key optional. */
export type PredictorConfigInput = Pick<PredictorConfig, 'grid' | 'embedDim' | 'predictorEmbedDim' | 'depth' | 'numHeads'> &
  Partial<PredictorConfig>;

function positiveInt(key: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new ConfigError(`predictor config ${key}`, { expected: 'a positive integer', received: String(v) });
  }
}

/**
 * Fills defaults and validates a predictor config (ConfigError naming the key). The result is frozen.
 *
 * @example
 * const cfg = resolvePredictorConfig({ grid: { t: 2, h: 4, w: 4 }, embedDim: 64, predictorEmbedDim: 32, depth: 2, numHeads: 4 });
 * cfg.outDim; // 64
 */
export function resolvePredictorConfig(input: PredictorConfigInput): Readonly<PredictorConfig> {
  if (typeof input !== 'object' || input === null) {
    throw new ConfigError('predictor config', { expected: 'an object', received: String(input) });
  }
  const g = input.grid;
  if (typeof g !== 'object' || g === null) {
    throw new ConfigError('predictor config grid', { expected: '{ t, h, w } positive integers', received: String(g) });
  }
  for (const k of ['t', 'h', 'w'] as const) positiveInt(`grid.${k}`, g[k]);
  const cfg: PredictorConfig = {
    video: g.t > 1,
    mlpRatio: 4,
    numMaskTypes: 2,
    uniformPower: true,
    layerNormEps: 1e-6,
    zeroInitMaskTokens: true,
    outDim: input.embedDim,
    initStd: 0.02,
    useRope: false,
    ...input,
    grid: Object.freeze({ t: g.t, h: g.h, w: g.w }),
  };
  for (const k of ['embedDim', 'predictorEmbedDim', 'depth', 'numHeads', 'numMaskTypes', 'outDim'] as const) positiveInt(k, cfg[k]);
  if (cfg.predictorEmbedDim % cfg.numHeads !== 0) {
    throw new ConfigError('predictor config numHeads', {
      expected: `a divisor of predictorEmbedDim ${cfg.predictorEmbedDim}`,
      received: String(cfg.numHeads),
    });
  }
  for (const k of ['mlpRatio', 'layerNormEps', 'initStd'] as const) {
    if (typeof cfg[k] !== 'number' || !(cfg[k] > 0) || !Number.isFinite(cfg[k])) {
      throw new ConfigError(`predictor config ${k}`, { expected: 'a finite number > 0', received: String(cfg[k]) });
    }
  }
  for (const k of ['video', 'uniformPower', 'zeroInitMaskTokens', 'useRope'] as const) {
    if (typeof cfg[k] !== 'boolean') throw new ConfigError(`predictor config ${k}`, { expected: 'a boolean', received: String(cfg[k]) });
  }
  if (cfg.useRope && ropeAxisDim(cfg.predictorEmbedDim / cfg.numHeads) < 2) {
    throw new ConfigError('predictor config useRope', {
      expected: 'a head width predictorEmbedDim / numHeads >= 6 (RoPE rotates 2 * floor(head_dim / 6) channels per axis)',
      received: `head width ${cfg.predictorEmbedDim / cfg.numHeads}`,
    });
  }
  return Object.freeze(cfg);
}

/**
 * A predictor config matching an encoder: its grid, video flag, width, LayerNorm eps, uniformPower and
 * position scheme (`useRope`), with heads defaulting to the encoder's (as the reference). Pass the
 * predictor's own sizes.
 *
 * @example
 * const pcfg = predictorConfigFor(vit.config, { predictorEmbedDim: 384, depth: 12, numMaskTypes: 2 });
 */
export function predictorConfigFor(
  encoder: Pick<VitConfig, 'embedDim' | 'numHeads' | 'numFrames' | 'tubeletSize' | 'imgSize' | 'patchSize' | 'uniformPower' | 'layerNormEps'> &
    Partial<Pick<VitConfig, 'useRope'>>,
  opts: Pick<PredictorConfig, 'predictorEmbedDim' | 'depth'> & Partial<PredictorConfig>,
): Readonly<PredictorConfig> {
  return resolvePredictorConfig({
    grid: tokenGrid(encoder),
    video: isVideoConfig(encoder),
    embedDim: encoder.embedDim,
    numHeads: encoder.numHeads,
    uniformPower: encoder.uniformPower,
    layerNormEps: encoder.layerNormEps,
    useRope: encoder.useRope ?? false,
    ...opts,
  });
}
