// The benchmark workload of docs/backends.md, written inline with tf ops (not @vjepa/vit):
// one pre-norm ViT block (exact GELU) over B x N tokens, then gather K tokens per sample, L1 loss.
import * as tf from '@tensorflow/tfjs-core';

export const [B, N, D, H, MLP, K] = [8, 256, 192, 3, 768, 64];
const HD = D / H;

function seeded(size: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(size);
  let s = seed;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}

/** Parameters and fixed data of one step. */
export interface Block {
  params: tf.Variable[];
  x: tf.Tensor3D; // [B, N, D]
  target: tf.Tensor2D; // [B*K, D]
  idx: tf.Tensor1D; // [B*K] flat token ids into [B*N]
}

/** Deterministic parameters and data on the active backend. */
export function makeBlock(): Block {
  const v = (shape: number[], seed: number, scale: number) => tf.variable(tf.tensor(seeded(shape.reduce((p, s) => p * s, 1), seed, scale), shape));
  const ones = (n: number) => tf.variable(tf.ones([n]));
  const zeros = (n: number) => tf.variable(tf.zeros([n]));
  const params = [ones(D), zeros(D), v([D, 3 * D], 1, 0.07), zeros(3 * D), v([D, D], 2, 0.07), zeros(D), ones(D), zeros(D), v([D, MLP], 3, 0.07), zeros(MLP), v([MLP, D], 4, 0.036), zeros(D)];
  const ids: number[] = [];
  for (let b = 0; b < B; b++) for (let j = 0; j < K; j++) ids.push(b * N + ((j * 37 + b * 11) % N));
  return {
    params,
    x: tf.tensor3d(seeded(B * N * D, 5, 1), [B, N, D]),
    target: tf.tensor2d(seeded(B * K * D, 6, 1), [B * K, D]),
    idx: tf.tensor1d(ids, 'int32'),
  };
}

/** Frees everything `makeBlock` made. */
export function disposeBlock(m: Block): void {
  tf.dispose([...m.params, m.x, m.target, m.idx]);
}

function layerNorm(x: tf.Tensor2D, g: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-6))), g), b);
}

/** The step's loss: block forward, gather, L1 against the target. */
export function blockLoss(m: Block): tf.Scalar {
  const [g1, b1, wqkv, bqkv, wo, bo, g2, b2, w1, bm1, w2, bm2] = m.params;
  const x = tf.reshape(m.x, [B * N, D]); // [B*N, D]
  const qkv = tf.add(tf.matMul(layerNorm(x, g1, b1), wqkv), bqkv); // [B*N, 3D]
  const heads = tf.transpose(tf.reshape(qkv, [B, N, 3, H, HD]), [2, 0, 3, 1, 4]); // [3, B, H, N, HD]
  const [q, k, v] = tf.split(heads, 3, 0).map((t) => tf.reshape(t, [B, H, N, HD]));
  const att = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(HD))); // [B, H, N, N]
  const mixed = tf.reshape(tf.transpose(tf.matMul(att, v), [0, 2, 1, 3]), [B * N, D]); // [B*N, D]
  const h = tf.add(x, tf.add(tf.matMul(mixed, wo), bo)); // [B*N, D]
  const u = tf.add(tf.matMul(layerNorm(h, g2, b2), w1), bm1); // [B*N, MLP]
  const gelu = tf.mul(tf.mul(u, 0.5), tf.add(1, tf.erf(tf.mul(u, Math.SQRT1_2))));
  const out = tf.add(h, tf.add(tf.matMul(gelu, w2), bm2)); // [B*N, D]
  const picked = tf.gather(out, m.idx); // [B*K, D]
  return tf.mean(tf.abs(tf.sub(picked, m.target)));
}
