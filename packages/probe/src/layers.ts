import * as tf from '@tensorflow/tfjs-core';

// Private model math for the probe. These mirror the primitives @vjepa/vit plans to export; they
// stay private (not in index.ts) and are swapped for the vit exports once those land.

/**
 * `x @ weight^T + bias` with an official `[out, in]` weight, over any number of leading axes.
 *
 * @example
 * const y = linear(x, w, b); // x [B, N, in], w [out, in], b [out] -> [B, N, out]
 */
export function linear(x: tf.Tensor, weight: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor {
  return tf.tidy(() => {
    const inDim = x.shape[x.shape.length - 1];
    const outDim = weight.shape[0];
    const flat = tf.reshape(x, [-1, inDim]); // [M, in]
    const y = tf.add(tf.matMul(flat, weight, false, true), bias); // [M, out]
    return tf.reshape(y, [...x.shape.slice(0, -1), outDim]); // [..., out]
  });
}

/**
 * LayerNorm over the last axis (biased variance, as PyTorch).
 *
 * @example
 * const y = layerNorm(x, gamma, beta, 1e-6); // [B, N, D] -> [B, N, D]
 */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): tf.Tensor {
  return tf.tidy(() => {
    const axis = x.shape.length - 1;
    const { mean, variance } = tf.moments(x, axis, true); // [..., 1]
    const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
    return tf.add(tf.mul(normed, gamma), beta);
  });
}

/**
 * Exact (erf) GELU: `0.5 * x * (1 + erf(x / sqrt(2)))`.
 *
 * @example
 * const y = gelu(tf.tensor1d([-1, 0, 1]));
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))));
}

/**
 * Multi-head scaled dot-product attention on already-projected q, k, v.
 *
 * @example
 * const out = multiHeadAttention(q, k, v, 4); // q [B, M, D], k/v [B, N, D] -> [B, M, D]
 */
export function multiHeadAttention(q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D, numHeads: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, m, d] = q.shape;
    const n = k.shape[1];
    const hd = d / numHeads;
    const split = (t: tf.Tensor, len: number) => tf.transpose(tf.reshape(t, [b, len, numHeads, hd]), [0, 2, 1, 3]); // [B, H, L, hd]
    const qh = split(q, m);
    const kh = split(k, n);
    const vh = split(v, n);
    const scores = tf.mul(tf.matMul(qh, kh, false, true), 1 / Math.sqrt(hd)); // [B, H, M, N]
    const attn = tf.softmax(scores, -1);
    const out = tf.matMul(attn, vh); // [B, H, M, hd]
    return tf.reshape(tf.transpose(out, [0, 2, 1, 3]), [b, m, d]) as tf.Tensor3D; // [B, M, D]
  });
}
