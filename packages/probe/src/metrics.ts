import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, DataError, ShapeError } from '@vjepa/errors';
import { checkLabels } from './labels';

/**
 * Fraction of predictions equal to the labels.
 *
 * @example
 * accuracy(Int32Array.from([0, 1, 1]), Int32Array.from([0, 1, 0])); // 0.666...
 */
export function accuracy(predictions: ArrayLike<number>, labels: ArrayLike<number>): number {
  const y = checkLabels(labels, { what: 'accuracy labels' });
  const p = checkLabels(predictions, { what: 'accuracy predictions', count: y.length });
  if (y.length === 0) throw new DataError('accuracy labels', { expected: 'at least one sample', received: 'none' });
  let correct = 0;
  for (let i = 0; i < y.length; i++) if (p[i] === y[i]) correct++;
  return correct / y.length;
}

/**
 * Confusion matrix: `m[true][predicted]` counts.
 *
 * @example
 * confusionMatrix([0, 1, 1], [0, 1, 0], 2); // [[1, 1], [0, 1]]
 */
export function confusionMatrix(predictions: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number): number[][] {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new ConfigError('confusionMatrix numClasses', { expected: 'an integer >= 1', received: String(numClasses) });
  const y = checkLabels(labels, { what: 'confusionMatrix labels', numClasses });
  const p = checkLabels(predictions, { what: 'confusionMatrix predictions', count: y.length, numClasses });
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < y.length; i++) m[y[i]][p[i]]++;
  return m;
}

/**
 * Mean and sample standard deviation (n - 1; 0 for one value), e.g. accuracy over seeds.
 *
 * @example
 * meanStd([0.8, 0.82, 0.84]); // { mean: 0.82, std: 0.02, n: 3 }
 */
export function meanStd(values: ArrayLike<number>): { mean: number; std: number; n: number } {
  const n = values.length;
  if (n === 0) throw new DataError('meanStd values', { expected: 'at least one value', received: 'none' });
  let sum = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(values[i])) throw new DataError(`meanStd values[${i}]`, { expected: 'a finite number', received: String(values[i]) });
    sum += values[i];
  }
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (values[i] - mean) ** 2;
  return { mean, std: n > 1 ? Math.sqrt(sq / (n - 1)) : 0, n };
}

/**
 * Index of the largest score per row, read back to the host.
 *
 * @example
 * await argmax(tf.tensor2d([[0.1, 0.9], [2, 1]])); // Int32Array [1, 0]
 */
export async function argmax(scores: tf.Tensor): Promise<Int32Array> {
  if (scores.rank !== 2) throw new ShapeError('argmax scores', { expected: '[B, C]', received: `[${scores.shape}]` });
  const idx = tf.argMax(scores, 1);
  const out = Int32Array.from(await idx.data());
  idx.dispose();
  return out;
}
