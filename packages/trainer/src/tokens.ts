import type * as tf from '@tensorflow/tfjs-core';
import { layerNorm } from '@vjepa/vit';

/**
 * Parameter-free layer norm over the last axis, `(x - mean) / sqrt(var + eps)` with the biased
 * variance, as PyTorch's `F.layer_norm(x, (D,))`. V-JEPA normalises the target features with it at
 * PyTorch's default eps 1e-5 (unlike the blocks' 1e-6: a quirk of the reference worth keeping).
 * It is `@vjepa/vit`'s `layerNorm` without gain and bias, at that eps.
 *
 * @example
 * const h = tf.tidy(() => layerNormNoParams(targetFeatures)); // [B, N, D]
 */
export function layerNormNoParams(x: tf.Tensor, eps = 1e-5): tf.Tensor {
  return layerNorm(x, null, null, eps);
}
