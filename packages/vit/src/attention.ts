import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '@vjepa/errors';
import { scaledDotProductAttention } from './attention-core';
import { linear } from './linear';
import type { ParamStore } from './param-store';
import { type RotaryEmbedding, applyRotary } from './rope';

/** Options of {@link Attention.apply}. */
export interface AttentionApplyOptions {
  /** V-JEPA 2's 3-D RoPE: q and k are rotated by it just before the attention core. */
  rope?: RotaryEmbedding;
}

/**
 * Multi-head self-attention with one fused `qkv` Linear(D, 3D) (with bias), scale `1/sqrt(head_dim)`,
 * softmax over keys, then `proj` Linear(D, D). No attention mask (V-JEPA removes tokens by gathering).
 * With `rope` (V-JEPA 2), q and k are rotated per token before the scores; the weights are the same.
 * Registers `{prefix}.qkv.*` and `{prefix}.proj.*`.
 *
 * @example
 * const attn = new Attention(store, 'blocks.0.attn', 64, 4);
 * const y = attn.apply(x); // [B, N, 64]
 */
export class Attention {
  readonly numHeads: number;
  readonly headDim: number;
  private readonly qkvw: tf.Variable;
  private readonly qkvb: tf.Variable;
  private readonly projw: tf.Variable;
  private readonly projb: tf.Variable;

  constructor(store: ParamStore, prefix: string, dim: number, numHeads: number, opts: { initStd?: number; projScale?: number } = {}) {
    if (!Number.isInteger(numHeads) || numHeads <= 0 || dim % numHeads !== 0) {
      throw new ConfigError(`${prefix} numHeads`, { expected: `a positive divisor of the width ${dim}`, received: String(numHeads) });
    }
    const std = opts.initStd ?? 0.02;
    this.numHeads = numHeads;
    this.headDim = dim / numHeads;
    this.qkvw = store.add(`${prefix}.qkv.weight`, [3 * dim, dim], { kind: 'truncNormal', std });
    this.qkvb = store.add(`${prefix}.qkv.bias`, [3 * dim], { kind: 'zeros' });
    this.projw = store.add(`${prefix}.proj.weight`, [dim, dim], { kind: 'truncNormal', std: std * (opts.projScale ?? 1) });
    this.projb = store.add(`${prefix}.proj.bias`, [dim], { kind: 'zeros' });
  }

  /** The qkv and proj weights and biases. */
  parameters(): tf.Variable[] {
    return [this.qkvw, this.qkvb, this.projw, this.projb];
  }

  /**
   * Self-attention over the token axis. Call inside `tf.tidy` (or dispose the result).
   *
   * @example
   * const y = attn.apply(x); // [B, N, D] -> [B, N, D]
   * const y2 = attn.apply(x, { rope: rotary.embedding(grid, idx) }); // V-JEPA 2
   */
  apply(x: tf.Tensor, opts: AttentionApplyOptions = {}): tf.Tensor {
    return tf.tidy(() => {
      const [b, n, d] = x.shape;
      const h = this.numHeads;
      const hd = this.headDim;
      const qkv5 = tf.reshape(linear(x, this.qkvw, this.qkvb), [b, n, 3, h, hd]); // [B, N, 3, H, hd]
      const qkv = tf.transpose(qkv5, [2, 0, 3, 1, 4]); // [3, B, H, N, hd]
      const [q0, k0, v] = tf.unstack(qkv, 0); // each [B, H, N, hd]
      const q = opts.rope ? applyRotary(q0, opts.rope) : q0; // [B, H, N, hd]
      const k = opts.rope ? applyRotary(k0, opts.rope) : k0; // [B, H, N, hd]
      const heads = tf.transpose(scaledDotProductAttention(q, k, v, 1 / Math.sqrt(hd)), [0, 2, 1, 3]); // [B, N, H, hd]
      const out = tf.reshape(heads, [b, n, d]); // [B, N, D]
      return linear(out, this.projw, this.projb);
    });
  }
}
