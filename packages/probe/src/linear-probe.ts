import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError } from '@vjepa/errors';
import type { LoadReport, StateDict } from '@vjepa/io';
import { ParamStore, linear } from '@vjepa/vit';
import { loadProbeState, probeStateDict, trainableOf, type ProbeLoadOptions } from './probe-state';
import type { Probe } from './probe';

/**
 * Options of a `LinearProbe`.
 *
 * @example
 * const opts: LinearProbeOptions = { embedDim: 1024, numClasses: 400 };
 */
export interface LinearProbeOptions {
  embedDim: number;
  numClasses: number;
  /** Std of the truncated-normal weight init. Default 0.02. */
  initStd?: number;
  /** Seed of the init. Default 0. */
  seed?: number;
}

/**
 * Average pooling over the token axis.
 *
 * @example
 * const pooled = meanPool(tokens); // [B, N, D] -> [B, D]
 */
export function meanPool(tokens: tf.Tensor): tf.Tensor2D {
  if (tokens.rank !== 3) throw new ShapeError('meanPool tokens', { expected: '[B, N, D]', received: `[${tokens.shape}]` });
  return tf.tidy(() => tf.mean(tokens, 1) as tf.Tensor2D); // [B, D]
}

/**
 * A linear classifier on mean-pooled tokens (the "average pooling" baseline of the paper):
 * `logits = linear(mean_n(x))`. Accepts tokens `[B, N, D]` or already pooled features `[B, D]`.
 * Parameters: `linear.weight [C, D]`, `linear.bias [C]`.
 *
 * @example
 * const probe = new LinearProbe({ embedDim: 64, numClasses: 5 });
 * const logits = probe.apply(tokens); // [B, N, 64] -> [B, 5]
 */
export class LinearProbe implements Probe {
  readonly embedDim: number;
  readonly numClasses: number;
  private readonly store: ParamStore;

  constructor(options: LinearProbeOptions) {
    for (const key of ['embedDim', 'numClasses'] as const) {
      const v = options[key];
      if (!Number.isInteger(v) || v < 1) throw new ConfigError(`LinearProbe option ${key}`, { expected: 'an integer >= 1', received: String(v) });
    }
    this.embedDim = options.embedDim;
    this.numClasses = options.numClasses;
    this.store = new ParamStore({ seed: options.seed ?? 0, scope: 'linear_probe' });
    this.store.add('linear.weight', [options.numClasses, options.embedDim], { kind: 'truncNormal', std: options.initStd ?? 0.02 });
    this.store.add('linear.bias', [options.numClasses], { kind: 'zeros' });
  }

  /**
   * Logits for tokens `[B, N, D]` (mean-pooled first) or pooled features `[B, D]`.
   *
   * @example
   * const logits = probe.apply(tf.randomNormal([2, 32, 64])); // [2, C]
   */
  apply(tokens: tf.Tensor): tf.Tensor2D {
    const ok = (tokens.rank === 3 || tokens.rank === 2) && tokens.shape[tokens.rank - 1] === this.embedDim;
    if (!ok) throw new ShapeError('LinearProbe input', { expected: `[B, N, ${this.embedDim}] or [B, ${this.embedDim}]`, received: `[${tokens.shape}]` });
    return tf.tidy(() => {
      const pooled = tokens.rank === 3 ? tf.mean(tokens, 1) : tokens; // [B, D]
      return linear(pooled, this.store.get('linear.weight') as tf.Tensor2D, this.store.get('linear.bias') as tf.Tensor1D) as tf.Tensor2D; // [B, C]
    });
  }

  /**
   * Variables by official name.
   *
   * @example
   * probe.trainableVariables().get('linear.weight'); // [C, D]
   */
  trainableVariables(): Map<string, tf.Variable> {
    return trainableOf(this.store, new Set());
  }

  /**
   * Load `linear.weight` / `linear.bias` (prefix `module.` stripped by default); strict unless `allowPartial`.
   *
   * @example
   * probe.loadStateDict(readSafetensors(bytes).tensors, { file: 'linear.safetensors' });
   */
  loadStateDict(sd: StateDict, options: ProbeLoadOptions = {}): LoadReport {
    return loadProbeState(this.store, sd, 'linear probe', options);
  }

  /**
   * A float32 copy of the parameters under official names.
   *
   * @example
   * writeSafetensors(await probe.stateDict());
   */
  stateDict(): Promise<StateDict> {
    return probeStateDict(this.store);
  }

  /**
   * Free the variables.
   *
   * @example
   * probe.dispose();
   */
  dispose(): void {
    this.store.dispose();
  }
}
