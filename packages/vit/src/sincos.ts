import { ConfigError } from '@vjepa/errors';

/** Options for the sin-cos tables. */
export interface SincosOptions {
  /** Give every axis the same `2*ceil(D/6)` dims (3-D) and cut the concatenation to D. */
  uniformPower?: boolean;
}

function assertDim(what: string, dim: number, multiple: number): void {
  if (!Number.isInteger(dim) || dim <= 0 || dim % multiple !== 0) {
    throw new ConfigError(what, { expected: `a positive integer divisible by ${multiple}`, received: String(dim) });
  }
}

function assertLength(what: string, n: number): void {
  if (!Number.isInteger(n) || n <= 0) throw new ConfigError(what, { expected: 'a positive integer', received: String(n) });
}

/**
 * Writes the 1-D sin-cos encoding of `pos` (`dim` values) into `out` at `offset`: for i < dim/2,
 * `omega_i = 1 / 10000^(i / (dim/2))`, then `[sin(pos*omega) | cos(pos*omega)]` as two halves.
 * Computed in float64 like the reference (numpy), stored as float32 by the caller's array.
 */
function writeEncoding(out: Float32Array | Float64Array, offset: number, dim: number, pos: number, limit: number): void {
  const half = dim / 2;
  for (let i = 0; i < half; i++) {
    const omega = 1 / Math.pow(10000, i / half);
    if (i < limit) out[offset + i] = Math.sin(pos * omega);
    if (half + i < limit) out[offset + half + i] = Math.cos(pos * omega);
  }
}

/**
 * 1-D sin-cos position table for positions `0..length-1`, row-major `[length, dim]`.
 *
 * @example
 * const t = sincosPosEmbed1d(8, 4); // Float32Array(32): row p = [sin(p*w_0..3), cos(p*w_0..3)]
 */
export function sincosPosEmbed1d(dim: number, length: number): Float32Array {
  assertDim('sincosPosEmbed1d dim', dim, 2);
  assertLength('sincosPosEmbed1d length', length);
  const out = new Float32Array(length * dim);
  for (let p = 0; p < length; p++) writeEncoding(out, p * dim, dim, p, dim);
  return out;
}

/**
 * 2-D sin-cos table for an `[H, W]` grid, row-major `[H*W, dim]` with token index `h*W + w`: the
 * first half of each row encodes the row (height), the second half the column (width), as the
 * reference's image (num_frames == 1) path. `uniformPower` gives each axis `2*ceil(dim/4)` dims cut to
 * `dim`, which equals `dim/2` for every dim divisible by 4 (so it only matters for other dims).
 *
 * @example
 * const t = sincosPosEmbed2d(64, [4, 4]); // Float32Array(16 * 64)
 */
export function sincosPosEmbed2d(dim: number, grid: readonly [number, number], opts: SincosOptions = {}): Float32Array {
  const [gh, gw] = grid;
  assertLength('sincosPosEmbed2d grid height', gh);
  assertLength('sincosPosEmbed2d grid width', gw);
  let axisDim: number;
  if (opts.uniformPower) {
    assertDim('sincosPosEmbed2d dim', dim, 2);
    axisDim = 2 * Math.ceil(dim / 4);
  } else {
    assertDim('sincosPosEmbed2d dim (without uniformPower)', dim, 4);
    axisDim = dim / 2;
  }
  const out = new Float32Array(gh * gw * dim);
  for (let h = 0; h < gh; h++) {
    for (let w = 0; w < gw; w++) {
      const row = (h * gw + w) * dim;
      writeEncoding(out, row, axisDim, h, dim);
      writeEncoding(out, row + axisDim, axisDim, w, dim - axisDim);
    }
  }
  return out;
}

/**
 * Per-axis widths of the 3-D table: `[time, height, width]`. With `uniformPower` each axis gets
 * `2*ceil(dim/6)` (the concatenation is then cut to `dim`); otherwise time `dim/2`, height and width
 * `dim/4` each.
 *
 * @example
 * axisDims3d(1024, true); // [342, 342, 342] (1026 cut to 1024)
 * axisDims3d(64, false);  // [32, 16, 16]
 */
export function axisDims3d(dim: number, uniformPower: boolean): [number, number, number] {
  if (uniformPower) {
    assertDim('sincosPosEmbed3d dim', dim, 2);
    const a = 2 * Math.ceil(dim / 6);
    return [a, a, a];
  }
  assertDim('sincosPosEmbed3d dim (without uniformPower)', dim, 8);
  return [dim / 2, dim / 4, dim / 4];
}

/**
 * 3-D sin-cos table for a `[T, H, W]` token grid, row-major `[T*H*W, dim]` with time-major token
 * index `t*(H*W) + h*W + w`. Each row is `[time enc | height enc | width enc]` cut to `dim`.
 *
 * @example
 * const t = sincosPosEmbed3d(64, [2, 4, 4], { uniformPower: true }); // Float32Array(32 * 64)
 */
export function sincosPosEmbed3d(
  dim: number,
  grid: readonly [number, number, number],
  opts: SincosOptions = {},
): Float32Array {
  const [gt, gh, gw] = grid;
  assertLength('sincosPosEmbed3d grid time', gt);
  assertLength('sincosPosEmbed3d grid height', gh);
  assertLength('sincosPosEmbed3d grid width', gw);
  const [dt, dh, dw] = axisDims3d(dim, opts.uniformPower ?? false);
  const out = new Float32Array(gt * gh * gw * dim);
  // A scratch row holds the full (uncut) concatenation; only the first `dim` values are kept.
  const full = new Float64Array(dt + dh + dw);
  for (let t = 0; t < gt; t++) {
    for (let h = 0; h < gh; h++) {
      for (let w = 0; w < gw; w++) {
        writeEncoding(full, 0, dt, t, dt);
        writeEncoding(full, dt, dh, h, dh);
        writeEncoding(full, dt + dh, dw, w, dw);
        const row = ((t * gh + h) * gw + w) * dim;
        for (let i = 0; i < dim; i++) out[row + i] = full[i];
      }
    }
  }
  return out;
}
