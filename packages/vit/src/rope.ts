import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '@vjepa/errors';
import type { TokenGrid } from './config';
import { pairSwapIndices, ropeTables } from './rope-frequencies';

/**
 * The per-token rotation one attention call applies to q and k (V-JEPA 2's 3-D RoPE), broadcastable
 * to head-split `[B, H, N, headDim]`. Build it with {@link RotaryCache.embedding}.
 */
export interface RotaryEmbedding {
  /** `[B or 1, 1, N, headDim]` cosines (1 on channels that do not rotate). */
  readonly cos: tf.Tensor;
  /** `[B or 1, 1, N, headDim]` sines times the partner sign (see `ropeTables`). */
  readonly signedSin: tf.Tensor;
  /** int32 `[headDim]`: the permutation that swaps channels 2k and 2k+1. */
  readonly swap: tf.Tensor;
}

/**
 * Rotates head-split queries or keys: `x * cos + swapPairs(x) * signedSin`, i.e. per pair
 * `y[2k] = -x[2k+1]`, `y[2k+1] = x[2k]`, result `x * cos + y * sin` (the reference's
 * `rotate_queries_or_keys` on the frame, row and column blocks at once). v is never rotated.
 *
 * @example
 * const qr = applyRotary(q, rope); // q [B, H, N, hd] -> [B, H, N, hd]
 */
export function applyRotary(x: tf.Tensor, rope: RotaryEmbedding): tf.Tensor {
  return tf.tidy(() => {
    const swapped = tf.gather(x, rope.swap, x.rank - 1); // [B, H, N, hd], pairs exchanged
    return tf.add(tf.mul(x, rope.cos), tf.mul(swapped, rope.signedSin)); // [B, H, N, hd]
  });
}

/**
 * Owns a model's rotary tables: the full-grid cos/sin tables per token grid (computed once, kept)
 * and the pair-swap permutation. `embedding(grid, indices?)` gives the tables for one forward,
 * gathered at the kept token indices when there are any (positions come from the indices, not the
 * sequence order).
 *
 * @example
 * const rotary = new RotaryCache(24);
 * const rope = tf.tidy(() => rotary.embedding({ t: 2, h: 4, w: 4 }, ctxIdx)); // cos [B, 1, K, 24]
 * rotary.dispose();
 */
export class RotaryCache {
  readonly headDim: number;
  private readonly tables = new Map<string, { cos: tf.Tensor2D; signedSin: tf.Tensor2D }>();
  private swap?: tf.Tensor1D;

  constructor(headDim: number) {
    this.headDim = headDim;
  }

  /**
   * The full-grid tables `[t*h*w, headDim]` (cached and owned by the cache: do not dispose).
   *
   * @example
   * rotary.full({ t: 2, h: 4, w: 4 }).cos.shape; // [32, 24]
   */
  full(grid: TokenGrid): { cos: tf.Tensor2D; signedSin: tf.Tensor2D } {
    const key = `${grid.t}x${grid.h}x${grid.w}`;
    let t = this.tables.get(key);
    if (!t) {
      const { cos, signedSin, numTokens } = ropeTables(grid, this.headDim);
      t = {
        cos: tf.keep(tf.tensor2d(cos, [numTokens, this.headDim], 'float32')),
        signedSin: tf.keep(tf.tensor2d(signedSin, [numTokens, this.headDim], 'float32')),
      };
      this.tables.set(key, t);
    }
    return t;
  }

  /**
   * The rotation for one forward over `grid`: every token in raster order (`[1, 1, N, hd]`), or the
   * tokens at `indices` (int32 `[B, K]`, values in `[0, t*h*w)`, not range-checked here) as
   * `[B, 1, K, hd]`. Call inside `tf.tidy`.
   *
   * @example
   * const rope = rotary.embedding(grid);          // full clip
   * const ropeCtx = rotary.embedding(grid, idx);  // kept tokens
   */
  embedding(grid: TokenGrid, indices?: tf.Tensor): RotaryEmbedding {
    const full = this.full(grid);
    if (!this.swap) this.swap = tf.keep(tf.tensor1d(pairSwapIndices(this.headDim), 'int32'));
    const hd = this.headDim;
    if (!indices) {
      const n = full.cos.shape[0];
      return { cos: tf.reshape(full.cos, [1, 1, n, hd]), signedSin: tf.reshape(full.signedSin, [1, 1, n, hd]), swap: this.swap };
    }
    if (indices.rank !== 2 || indices.dtype !== 'int32') {
      throw new ShapeError('rotary indices', { expected: 'int32 [B, K]', received: `${indices.dtype} [${indices.shape.join(', ')}]` });
    }
    const [b, k] = indices.shape as [number, number];
    return {
      cos: tf.reshape(tf.gather(full.cos, indices), [b, 1, k, hd]), // [B, 1, K, hd]
      signedSin: tf.reshape(tf.gather(full.signedSin, indices), [b, 1, k, hd]), // [B, 1, K, hd]
      swap: this.swap,
    };
  }

  /**
   * Disposes every cached table.
   *
   * @example
   * rotary.dispose();
   */
  dispose(): void {
    for (const t of this.tables.values()) tf.dispose([t.cos, t.signedSin]);
    this.tables.clear();
    this.swap?.dispose();
    this.swap = undefined;
  }
}
