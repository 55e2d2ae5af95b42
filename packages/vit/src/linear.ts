import * as tf from '@tensorflow/tfjs-core';

/** Options for {@link linear}. */
export interface LinearOptions {
  /** True when `weight` is stored `[in, out]` (pre-transposed) instead of PyTorch's `[out, in]`. */
  transposed?: boolean;
}

/**
 * A fully connected layer over the last axis: `x @ W^T + b` with PyTorch's `[out, in]` weight layout
 * (or `x @ W + b` with `{ transposed: true }` and a `[in, out]` weight). Any leading batch axes.
 *
 * @example
 * const y = linear(x, w, b); // x [B, N, in], w [out, in], b [out] -> y [B, N, out]
 */
export function linear(x: tf.Tensor, weight: tf.Tensor, bias?: tf.Tensor | null, opts: LinearOptions = {}): tf.Tensor {
  return tf.tidy(() => {
    const inDim = x.shape[x.shape.length - 1];
    const outDim = (opts.transposed ? weight.shape[1] : weight.shape[0]) as number;
    const lead = x.shape.slice(0, -1);
    const x2 = tf.reshape(x, [-1, inDim]); // [M, in]
    let y = tf.matMul(x2, weight, false, !opts.transposed); // [M, out]
    if (bias) y = tf.add(y, bias);
    return tf.reshape(y, [...lead, outDim]); // [..., out]
  });
}
