import { ConfigError } from '@vjepa/errors';
import type { TokenGrid } from './config';

/**
 * Channels of each head that rotate with ONE axis (frame, row or column) in V-JEPA 2's 3-D RoPE:
 * `2 * floor(floor(headDim / 3) / 2)`. The first `d` channels of q and k rotate with the frame, the
 * next `d` with the row, the next `d` with the column; the last `headDim - 3d` are not rotated.
 *
 * @example
 * ropeAxisDim(64); // 20 (ViT-L: channels 60..63 are not rotated)
 * ropeAxisDim(24); // 8
 */
export function ropeAxisDim(headDim: number): number {
  return 2 * Math.floor(Math.floor(headDim / 3) / 2);
}

/**
 * Position of token `index` of a time-major raster over `grid`: frame `i // (h*w)`, row
 * `(i mod h*w) // w`, column `(i mod h*w) mod w`.
 *
 * @example
 * tokenPosition(37, { t: 2, h: 4, w: 8 }); // { frame: 1, row: 0, column: 5 }
 */
export function tokenPosition(index: number, grid: TokenGrid): { frame: number; row: number; column: number } {
  const hw = grid.h * grid.w;
  const inFrame = index % hw;
  return { frame: Math.floor(index / hw), row: Math.floor(inFrame / grid.w), column: inFrame % grid.w };
}

/** Cos and signed-sin tables of V-JEPA 2's rotary embedding for every token of a grid. */
export interface RopeTables {
  /** `[t*h*w, headDim]` row-major: cos of each channel's angle (1 on channels that do not rotate). */
  cos: Float32Array;
  /**
   * `[t*h*w, headDim]`: sin of each channel's angle times the partner sign (-1 on even channels, +1 on
   * odd ones; 0 on channels that do not rotate), so the rotation is `x * cos + swapPairs(x) * signedSin`
   * with `swapPairs` exchanging channels 2k and 2k+1.
   */
  signedSin: Float32Array;
  headDim: number;
  numTokens: number;
}

/**
 * V-JEPA 2's rotary tables for a token grid and head width, with the released models' frequency
 * layout: each axis block of `n = ropeAxisDim(headDim)` channels uses `omega_j = 10000^(-j / (n/2))`,
 * `j < n/2`, and angle `p * omega`, laid out as `[f, f]` (the n/2 angles repeated, NOT interleaved:
 * the official code's known quirk, which the released weights depend on) while the partner of
 * channel 2k is 2k+1. So channels 2k and 2k+1 of a pair turn by different angles, as in the reference.
 *
 * @example
 * const { cos, signedSin } = ropeTables({ t: 2, h: 4, w: 4 }, 24); // 32 tokens x 24 channels each
 */
export function ropeTables(grid: TokenGrid, headDim: number): RopeTables {
  if (!Number.isInteger(headDim) || headDim < 1) {
    throw new ConfigError('ropeTables headDim', { expected: 'a positive integer', received: String(headDim) });
  }
  for (const k of ['t', 'h', 'w'] as const) {
    if (!Number.isInteger(grid[k]) || grid[k] < 1) {
      throw new ConfigError(`ropeTables grid.${k}`, { expected: 'a positive integer', received: String(grid[k]) });
    }
  }
  const d = ropeAxisDim(headDim);
  const half = d / 2;
  // float32 steps as the reference computes them (omega, then p * omega), so angles of far tokens
  // carry the same rounding as the released models saw
  const f = Math.fround;
  const omega = new Float64Array(half);
  for (let j = 0; j < half; j++) omega[j] = f(1 / f(10000 ** f(j / half)));
  const n = grid.t * grid.h * grid.w;
  const cos = new Float32Array(n * headDim).fill(1);
  const signedSin = new Float32Array(n * headDim);
  for (let i = 0; i < n; i++) {
    const { frame, row, column } = tokenPosition(i, grid);
    const axes = [frame, row, column];
    for (let a = 0; a < 3; a++) {
      for (let c = 0; c < d; c++) {
        const angle = f(axes[a] * omega[c % half]); // [f, f]: channel c uses angle c mod n/2
        const at = i * headDim + a * d + c;
        cos[at] = Math.cos(angle);
        signedSin[at] = (c % 2 === 0 ? -1 : 1) * Math.sin(angle);
      }
    }
  }
  return { cos, signedSin, headDim, numTokens: n };
}

/**
 * Channel permutation that swaps each pair (2k, 2k+1) of a head; an odd last channel maps to itself
 * (it never rotates, its signed sin is 0).
 *
 * @example
 * pairSwapIndices(5); // Int32Array [1, 0, 3, 2, 4]
 */
export function pairSwapIndices(headDim: number): Int32Array {
  const out = new Int32Array(headDim);
  for (let c = 0; c < headDim; c++) out[c] = c % 2 === 0 ? (c + 1 < headDim ? c + 1 : c) : c - 1;
  return out;
}
