import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '@vjepa/errors';

/**
 * What {@link clipGradNorm} returns: the (possibly) rescaled gradients, new tensors owned by the
 * caller, and the total L2 norm before clipping as a scalar tensor (read it only when logging).
 *
 * @example
 * const { grads, totalNorm } = clipGradNorm(encoderGrads, 10);
 */
export interface ClippedGradients<G> {
  readonly grads: G;
  readonly totalNorm: tf.Scalar;
}

/**
 * Clips a module's gradients by their global L2 norm, like PyTorch's `clip_grad_norm_`: the total
 * norm over all tensors is computed; every gradient is multiplied by `min(1, maxNorm / (norm + 1e-6))`.
 * Returns new tensors and the pre-clip norm; the inputs are not disposed. Works with a Map or record
 * of named gradients. No host read-back.
 *
 * @example
 * const { grads, totalNorm } = clipGradNorm(new Map([['w', gw], ['b', gb]]), 10);
 * console.log(await totalNorm.data());
 */
export function clipGradNorm<G extends ReadonlyMap<string, tf.Tensor> | Readonly<Record<string, tf.Tensor>>>(
  grads: G,
  maxNorm: number,
): ClippedGradients<G> {
  if (typeof maxNorm !== 'number' || !(maxNorm > 0) || !Number.isFinite(maxNorm)) {
    throw new ConfigError('clipGradNorm(maxNorm)', { expected: 'a finite number > 0', received: String(maxNorm) });
  }
  const isMap = grads instanceof Map;
  const entries: [string, tf.Tensor][] = isMap
    ? [...(grads as ReadonlyMap<string, tf.Tensor>).entries()]
    : Object.entries(grads as Record<string, tf.Tensor>);
  // tidy keeps tensors found in arrays and plain objects (not Maps), so return an array.
  const [totalNorm, ...clipped] = tf.tidy(() => {
    const norm = gradNorm(Object.fromEntries(entries));
    const scale = tf.minimum(tf.div(maxNorm, tf.add(norm, 1e-6)), 1); // []
    return [norm, ...entries.map(([, g]) => tf.mul(g, scale))];
  });
  const named = entries.map(([name], i) => [name, clipped[i]] as [string, tf.Tensor]);
  const out = isMap ? new Map(named) : Object.fromEntries(named);
  return { grads: out as unknown as G, totalNorm: totalNorm as tf.Scalar };
}

/**
 * The global L2 norm of a set of gradients, as a scalar tensor (no clipping).
 *
 * @example
 * const norm = gradNorm(new Map([['w', gw]]));
 */
export function gradNorm(grads: ReadonlyMap<string, tf.Tensor> | Readonly<Record<string, tf.Tensor>>): tf.Scalar {
  const list = grads instanceof Map ? [...grads.values()] : Object.values(grads as Record<string, tf.Tensor>);
  return tf.tidy(() =>
    list.length === 0 ? tf.scalar(0) : (tf.sqrt(tf.addN(list.map((g) => tf.sum(tf.square(tf.cast(g, 'float32')))))) as tf.Scalar),
  );
}
