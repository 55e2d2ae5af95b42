import * as tf from '@tensorflow/tfjs-core';
import { Attention, type AttentionApplyOptions } from './attention';
import { layerNorm } from './layer-norm';
import { Mlp } from './mlp';
import type { ParamStore } from './param-store';
import { recomputed } from './recompute';

/**
 * Options of {@link Block.apply}.
 *
 * @example
 * block.apply(x, { recompute: true });
 */
export interface BlockApplyOptions extends AttentionApplyOptions {
  /** Activation checkpointing: autograd keeps only the block's input and the backward recomputes the block. */
  recompute?: boolean;
}

/** Options for a {@link Block}. */
export interface BlockOptions {
  /** Width D. */
  dim: number;
  numHeads: number;
  /** MLP hidden width is `floor(dim * mlpRatio)` (default 4). */
  mlpRatio?: number;
  /** LayerNorm epsilon (default 1e-6). */
  eps?: number;
  /** Init std of Linear weights (default 0.02). */
  initStd?: number;
  /**
   * Extra factor on the init std of `attn.proj.weight` and `mlp.fc2.weight` (default 1); the
   * models pass `1/sqrt(2*layer)` to follow the reference's per-depth rescaling.
   */
  outputScale?: number;
}

/**
 * Hidden width of the MLP for a width and ratio (`int(dim * ratio)`, exact for 1408 * 48/11 = 6144).
 *
 * @example
 * mlpHiddenDim(1408, 48 / 11); // 6144
 */
export function mlpHiddenDim(dim: number, mlpRatio: number): number {
  return Math.floor(dim * mlpRatio + 1e-9);
}

/**
 * Pre-norm transformer block: `x = x + attn(norm1(x)); x = x + mlp(norm2(x))`. Registers
 * `{prefix}.norm1.*`, `{prefix}.attn.*`, `{prefix}.norm2.*`, `{prefix}.mlp.*`.
 *
 * @example
 * const block = new Block(store, 'blocks.0', { dim: 64, numHeads: 4 });
 * const y = block.apply(x); // [B, N, 64]
 */
export class Block {
  readonly eps: number;
  private readonly n1w: tf.Variable;
  private readonly n1b: tf.Variable;
  private readonly n2w: tf.Variable;
  private readonly n2b: tf.Variable;
  private readonly attn: Attention;
  private readonly mlp: Mlp;

  constructor(store: ParamStore, prefix: string, opts: BlockOptions) {
    const { dim, numHeads, mlpRatio = 4, eps = 1e-6, initStd = 0.02, outputScale = 1 } = opts;
    this.eps = eps;
    this.n1w = store.add(`${prefix}.norm1.weight`, [dim], { kind: 'ones' });
    this.n1b = store.add(`${prefix}.norm1.bias`, [dim], { kind: 'zeros' });
    this.attn = new Attention(store, `${prefix}.attn`, dim, numHeads, { initStd, projScale: outputScale });
    this.n2w = store.add(`${prefix}.norm2.weight`, [dim], { kind: 'ones' });
    this.n2b = store.add(`${prefix}.norm2.bias`, [dim], { kind: 'zeros' });
    this.mlp = new Mlp(store, `${prefix}.mlp`, dim, mlpHiddenDim(dim, mlpRatio), { initStd, fc2Scale: outputScale });
  }

  /**
   * The block's 12 parameters (norms, attention, MLP), in a fixed order.
   *
   * @example
   * block.parameters().length; // 12
   */
  parameters(): tf.Variable[] {
    return [this.n1w, this.n1b, ...this.attn.parameters(), this.n2w, this.n2b, ...this.mlp.parameters()];
  }

  /**
   * Applies the block. Call inside `tf.tidy` (or dispose the result).
   *
   * @example
   * const y = block.apply(x); // [B, N, D] -> [B, N, D]
   * const y2 = block.apply(x, { rope }); // V-JEPA 2: rotary positions inside the attention
   * const y3 = block.apply(x, { recompute: true }); // activation checkpointing: keeps only x for the backward
   */
  apply(x: tf.Tensor, opts: BlockApplyOptions = {}): tf.Tensor {
    if (opts.recompute === true) return recomputed((t) => this.apply(t, { ...opts, recompute: false }), x, this.parameters());
    return tf.tidy(() => {
      const a = tf.add(x, this.attn.apply(layerNorm(x, this.n1w, this.n1b, this.eps), opts)); // [B, N, D]
      return tf.add(a, this.mlp.apply(layerNorm(a, this.n2w, this.n2b, this.eps))); // [B, N, D]
    });
  }
}
