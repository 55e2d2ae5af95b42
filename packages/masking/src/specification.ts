import type { Rng } from '@vjepa/rng';

/**
 * The token grid a clip is cut into: `t` time slots (frames / tubelet), `h` x `w` patches.
 * Token index is time-major raster: `ti * (h * w) + y * w + x`.
 *
 * @example
 * const grid: Grid = { t: 8, h: 14, w: 14 }; // 16 frames, 224 px, patch 16, tubelet 2 -> 1568 tokens
 */
export interface Grid {
  readonly t: number;
  readonly h: number;
  readonly w: number;
}

/**
 * A rectangular `[batchSize, length]` batch of token indices, row-major in one Int32Array.
 * Row `b` is `data.subarray(b * length, (b + 1) * length)`.
 *
 * @example
 * const batch: IndexBatch = { data: Int32Array.from([0, 1, 2, 5, 6, 7]), batchSize: 2, length: 3 };
 */
export interface IndexBatch {
  readonly data: Int32Array; // [B, K] row-major
  readonly batchSize: number;
  readonly length: number;
}

/**
 * The masks of one mask type for a batch: what the encoder sees and what the predictor predicts.
 *
 * @example
 * const pair: MaskPair = { context: indexBatchFromRows([[0, 1]]), target: indexBatchFromRows([[2, 3]]) };
 */
export interface MaskPair {
  readonly context: IndexBatch; // [B, Kc]
  readonly target: IndexBatch; // [B, Kt]
}

/**
 * What {@link MaskingStrategy.sample} is handed.
 *
 * @example
 * const options: SampleOptions = { grid: { t: 8, h: 14, w: 14 }, batchSize: 24, rng: createRng(0), step: 0 };
 */
export interface SampleOptions {
  readonly grid: Grid;
  readonly batchSize: number;
  /** The generator to draw per-sample randomness from; a strategy must not use any other source. */
  readonly rng: Rng;
  /** The global training step (0-based); strategies may seed per-batch choices from it. */
  readonly step: number;
}

/**
 * The masking extension point, specification `v1`. A strategy is a plain value; `sample` returns one
 * `{ context, target }` pair per mask type, each a rectangular `[B, K]` batch of sorted, unique,
 * in-range token indices with non-empty context and target. Context and target of a sample must not
 * overlap unless `contextMayOverlapTarget` is true. Given the same grid, batch size, RNG state and
 * step, `sample` must return identical masks. Prove a strategy with `assertConformingStrategy` from
 * `@vjepa/masking/testing`.
 *
 * @example
 * const firstHalf: MaskingStrategy = {
 *   specificationVersion: 'v1',
 *   name: 'first-half',
 *   numMaskTypes: 1,
 *   sample({ grid, batchSize }) {
 *     const n = grid.t * grid.h * grid.w;
 *     const half = Math.floor(n / 2);
 *     const rows = Array.from({ length: batchSize }, () => Array.from({ length: n }, (_, i) => i));
 *     return [{
 *       context: indexBatchFromRows(rows.map((r) => r.slice(0, half))),
 *       target: indexBatchFromRows(rows.map((r) => r.slice(half))),
 *     }];
 *   },
 * };
 */
export interface MaskingStrategy {
  readonly specificationVersion: 'v1';
  /** A short name for logs, e.g. `multiblock3d`. */
  readonly name: string;
  /** How many `{ context, target }` pairs `sample` returns (the predictor has one mask token each). */
  readonly numMaskTypes: number;
  /** True only for strategies whose targets deliberately include context tokens (e.g. `fullContext`). */
  readonly contextMayOverlapTarget?: boolean;
  sample(options: SampleOptions): readonly MaskPair[];
}
