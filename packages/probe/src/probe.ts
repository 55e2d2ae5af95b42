import type * as tf from '@tensorflow/tfjs-core';

/**
 * What training and evaluation need from a probe: its width and class count, logits for frozen
 * tokens, and its trainable variables by official name. `AttentiveProbe` and `LinearProbe` implement it.
 *
 * @example
 * function classify(probe: Probe, tokens: tf.Tensor3D) { return probe.apply(tokens); }
 */
export interface Probe {
  readonly embedDim: number;
  readonly numClasses: number;
  /** Logits `[B, C]` for tokens `[B, N, D]`; the caller owns the result. */
  apply(tokens: tf.Tensor): tf.Tensor2D;
  /** The variables an optimiser updates, by official name. */
  trainableVariables(): Map<string, tf.Variable>;
}
