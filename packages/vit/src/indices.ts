import * as tf from '@tensorflow/tfjs-core';
import { MaskError, ShapeError } from '@vjepa/errors';

/** Token indices per sample: an int32 tensor `[B, K]` or `B` rows of equal length. */
export type IndicesInput = tf.Tensor | ReadonlyArray<ArrayLike<number>>;

/**
 * Validates token indices at a public entry point and returns them as an int32 `[B, K]` tensor.
 * `owned` says whether the tensor was created here (dispose it) or is the caller's own. Values are
 * range-checked (`0 <= i < numTokens`) unless `checkValues` is false (a tensor's values are read back
 * synchronously for the check).
 *
 * @example
 * const { tensor, owned } = resolveIndices([[0, 1], [2, 3]], 'indices', 2, 32);
 */
export function resolveIndices(
  idx: IndicesInput,
  what: string,
  batch: number,
  numTokens: number,
  checkValues = true,
): { tensor: tf.Tensor; owned: boolean } {
  if (idx instanceof tf.Tensor) {
    if (idx.isDisposed) throw new ShapeError(what, { expected: 'a live tensor', received: 'a disposed tensor' });
    if (idx.dtype !== 'int32') {
      throw new ShapeError(`${what} dtype`, { expected: 'int32', received: idx.dtype, hint: 'create indices with tf.tensor2d(rows, shape, "int32").' });
    }
    const k = idx.shape[1] ?? 0;
    if (idx.rank !== 2 || idx.shape[0] !== batch || k < 1) {
      throw new ShapeError(what, { expected: `[${batch}, K] with K >= 1`, received: `[${idx.shape.join(', ')}]` });
    }
    if (checkValues) checkRange(idx.dataSync() as Int32Array, what, k, numTokens);
    return { tensor: idx, owned: false };
  }
  if (!Array.isArray(idx) || idx.length !== batch) {
    throw new ShapeError(what, { expected: `${batch} rows of token indices`, received: Array.isArray(idx) ? `${idx.length} rows` : typeof idx });
  }
  const k: number = idx[0]?.length ?? 0;
  if (k < 1) throw new ShapeError(what, { expected: 'rows with at least one index', received: 'an empty row' });
  const flat = new Int32Array(batch * k);
  for (let b = 0; b < batch; b++) {
    const row = idx[b];
    if (!row || row.length !== k) {
      throw new ShapeError(`${what} row ${b}`, { expected: `${k} indices (rows must have equal lengths)`, received: `${row?.length ?? 0}` });
    }
    for (let j = 0; j < k; j++) {
      const v = row[j];
      if (!Number.isInteger(v)) throw new MaskError(`${what}[${b}][${j}]`, { expected: 'an integer token index', received: String(v) });
      flat[b * k + j] = v;
    }
  }
  checkRange(flat, what, k, numTokens);
  return { tensor: tf.tensor2d(flat, [batch, k], 'int32'), owned: true };
}

function checkRange(values: Int32Array, what: string, k: number, numTokens: number): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < 0 || v >= numTokens) {
      throw new MaskError(`${what}[${Math.floor(i / k)}][${i % k}]`, { expected: `a token index in [0, ${numTokens})`, received: String(v) });
    }
  }
}
