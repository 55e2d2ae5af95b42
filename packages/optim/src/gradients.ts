import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from '@vjepa/errors';

/**
 * Kernels whose gradients the V-JEPA training step and the probe training differentiate (attention
 * matmuls, softmax, mean, division, token gathers, transposes and the exact GELU). `@tensorflow/tfjs`
 * and tfjs-node register every gradient at once; `@tensorflow/tfjs-core` alone registers none.
 *
 * @example
 * TRAINING_GRADIENT_KERNELS.includes('GatherV2'); // true
 */
export const TRAINING_GRADIENT_KERNELS: readonly string[] = Object.freeze(['BatchMatMul', 'RealDiv', 'GatherV2', 'Erf', 'Softmax', 'Mean', 'Transpose']);

/**
 * The kernels among `kernels` that have no registered gradient function.
 *
 * @example
 * missingGradients(); // [] once '@tensorflow/tfjs' (or its gradients) is imported
 */
export function missingGradients(kernels: readonly string[] = TRAINING_GRADIENT_KERNELS): string[] {
  return kernels.filter((k) => tf.getGradient(k) === undefined);
}

/**
 * True when tfjs gradients are registered for every kernel training needs.
 *
 * @example
 * if (!gradientsRegistered()) await import('@tensorflow/tfjs');
 */
export function gradientsRegistered(kernels: readonly string[] = TRAINING_GRADIENT_KERNELS): boolean {
  return missingGradients(kernels).length === 0;
}

/**
 * The one gradient-registration check of the project: throws a BackendError naming `what` and the
 * first kernel without a gradient function, with how to register them. Training code (the trainer
 * step, the probe training) calls it before differentiating.
 *
 * @example
 * assertGradientsRegistered('Trainer.step'); // throws when only tfjs-core is loaded
 */
export function assertGradientsRegistered(what: string, kernels: readonly string[] = TRAINING_GRADIENT_KERNELS): void {
  const missing = missingGradients(kernels);
  if (missing.length === 0) return;
  throw new BackendError(`${what}: tfjs gradients`, {
    expected: 'registered gradient functions (training differentiates the model)',
    received: `none registered for kernel "${missing[0]}"${missing.length > 1 ? ` (and ${missing.length - 1} more)` : ''}`,
    hint: "import '@tensorflow/tfjs' or '@tensorflow/tfjs-node' once in your app (they register them), or with a bundler import '@tensorflow/tfjs-core/dist/register_all_gradients'; apps call registerGradients() of @vjepa/backends",
  });
}
