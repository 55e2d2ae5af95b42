import type { TypedData } from './tensor-data';

/**
 * Copies a strided view of `src` into a new C-ordered array of the same class. `strides` and
 * `offset` are in elements. Used for Fortran-ordered .npy files and non-contiguous torch tensors.
 *
 * @example
 * // a 2x3 Fortran-ordered matrix [[1,2,3],[4,5,6]] stored as [1,4,2,5,3,6]
 * stridedToContiguous(new Float32Array([1, 4, 2, 5, 3, 6]), [2, 3], [1, 2], 0); // [1,2,3,4,5,6]
 */
export function stridedToContiguous<T extends TypedData>(
  src: T,
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
): T {
  const rank = shape.length;
  let n = 1;
  for (const d of shape) n *= d;
  const out = new (src.constructor as new (len: number) => T)(n);
  if (n === 0) return out;
  const idx = new Array<number>(rank).fill(0);
  let pos = offset;
  const o = out as unknown as { [i: number]: number | bigint };
  const s = src as unknown as { [i: number]: number | bigint };
  for (let i = 0; i < n; i++) {
    o[i] = s[pos];
    // odometer increment over the last axis first (C order)
    for (let a = rank - 1; a >= 0; a--) {
      idx[a]++;
      pos += strides[a];
      if (idx[a] < shape[a]) break;
      pos -= strides[a] * shape[a];
      idx[a] = 0;
    }
  }
  return out;
}

/**
 * C-order (row-major) strides of a shape, in elements.
 *
 * @example
 * contiguousStrides([2, 3, 4]); // [12, 4, 1]
 */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let a = shape.length - 1; a >= 0; a--) {
    strides[a] = s;
    s *= shape[a];
  }
  return strides;
}

/**
 * Smallest and largest element offset a strided view touches (for bounds checks). Returns
 * `null` for an empty view.
 *
 * @example
 * stridedExtent([2, 3], [3, 1], 0); // { min: 0, max: 5 }
 */
export function stridedExtent(
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
): { min: number; max: number } | null {
  let min = offset;
  let max = offset;
  for (let a = 0; a < shape.length; a++) {
    if (shape[a] === 0) return null;
    const span = strides[a] * (shape[a] - 1);
    if (span >= 0) max += span;
    else min += span;
  }
  return { min, max };
}
