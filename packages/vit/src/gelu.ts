import * as tf from '@tensorflow/tfjs-core';

/**
 * Exact (erf) GELU, `0.5 * x * (1 + erf(x / sqrt(2)))`, as PyTorch's `nn.GELU()` default. tfjs-core
 * has no GELU op, so it is composed from `tf.erf` (differentiable on every backend).
 *
 * @example
 * const y = gelu(tf.tensor1d([-1, 0, 1])); // [-0.1587, 0, 0.8413]
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))));
}
