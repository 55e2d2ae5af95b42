import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, DataError, ShapeError } from '@vjepa/errors';

/**
 * Frozen features produced on demand (e.g. read from a cache on disk, or computed by a frozen
 * encoder): `size` samples; `batch(indices)` returns their tokens `[b, Ntok, D]`, owned by the caller.
 *
 * @example
 * const provider: FeatureProvider = { size: 1000, batch: (idx) => encodeClips(idx) };
 */
export interface FeatureProvider {
  readonly size: number;
  batch(indices: Int32Array): tf.Tensor | Promise<tf.Tensor>;
}

/**
 * Cached token features `[N, Ntok, D]` (pooled `[N, D]` for the linear probe) or a provider.
 *
 * @example
 * const source: FeatureSource = tf.randomNormal([100, 32, 64]);
 */
export type FeatureSource = tf.Tensor | FeatureProvider;

/**
 * Number of samples of a source, validated.
 *
 * @example
 * sourceSize(tf.zeros([10, 4, 64]), 'features'); // 10
 */
export function sourceSize(source: FeatureSource, what: string): number {
  if (source instanceof tf.Tensor) {
    if (source.rank < 2) throw new ShapeError(what, { expected: '[N, Ntok, D] features', received: `[${source.shape}]` });
    return source.shape[0];
  }
  if (source === null || typeof source !== 'object' || typeof (source as FeatureProvider).batch !== 'function') {
    throw new ConfigError(what, { expected: 'a tf.Tensor [N, Ntok, D] or a FeatureProvider { size, batch(indices) }', received: String(source) });
  }
  const n = (source as FeatureProvider).size;
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${what}.size`, { expected: 'an integer >= 0', received: String(n) });
  return n;
}

/**
 * Features of the given samples; the caller disposes the result. Checks the width.
 *
 * @example
 * const x = await fetchBatch(features, Int32Array.from([3, 1]), 64, 'features'); // [2, Ntok, 64]
 */
export async function fetchBatch(source: FeatureSource, indices: Int32Array, embedDim: number, what: string): Promise<tf.Tensor> {
  let x: tf.Tensor;
  if (source instanceof tf.Tensor) {
    x = tf.tidy(() => tf.gather(source, tf.tensor1d(indices, 'int32'))); // [b, Ntok, D]
  } else {
    x = await source.batch(indices);
    if (!(x instanceof tf.Tensor)) throw new DataError(`${what}.batch()`, { expected: 'a tf.Tensor', received: String(x) });
  }
  if (x.shape[0] !== indices.length || x.shape[x.rank - 1] !== embedDim) {
    const shape = `[${x.shape}]`;
    x.dispose();
    throw new ShapeError(what, { expected: `[${indices.length}, Ntok, ${embedDim}] (width = the probe's embedDim)`, received: shape, hint: 'the features must come from an encoder of the probe width' });
  }
  return x;
}

/**
 * Checks a tensor source's width up front so errors come before any work.
 *
 * @example
 * checkSourceWidth(features, probe.embedDim, 'trainProbe features');
 */
export function checkSourceWidth(source: FeatureSource, embedDim: number, what: string): void {
  if (source instanceof tf.Tensor && source.shape[source.rank - 1] !== embedDim) {
    throw new ShapeError(what, { expected: `[N, Ntok, ${embedDim}] (width = the probe's embedDim)`, received: `[${source.shape}]`, hint: 'the features must come from an encoder of the probe width' });
  }
}
