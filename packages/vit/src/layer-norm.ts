import * as tf from '@tensorflow/tfjs-core';

/**
 * Layer normalisation over the last axis: `(x - mean) / sqrt(var + eps) * gamma + beta`, with the
 * biased variance as in PyTorch. Without `gamma`/`beta` it is the parameter-free normalisation that
 * the V-JEPA objective applies to target features.
 *
 * @example
 * const y = layerNorm(x, gamma, beta, 1e-6); // x [B, N, D], gamma/beta [D]
 * const t = layerNorm(targets);              // parameter-free
 */
export function layerNorm(x: tf.Tensor, gamma?: tf.Tensor | null, beta?: tf.Tensor | null, eps = 1e-6): tf.Tensor {
  return tf.tidy(() => {
    const axis = x.shape.length - 1;
    const mean = tf.mean(x, axis, true); // [..., 1]
    const centred = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centred), axis, true); // [..., 1]
    let y = tf.mul(centred, tf.rsqrt(tf.add(variance, eps)));
    if (gamma) y = tf.mul(y, gamma);
    if (beta) y = tf.add(y, beta);
    return y;
  });
}
