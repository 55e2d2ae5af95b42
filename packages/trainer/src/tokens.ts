import * as tf from '@tensorflow/tfjs-core';

/**
 * Parameter-free layer norm over the last axis, `(x - mean) / sqrt(var + eps)` with the biased
 * variance, as PyTorch's `F.layer_norm(x, (D,))`. V-JEPA normalises the target features with it at
 * PyTorch's default eps 1e-5 (unlike the blocks' 1e-6: a quirk of the reference worth keeping).
 *
 * @example
 * const h = tf.tidy(() => layerNormNoParams(targetFeatures)); // [B, N, D]
 */
export function layerNormNoParams(x: tf.Tensor, eps = 1e-5): tf.Tensor {
  return tf.tidy(() => {
    const axis = x.rank - 1;
    const mean = tf.mean(x, axis, true); // [..., 1]
    const centred = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centred), axis, true); // [..., 1]
    return tf.mul(centred, tf.rsqrt(tf.add(variance, eps)));
  });
}

/**
 * Gathers tokens per sample: `x [B, N, D]`, `idx` int32 `[B, K]` -> `[B, K, D]` (the reference's
 * `apply_masks` for one mask). Differentiable with respect to `x`.
 *
 * @example
 * const tgt = tf.tidy(() => takeTokens(h, tgtIdx)); // [B, Kt, D]
 */
export function takeTokens(x: tf.Tensor, idx: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [b, n, d] = x.shape;
    const k = idx.shape[1] as number;
    const flat = tf.reshape(x, [b * n, d]); // [B*N, D]
    const offsets = tf.reshape(tf.mul(tf.range(0, b, 1, 'int32'), tf.scalar(n, 'int32')), [b, 1]); // [B, 1]
    const flatIdx = tf.reshape(tf.add(idx, offsets), [b * k]); // [B*K]
    return tf.reshape(tf.gather(flat, flatIdx, 0), [b, k, d]); // [B, K, D]
  });
}
