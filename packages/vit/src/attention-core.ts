import * as tf from '@tensorflow/tfjs-core';

/**
 * Scaled dot-product attention on head-split tensors: `softmax(q k^T * scale) v` over the key axis,
 * no mask (V-JEPA removes tokens by gathering). The seam where position-dependent rotations (RoPE)
 * are applied before, and where a backend's fused attention kernel plugs in.
 *
 * @example
 * const heads = scaledDotProductAttention(q, k, v, 1 / Math.sqrt(hd)); // q [B, H, M, hd], k/v [B, H, N, hd] -> [B, H, M, hd]
 */
export function scaledDotProductAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, scale: number): tf.Tensor {
  return tf.tidy(() => {
    const logits = tf.mul(tf.matMul(q, k, false, true), scale); // [B, H, M, N]
    return tf.matMul(tf.softmax(logits, -1), v); // [B, H, M, hd]
  });
}
