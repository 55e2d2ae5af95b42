import { interpolatePosTable2d, interpolatePosTable3d } from './interpolate';
import { sincosPosEmbed2d, sincosPosEmbed3d } from './sincos';
import type { TokenGrid } from './config';

/**
 * The fixed position table of a model: the 3-D sin-cos table for video models, the 2-D one for image
 * models, row-major `[t*h*w, dim]` in time-major token order.
 *
 * @example
 * const table = posTable(64, { t: 2, h: 4, w: 4 }, { video: true, uniformPower: true }); // Float32Array(32 * 64)
 */
export function posTable(dim: number, grid: TokenGrid, opts: { video: boolean; uniformPower: boolean }): Float32Array {
  return opts.video
    ? sincosPosEmbed3d(dim, [grid.t, grid.h, grid.w], { uniformPower: opts.uniformPower })
    : sincosPosEmbed2d(dim, [grid.h, grid.w], { uniformPower: opts.uniformPower });
}

/**
 * Resamples a model's position table to another token grid as the reference does: trilinear over
 * (T', H', W') for video, bicubic over (H', W') for images. Returns the table itself for equal grids.
 *
 * @example
 * const t2 = resamplePosTable(table, 64, { t: 2, h: 4, w: 4 }, { t: 4, h: 8, w: 8 }, true);
 */
export function resamplePosTable(table: Float32Array, dim: number, from: TokenGrid, to: TokenGrid, video: boolean): Float32Array {
  if (from.t === to.t && from.h === to.h && from.w === to.w) return table;
  return video
    ? interpolatePosTable3d(table, dim, [from.t, from.h, from.w], [to.t, to.h, to.w])
    : interpolatePosTable2d(table, dim, [from.h, from.w], [to.h, to.w]);
}
