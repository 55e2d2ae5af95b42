import * as tf from '@tensorflow/tfjs-core';

/**
 * Name of the fused GELU kernel a backend may register: input `{ x }`, output `gelu(x)`.
 *
 * @example
 * tf.registerKernel({ kernelName: FUSED_GELU_KERNEL, backendName: 'webgpu', kernelFunc });
 */
export const FUSED_GELU_KERNEL = 'VjepaGelu';

/**
 * Name of its gradient kernel: inputs `{ x, dy }`, output `dy * gelu'(x)` with
 * `gelu'(x) = 0.5 (1 + erf(x / sqrt 2)) + x exp(-x^2 / 2) / sqrt(2 pi)`.
 *
 * @example
 * const fused = tf.getKernel(FUSED_GELU_GRAD_KERNEL, tf.getBackend()) !== undefined;
 */
export const FUSED_GELU_GRAD_KERNEL = 'VjepaGeluGrad';

/**
 * Exact (erf) GELU, `0.5 * x * (1 + erf(x / sqrt(2)))`, as PyTorch's `nn.GELU()` default. tfjs-core
 * has no GELU op, so it is composed from `tf.erf` (differentiable on every backend), unless the active
 * backend registers {@link FUSED_GELU_KERNEL} and {@link FUSED_GELU_GRAD_KERNEL}: then forward and
 * backward are one kernel each (same function, same erf approximation as tfjs).
 *
 * @example
 * const y = gelu(tf.tensor1d([-1, 0, 1])); // [-0.1587, 0, 0.8413]
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  const backend = tf.getBackend();
  if (tf.getKernel(FUSED_GELU_KERNEL, backend) !== undefined && tf.getKernel(FUSED_GELU_GRAD_KERNEL, backend) !== undefined) {
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [xi, save] = args as [tf.Tensor, tf.GradSaveFunc];
      save([xi]);
      return {
        value: tf.engine().runKernel(FUSED_GELU_KERNEL, { x: xi }) as tf.Tensor,
        gradFunc: (dy: tf.Tensor, [sx]: tf.Tensor[]) => tf.engine().runKernel(FUSED_GELU_GRAD_KERNEL, { x: sx, dy }) as tf.Tensor,
      };
    });
    return op(x) as tf.Tensor;
  }
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))));
}
