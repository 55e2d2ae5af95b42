import { ConfigError } from '@vjepa/errors';

interface Taps {
  idx: Int32Array; // [out, taps]
  wts: Float64Array; // [out, taps]
  taps: number;
}

// Linear taps with PyTorch's align_corners=False convention: src = (dst + 0.5) * in/out - 0.5,
// clamped at 0, neighbours clamped to the last index.
function linearTaps(inSize: number, outSize: number): Taps {
  const idx = new Int32Array(outSize * 2);
  const wts = new Float64Array(outSize * 2);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const src = Math.max((o + 0.5) * scale - 0.5, 0);
    const i0 = Math.min(Math.floor(src), inSize - 1);
    const i1 = Math.min(i0 + 1, inSize - 1);
    const l = src - i0;
    idx[2 * o] = i0;
    idx[2 * o + 1] = i1;
    wts[2 * o] = 1 - l;
    wts[2 * o + 1] = l;
  }
  return { idx, wts, taps: 2 };
}

// Cubic convolution taps (Keys, A = -0.75) with align_corners=False and border-clamped indices, as
// PyTorch's bicubic upsampling.
function cubicTaps(inSize: number, outSize: number): Taps {
  const A = -0.75;
  const near = (x: number) => ((A + 2) * x - (A + 3)) * x * x + 1; // |x| <= 1
  const far = (x: number) => ((A * x - 5 * A) * x + 8 * A) * x - 4 * A; // 1 < |x| < 2
  const idx = new Int32Array(outSize * 4);
  const wts = new Float64Array(outSize * 4);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const src = (o + 0.5) * scale - 0.5;
    const i0 = Math.floor(src);
    const t = src - i0;
    const w = [far(t + 1), near(t), near(1 - t), far(2 - t)];
    for (let k = 0; k < 4; k++) {
      idx[4 * o + k] = Math.min(Math.max(i0 - 1 + k, 0), inSize - 1);
      wts[4 * o + k] = w[k];
    }
  }
  return { idx, wts, taps: 4 };
}

// Resamples one axis of a row-major [outer, inSize, inner] array to [outer, outSize, inner].
function resampleAxis(src: Float64Array<ArrayBufferLike>, outer: number, inSize: number, inner: number, outSize: number, taps: Taps): Float64Array<ArrayBufferLike> {
  const out = new Float64Array(outer * outSize * inner);
  for (let a = 0; a < outer; a++) {
    for (let o = 0; o < outSize; o++) {
      const dst = (a * outSize + o) * inner;
      for (let k = 0; k < taps.taps; k++) {
        const wgt = taps.wts[o * taps.taps + k];
        if (wgt === 0) continue;
        const from = (a * inSize + taps.idx[o * taps.taps + k]) * inner;
        for (let j = 0; j < inner; j++) out[dst + j] += wgt * src[from + j];
      }
    }
  }
  return out;
}

function checkGrid(what: string, grid: readonly number[], rank: number): void {
  if (grid.length !== rank || !grid.every((g) => Number.isInteger(g) && g > 0)) {
    throw new ConfigError(what, { expected: `${rank} positive integers`, received: `[${grid.join(', ')}]` });
  }
}

/**
 * Trilinear resampling (align_corners=False, as the reference's `interpolate(mode='trilinear')`) of a
 * row-major `[T*H*W, dim]` position table from grid `from` to grid `to`. Used when a clip's token grid
 * differs from the one the model was configured for.
 *
 * @example
 * const t2 = interpolatePosTable3d(table, 64, [2, 4, 4], [4, 8, 8]); // Float32Array(256 * 64)
 */
export function interpolatePosTable3d(
  table: Float32Array,
  dim: number,
  from: readonly [number, number, number],
  to: readonly [number, number, number],
): Float32Array {
  checkGrid('interpolatePosTable3d from', from, 3);
  checkGrid('interpolatePosTable3d to', to, 3);
  const [t0, h0, w0] = from;
  const [t1, h1, w1] = to;
  if (table.length !== t0 * h0 * w0 * dim) {
    throw new ConfigError('interpolatePosTable3d table', {
      expected: `${t0 * h0 * w0 * dim} values ([${t0 * h0 * w0}, ${dim}])`,
      received: `${table.length}`,
    });
  }
  let a: Float64Array<ArrayBufferLike> = Float64Array.from(table);
  a = resampleAxis(a, 1, t0, h0 * w0 * dim, t1, linearTaps(t0, t1)); // [T1, H0, W0, D]
  a = resampleAxis(a, t1, h0, w0 * dim, h1, linearTaps(h0, h1)); // [T1, H1, W0, D]
  a = resampleAxis(a, t1 * h1, w0, dim, w1, linearTaps(w0, w1)); // [T1, H1, W1, D]
  return Float32Array.from(a);
}

/**
 * Bicubic resampling (A = -0.75, align_corners=False, as the reference's image path) of a row-major
 * `[H*W, dim]` position table from grid `from` to grid `to`.
 *
 * @example
 * const t2 = interpolatePosTable2d(table, 64, [4, 4], [8, 8]); // Float32Array(64 * 64)
 */
export function interpolatePosTable2d(
  table: Float32Array,
  dim: number,
  from: readonly [number, number],
  to: readonly [number, number],
): Float32Array {
  checkGrid('interpolatePosTable2d from', from, 2);
  checkGrid('interpolatePosTable2d to', to, 2);
  const [h0, w0] = from;
  const [h1, w1] = to;
  if (table.length !== h0 * w0 * dim) {
    throw new ConfigError('interpolatePosTable2d table', {
      expected: `${h0 * w0 * dim} values ([${h0 * w0}, ${dim}])`,
      received: `${table.length}`,
    });
  }
  let a: Float64Array<ArrayBufferLike> = Float64Array.from(table);
  a = resampleAxis(a, 1, h0, w0 * dim, h1, cubicTaps(h0, h1)); // [H1, W0, D]
  a = resampleAxis(a, h1, w0, dim, w1, cubicTaps(w0, w1)); // [H1, W1, D]
  return Float32Array.from(a);
}
