import * as tf from '@tensorflow/tfjs-core';

/**
 * Per-sample gather of token rows: `out[b, k] = x[b, idx[b, k]]`. Implemented by flattening `x` to
 * `[B*N, D]` and offsetting each row's indices by `b*N`, so it is one `tf.gather` on axis 0 whose
 * gradient (UnsortedSegmentSum) exists on every backend. Indices are not range-checked here; validate
 * them at the public entry point.
 *
 * @example
 * const kept = gatherTokens(tokens, idx); // tokens [B, N, D], idx int32 [B, K] -> [B, K, D]
 */
export function gatherTokens(x: tf.Tensor, idx: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [b, n, d] = x.shape;
    const k = idx.shape[1] as number;
    const flat = tf.reshape(x, [b * n, d]); // [B*N, D]
    const offsets = tf.reshape(tf.mul(tf.range(0, b, 1, 'int32'), tf.scalar(n, 'int32')), [b, 1]); // [B, 1]
    const flatIdx = tf.reshape(tf.add(idx, offsets), [b * k]); // [B*K]
    return tf.reshape(tf.gather(flat, flatIdx, 0), [b, k, d]); // [B, K, D]
  });
}
