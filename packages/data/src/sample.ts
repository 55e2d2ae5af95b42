import type { RandomSource } from './rng';

/**
 * One dataset item: a clip as a channels-last `Float32Array` `[T, H, W, 3]` (values in [0, 1], or
 * normalised after a transform) and optional integer labels.
 *
 * @example
 * const s: Sample = { clip: new Float32Array(2 * 4 * 4 * 3), shape: [2, 4, 4, 3], labels: { digit: 7 } };
 */
export interface Sample {
  clip: Float32Array;
  /** `[T, H, W, 3]`. */
  shape: [number, number, number, number];
  labels?: Record<string, number>;
}

/**
 * What the loader passes to `Dataset.get`: a random source seeded from (seed, epoch, index).
 *
 * @example
 * dataset.get(3, { rng: createDataRng(mixSeed(seed, epoch, 3)), epoch });
 */
export interface GetContext {
  rng: RandomSource;
  epoch: number;
}

/**
 * Anything the loader can batch. `get` may be sync or async; it must be deterministic given `ctx.rng`.
 *
 * @example
 * const ds: Dataset = { length: 10, get: (i) => makeSample(i) };
 */
export interface Dataset {
  readonly length: number;
  get(index: number, ctx: GetContext): Sample | Promise<Sample>;
  /** Names of the label keys every sample carries (the loader batches them as Int32Arrays). */
  readonly labelNames?: readonly string[];
}

/**
 * A per-sample transform (augmentation, normalisation), deterministic given `rng`.
 *
 * @example
 * const t: Transform = (sample, rng) => sample;
 */
export type Transform = (sample: Sample, rng: RandomSource) => Sample;
