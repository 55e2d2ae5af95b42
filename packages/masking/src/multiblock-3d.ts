import { ConfigError, MaskError } from '@vjepa/errors';
import { normaliseMaskTypes, type MaskTypeOptions } from './mask-type-config';
import { createRng, deriveSeed, type Rng } from '@vjepa/rng';
import { checkSampleOptions } from './sample-options';
import type { Grid, IndexBatch, MaskPair, MaskingStrategy } from './specification';

/**
 * Size of the box one multiblock3d block hides: `t` time slots by `h` x `w` patches.
 *
 * @example
 * const size: BlockSize = { t: 8, h: 5, w: 6 };
 */
export interface BlockSize {
  readonly t: number;
  readonly h: number;
  readonly w: number;
}

/**
 * Options of {@link multiblock3d} besides the mask types.
 *
 * @example
 * multiblock3d(RELEASED_MASK_TYPES, { maxResampleAttempts: 100 });
 */
export interface Multiblock3dOptions {
  /** Name reported by the strategy; default `multiblock3d`. */
  readonly name?: string;
  /** Resamples allowed for a sample whose context came out empty before a MaskError; default 1000. */
  readonly maxResampleAttempts?: number;
}

/**
 * Stream id mixed with the step to seed the block-size generator (a fixed, documented constant).
 *
 * @example
 * const sizeRng = createRng(deriveSeed(BLOCK_SIZE_STREAM, step)); // what multiblock3d draws sizes from
 */
export const BLOCK_SIZE_STREAM = 0x6d62_6c6b; // "mblk"

/** Python's round(): half to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function drawBlockSize(mt: MaskTypeOptions, grid: Grid, rng: Rng): BlockSize {
  // Draw order as in the reference: temporal scale, spatial scale, aspect ratio.
  const ts = mt.temporalScale[0] + rng.next() * (mt.temporalScale[1] - mt.temporalScale[0]);
  const t = Math.max(1, Math.trunc(grid.t * ts));
  const ss = mt.spatialScale[0] + rng.next() * (mt.spatialScale[1] - mt.spatialScale[0]);
  const keep = Math.trunc(grid.h * grid.w * ss);
  const ar = mt.aspectRatio[0] + rng.next() * (mt.aspectRatio[1] - mt.aspectRatio[0]);
  const h = roundHalfEven(Math.sqrt(keep * ar));
  const w = roundHalfEven(Math.sqrt(keep / ar));
  // Clipped to the grid; at least 1 so a tiny grid never gets an empty block (the reference would
  // produce an empty target there).
  return {
    t: Math.min(Math.max(t, 1), grid.t),
    h: Math.min(Math.max(h, 1), grid.h),
    w: Math.min(Math.max(w, 1), grid.w),
  };
}

/**
 * The block size of every mask type at a step: one per batch and mask type, drawn from a generator
 * seeded by the step only (`createRng(deriveSeed(BLOCK_SIZE_STREAM, step))`). As in the reference,
 * every mask type's generator is seeded with the same step, so the types share their uniform draws
 * (mapped through their own ranges).
 *
 * @example
 * multiblockBlockSizes(RELEASED_MASK_TYPES, { t: 8, h: 14, w: 14 }, 0); // e.g. [{t:8,h:5,w:5}, {t:8,h:11,w:10}]
 */
export function multiblockBlockSizes(maskTypes: readonly MaskTypeOptions[], grid: Grid, step: number): BlockSize[] {
  return maskTypes.map((mt) => drawBlockSize(mt, grid, createRng(deriveSeed(BLOCK_SIZE_STREAM, step))));
}

function truncateRows(rows: Int32Array[], length: number): IndexBatch {
  const data = new Int32Array(rows.length * length); // [B, K]
  // Keep the first `length` indices of each (sorted) row: the raster-order prefix.
  rows.forEach((row, b) => data.set(row.subarray(0, length), b * length));
  return { data, batchSize: rows.length, length };
}

function sampleMaskType(
  mt: MaskTypeOptions,
  k: number,
  size: BlockSize,
  grid: Grid,
  batchSize: number,
  rng: Rng,
  maxAttempts: number,
): MaskPair {
  const hw = grid.h * grid.w;
  const n = grid.t * hw;
  const hidden = new Uint8Array(n); // [T*H*W], 1 = target
  const causalFrom = Math.max(1, Math.trunc(grid.t * (mt.maxTemporalKeep ?? 1)));
  const contexts: Int32Array[] = [];
  const targets: Int32Array[] = [];
  for (let b = 0; b < batchSize; b++) {
    let numHidden = n;
    for (let attempt = 0; numHidden === n; attempt++) {
      if (attempt >= maxAttempts) {
        throw new MaskError(`multiblock3d mask type ${k}, sample ${b}`, {
          expected: 'a non-empty context',
          received: `an empty context after ${maxAttempts} attempts (blocks ${size.t}x${size.h}x${size.w} on grid ${grid.t}x${grid.h}x${grid.w})`,
          hint: `lower mask[${k}].numBlocks or spatialScale`,
        });
      }
      hidden.fill(0);
      for (let blk = 0; blk < mt.numBlocks; blk++) {
        const top = rng.int(0, grid.h - size.h);
        const left = rng.int(0, grid.w - size.w);
        const start = rng.int(0, grid.t - size.t);
        for (let ti = start; ti < start + size.t; ti++) {
          for (let y = top; y < top + size.h; y++) {
            const row = ti * hw + y * grid.w;
            hidden.fill(1, row + left, row + left + size.w);
          }
        }
      }
      if (causalFrom < grid.t) hidden.fill(1, causalFrom * hw);
      numHidden = 0;
      for (let i = 0; i < n; i++) numHidden += hidden[i];
    }
    const context = new Int32Array(n - numHidden);
    const target = new Int32Array(numHidden);
    let c = 0;
    let tg = 0;
    for (let i = 0; i < n; i++) {
      if (hidden[i] === 1) target[tg++] = i;
      else context[c++] = i;
    }
    contexts.push(context);
    targets.push(target);
  }
  let minContext = Math.min(...contexts.map((r) => r.length));
  if (mt.maxKeep != null) minContext = Math.min(minContext, mt.maxKeep);
  const minTarget = Math.min(...targets.map((r) => r.length));
  return { context: truncateRows(contexts, minContext), target: truncateRows(targets, minTarget) };
}

/**
 * The V-JEPA multi-block space-time masking (used by every released model). Per batch and mask type
 * one block size is drawn from a generator seeded by `step` (see {@link multiblockBlockSizes}); per
 * sample, `numBlocks` boxes are placed uniformly with the handed `rng` (top in `[0, H-h]`, left in
 * `[0, W-w]`, start in `[0, T-t]`), their union (plus every slot from `int(T*maxTemporalKeep)` on) is
 * the target and the exact complement is the context; a sample with an empty context is resampled.
 * Contexts are truncated to the batch minimum (then to `maxKeep`), targets to theirs, keeping the
 * raster-order prefix. Returns one pair per mask type, in order.
 *
 * @example
 * const strategy = multiblock3d(RELEASED_MASK_TYPES);
 * const [shortRange, longRange] = strategy.sample({ grid: { t: 8, h: 14, w: 14 }, batchSize: 24, rng: createRng(0), step: 0 });
 */
export function multiblock3d(maskTypes: readonly MaskTypeOptions[], options: Multiblock3dOptions = {}): MaskingStrategy {
  const types = normaliseMaskTypes(maskTypes, 'mask', 'camel');
  const name = options.name ?? 'multiblock3d';
  const maxAttempts = options.maxResampleAttempts ?? 1000;
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) {
    throw new ConfigError('multiblock3d options.maxResampleAttempts', { expected: 'an integer >= 1', received: String(maxAttempts) });
  }
  return Object.freeze({
    specificationVersion: 'v1' as const,
    name,
    numMaskTypes: types.length,
    sample(o: Parameters<MaskingStrategy['sample']>[0]): readonly MaskPair[] {
      checkSampleOptions(name, o);
      const { grid, batchSize, rng, step } = o;
      const sizes = multiblockBlockSizes(types, grid, step);
      sizes.forEach((s, k) => {
        if (s.t === grid.t && s.h === grid.h && s.w === grid.w) {
          throw new ConfigError(`mask[${k}]`, {
            expected: `blocks smaller than the grid ${grid.t}x${grid.h}x${grid.w}`,
            received: `a ${s.t}x${s.h}x${s.w} block at step ${step}, which leaves no context`,
            hint: 'lower spatialScale or temporalScale, or use a larger grid',
          });
        }
      });
      return types.map((mt, k) => sampleMaskType(mt, k, sizes[k], grid, batchSize, rng, maxAttempts));
    },
  });
}
