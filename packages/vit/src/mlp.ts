import type * as tf from '@tensorflow/tfjs-core';
import { gelu } from './gelu';
import { linear } from './linear';
import type { ParamStore } from './param-store';

/**
 * Transformer MLP: `fc2(gelu(fc1(x)))`, fc1 `dim -> hidden`, fc2 `hidden -> dim` (exact GELU, no
 * dropout). Registers `{prefix}.fc1.{weight,bias}` and `{prefix}.fc2.{weight,bias}` on the store.
 *
 * @example
 * const mlp = new Mlp(store, 'blocks.0.mlp', 64, 256);
 * const y = mlp.apply(x); // [B, N, 64]
 */
export class Mlp {
  private readonly fc1w: tf.Variable;
  private readonly fc1b: tf.Variable;
  private readonly fc2w: tf.Variable;
  private readonly fc2b: tf.Variable;

  constructor(store: ParamStore, prefix: string, dim: number, hidden: number, opts: { initStd?: number; fc2Scale?: number } = {}) {
    const std = opts.initStd ?? 0.02;
    this.fc1w = store.add(`${prefix}.fc1.weight`, [hidden, dim], { kind: 'truncNormal', std });
    this.fc1b = store.add(`${prefix}.fc1.bias`, [hidden], { kind: 'zeros' });
    this.fc2w = store.add(`${prefix}.fc2.weight`, [dim, hidden], { kind: 'truncNormal', std: std * (opts.fc2Scale ?? 1) });
    this.fc2b = store.add(`${prefix}.fc2.bias`, [dim], { kind: 'zeros' });
  }

  /** The fc1 and fc2 weights and biases. */
  parameters(): tf.Variable[] {
    return [this.fc1w, this.fc1b, this.fc2w, this.fc2b];
  }

  /**
   * Applies the MLP over the last axis. Call inside `tf.tidy` (or dispose the result).
   *
   * @example
   * const y = mlp.apply(x); // [B, N, D] -> [B, N, D]
   */
  apply(x: tf.Tensor): tf.Tensor {
    const h = gelu(linear(x, this.fc1w, this.fc1b)); // [B, N, hidden]
    return linear(h, this.fc2w, this.fc2b); // [B, N, D]
  }
}
