import * as tf from '@tensorflow/tfjs-core';

/** Options for {@link linear}. */
export interface LinearOptions {
  /** True when `weight` is stored `[in, out]` (pre-transposed) instead of PyTorch's `[out, in]`. */
  transposed?: boolean;
}

/**
 * Name of the fused linear kernel a backend may register (e.g. `@vjepa/backends` on wasm): inputs
 * `{ x, weight }` plus `bias` when there is one (`x [..., in]`, `weight [out, in]`, `bias [out]`),
 * output `y [..., out] = x W^T + b`.
 *
 * @example
 * const fused = tf.getKernel(FUSED_LINEAR_KERNEL, tf.getBackend()) !== undefined;
 */
export const FUSED_LINEAR_KERNEL = 'VjepaLinear';

/**
 * Name of its gradient kernel: inputs `{ x, weight, dy }`, attr `{ hasBias }`; outputs
 * `[dx, dweight]`, plus `dbias` (the column sums of dy) when `hasBias`.
 *
 * @example
 * tf.registerKernel({ kernelName: FUSED_LINEAR_GRAD_KERNEL, backendName: 'wasm', kernelFunc });
 */
export const FUSED_LINEAR_GRAD_KERNEL = 'VjepaLinearGrad';

/**
 * A fully connected layer over the last axis: `x @ W^T + b` with PyTorch's `[out, in]` weight layout
 * (or `x @ W + b` with `{ transposed: true }` and a `[in, out]` weight). Any leading batch axes. When
 * the active backend registers {@link FUSED_LINEAR_KERNEL} and {@link FUSED_LINEAR_GRAD_KERNEL}, the
 * `[out, in]` form runs as one kernel each way (autograd keeps x and W only); the same function.
 *
 * @example
 * const y = linear(x, w, b); // x [B, N, in], w [out, in], b [out] -> y [B, N, out]
 */
export function linear(x: tf.Tensor, weight: tf.Tensor, bias?: tf.Tensor | null, opts: LinearOptions = {}): tf.Tensor {
  const backend = tf.getBackend();
  if (!opts.transposed && weight.rank === 2 && tf.getKernel(FUSED_LINEAR_KERNEL, backend) !== undefined && tf.getKernel(FUSED_LINEAR_GRAD_KERNEL, backend) !== undefined) {
    return bias ? fusedWithBias(x, weight, bias) : fusedNoBias(x, weight);
  }
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

function fusedWithBias(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, w, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([xi, w]);
    return {
      value: tf.engine().runKernel(FUSED_LINEAR_KERNEL, { x: xi, weight: w, bias: b }) as tf.Tensor, // [..., out]
      gradFunc: (dy: tf.Tensor, [sx, sw]: tf.Tensor[]) => tf.engine().runKernel(FUSED_LINEAR_GRAD_KERNEL, { x: sx, weight: sw, dy }, { hasBias: true }) as tf.Tensor[],
    };
  });
  return op(x, weight, bias) as tf.Tensor;
}

function fusedNoBias(x: tf.Tensor, weight: tf.Tensor): tf.Tensor {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, w, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([xi, w]);
    return {
      value: tf.engine().runKernel(FUSED_LINEAR_KERNEL, { x: xi, weight: w }) as tf.Tensor, // [..., out]
      gradFunc: (dy: tf.Tensor, [sx, sw]: tf.Tensor[]) => tf.engine().runKernel(FUSED_LINEAR_GRAD_KERNEL, { x: sx, weight: sw, dy }, { hasBias: false }) as tf.Tensor[],
    };
  });
  return op(x, weight) as tf.Tensor;
}
