import * as tf from '@tensorflow/tfjs-core';

// Multi-head attention of M queries over N keys/values. @vjepa/vit's Attention is self-attention
// with a fused qkv; the probe's cross-attention has separate q and kv projections.

/**
 * Multi-head scaled dot-product attention (scale `1/sqrt(head_dim)`) on already-projected q, k, v.
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
