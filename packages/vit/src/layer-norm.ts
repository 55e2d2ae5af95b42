import * as tf from '@tensorflow/tfjs-core';

/**
 * Name of the fused layer-norm kernel a backend may register. Inputs `{ x, gamma, beta }` (`gamma`,
 * `beta` of shape `[D]`, or `{ x }` alone when attr `affine` is false), attrs `{ eps, affine }`;
 * outputs `[y, stats]` with `stats [rows, 2]` holding each row's mean and `1 / sqrt(var + eps)`.
 *
 * @example
 * const fused = tf.getKernel(FUSED_LAYER_NORM_KERNEL, tf.getBackend()) !== undefined;
 */
export const FUSED_LAYER_NORM_KERNEL = 'VjepaLayerNorm';

/**
 * Name of its gradient kernel: inputs `{ x, stats, dy }` plus `gamma` when affine, attrs `{ affine }`;
 * outputs `[dx]`, or `[dx, dgamma, dbeta]` when affine.
 *
 * @example
 * tf.registerKernel({ kernelName: FUSED_LAYER_NORM_GRAD_KERNEL, backendName: 'webgpu', kernelFunc });
 */
export const FUSED_LAYER_NORM_GRAD_KERNEL = 'VjepaLayerNormGrad';

/**
 * Layer normalisation over the last axis: `(x - mean) / sqrt(var + eps) * gamma + beta`, with the
 * biased variance as in PyTorch. Without `gamma`/`beta` it is the parameter-free normalisation that
 * the V-JEPA objective applies to target features. When the active backend registers
 * {@link FUSED_LAYER_NORM_KERNEL} and {@link FUSED_LAYER_NORM_GRAD_KERNEL} (and both or neither of
 * `gamma`/`beta` are given), forward and backward run as fused kernels computing the same function.
 *
 * @example
 * const y = layerNorm(x, gamma, beta, 1e-6); // x [B, N, D], gamma/beta [D]
 * const t = layerNorm(targets);              // parameter-free
 */
export function layerNorm(x: tf.Tensor, gamma?: tf.Tensor | null, beta?: tf.Tensor | null, eps = 1e-6): tf.Tensor {
  const backend = tf.getBackend();
  const affine = Boolean(gamma) && Boolean(beta);
  if ((affine || (!gamma && !beta)) && tf.getKernel(FUSED_LAYER_NORM_KERNEL, backend) !== undefined && tf.getKernel(FUSED_LAYER_NORM_GRAD_KERNEL, backend) !== undefined) {
    return affine ? fusedAffine(x, gamma as tf.Tensor, beta as tf.Tensor, eps) : fusedPlain(x, eps);
  }
  return tf.tidy(() => {
    const axis = x.shape.length - 1;
    const mean = tf.mean(x, axis, true); // [..., 1]
    const centred = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centred), axis, true); // [..., 1]
    let y = tf.mul(centred, tf.rsqrt(tf.add(variance, eps)));
    if (gamma) y = tf.mul(y, gamma);
    if (beta) y = tf.add(y, beta);
    return y;
  });
}

function fusedAffine(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, g, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const [y, stats] = tf.engine().runKernel(FUSED_LAYER_NORM_KERNEL, { x: xi, gamma: g, beta: b }, { eps, affine: true }) as tf.Tensor[];
    save([xi, g, stats]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, [sx, sg, ss]: tf.Tensor[]) => tf.engine().runKernel(FUSED_LAYER_NORM_GRAD_KERNEL, { x: sx, gamma: sg, stats: ss, dy }, { affine: true }) as tf.Tensor[],
    };
  });
  return op(x, gamma, beta) as tf.Tensor;
}

function fusedPlain(x: tf.Tensor, eps: number): tf.Tensor {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const [y, stats] = tf.engine().runKernel(FUSED_LAYER_NORM_KERNEL, { x: xi }, { eps, affine: false }) as tf.Tensor[];
    save([xi, stats]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, [sx, ss]: tf.Tensor[]) => (tf.engine().runKernel(FUSED_LAYER_NORM_GRAD_KERNEL, { x: sx, stats: ss, dy }, { affine: false }) as tf.Tensor[])[0],
    };
  });
  return op(x) as tf.Tensor;
}
