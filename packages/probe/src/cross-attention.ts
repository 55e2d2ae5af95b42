import * as tf from '@tensorflow/tfjs-core';
import { scaledDotProductAttention } from '@vjepa/vit';

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
    const out = scaledDotProductAttention(qh, kh, vh, 1 / Math.sqrt(hd)); // [B, H, M, hd]
    return tf.reshape(tf.transpose(out, [0, 2, 1, 3]), [b, m, d]) as tf.Tensor3D; // [B, M, D]
  });
}

/**
 * The probe's cross-attention for ONE query shared by the whole batch (the attentive probe's
 * learnable token), computed without materialising keys and values: the same function as
 * `multiHeadAttention(qp, xn Wk^T + bk, xn Wv^T + bv)` (equal up to float rounding), re-associated so
 * the per-token work is a `[B*N, D] x [D, H]` matmul instead of `[B*N, D] x [D, 2D]`:
 *   scores[b, n, h] = xn[b, n] . (Wk^T Q)[:, h] + bk . Q[:, h]   with Q[d, h] = qp[d] [d in head h] / sqrt(hd)
 *   pooled[b, h]    = sum_n softmax_n(scores)[b, n, h] xn[b, n]                            // [B, H, D]
 *   out[b, d]       = pooled[b, head(d)] . Wv[d] + bv[d]    (the attention weights sum to 1)
 *
 * @example
 * const out = singleQueryAttention(xn, qp, kvWeight, kvBias, 4); // xn [B, N, D], qp [D] -> [B, D]
 */
export function singleQueryAttention(xn: tf.Tensor3D, qp: tf.Tensor1D, kvWeight: tf.Tensor2D, kvBias: tf.Tensor1D, numHeads: number): tf.Tensor2D {
  return tf.tidy(() => {
    const [b, n, d] = xn.shape;
    const hd = d / numHeads;
    const heads = headMask(d, numHeads); // [D, H]: 1 where channel d belongs to head h
    const [wk, wv] = tf.split(kvWeight, [d, d], 0) as [tf.Tensor2D, tf.Tensor2D]; // [D, D] each ([out, in])
    const [bk, bv] = tf.split(kvBias, [d, d], 0) as [tf.Tensor1D, tf.Tensor1D]; // [D] each
    const q = tf.mul(tf.reshape(qp, [d, 1]), tf.mul(heads, 1 / Math.sqrt(hd))); // [D, H]
    const keyQuery = tf.matMul(wk, q, true, false); // [D, H] = Wk^T Q
    const scores = tf.add(tf.matMul(tf.reshape(xn, [b * n, d]), keyQuery), tf.matMul(tf.reshape(bk, [1, d]), q)); // [B*N, H]
    const attn = tf.softmax(tf.transpose(tf.reshape(scores, [b, n, numHeads]), [0, 2, 1]), -1); // [B, H, N]
    const pooled = tf.matMul(attn, xn); // [B, H, D]
    const perHead = tf.reshape(tf.matMul(tf.reshape(pooled, [b * numHeads, d]), wv, false, true), [b, numHeads, d]); // [B, H, D]
    return tf.add(tf.sum(tf.mul(perHead, tf.transpose(heads)), 1), bv) as tf.Tensor2D; // [B, D]
  });
}

function headMask(d: number, numHeads: number): tf.Tensor2D {
  const hd = d / numHeads;
  const m = new Float32Array(d * numHeads);
  for (let i = 0; i < d; i++) m[i * numHeads + Math.floor(i / hd)] = 1;
  return tf.tensor2d(m, [d, numHeads]);
}
