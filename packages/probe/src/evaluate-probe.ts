import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, DataError } from '@vjepa/errors';
import { checkSourceWidth, fetchBatch, sourceSize, type FeatureSource } from './features';
import { checkLabels } from './labels';
import { accuracy as accuracyOf, confusionMatrix } from './metrics';
import type { Probe } from './probe';

/**
 * Options of `evaluateProbe`.
 *
 * @example
 * const opts: EvaluateProbeOptions = { batchSize: 256, numClasses: 400 };
 */
export interface EvaluateProbeOptions {
  /** Samples per forward pass. Default 256. */
  batchSize?: number;
  /** Class count of the test set; must equal the probe's when given. */
  numClasses?: number;
}

/**
 * What `evaluateProbe` returns; `accuracy` and `confusion` only when labels were given.
 *
 * @example
 * const { predictions, probabilities } = await evaluateProbe(probe, feats);
 */
export interface ProbeEvaluation {
  predictions: Int32Array;
  /** Softmax probabilities, row-major `[N, C]`. */
  probabilities: Float32Array;
  accuracy?: number;
  confusion?: number[][];
}

/**
 * Classify frozen features in batches; with labels, also accuracy and the confusion matrix.
 *
 * @example
 * const { accuracy } = await evaluateProbe(probe, testFeatures, testLabels);
 */
export async function evaluateProbe(probe: Probe, features: FeatureSource, labels?: ArrayLike<number>, options: EvaluateProbeOptions = {}): Promise<ProbeEvaluation> {
  const batchSize = options.batchSize ?? 256;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ConfigError('evaluateProbe option batchSize', { expected: 'an integer >= 1', received: String(batchSize) });
  if (options.numClasses !== undefined && options.numClasses !== probe.numClasses) {
    throw new DataError('evaluateProbe numClasses', { expected: `${probe.numClasses} (the probe's class count, as in training)`, received: String(options.numClasses), hint: 'train and test must use the same class list' });
  }
  const n = sourceSize(features, 'evaluateProbe features');
  checkSourceWidth(features, probe.embedDim, 'evaluateProbe features');
  const y = labels === undefined ? undefined : checkLabels(labels, { what: 'evaluateProbe labels', count: n, numClasses: probe.numClasses });
  const c = probe.numClasses;
  const predictions = new Int32Array(n);
  const probabilities = new Float32Array(n * c);
  for (let start = 0; start < n; start += batchSize) {
    const idx = new Int32Array(Math.min(batchSize, n - start)).map((_, i) => start + i);
    const x = await fetchBatch(features, idx, probe.embedDim, 'evaluateProbe features');
    const [probs, pred] = tf.tidy(() => {
      const logits = probe.apply(x); // [b, C]
      return [tf.softmax(logits, -1), tf.argMax(logits, 1)];
    });
    x.dispose();
    probabilities.set(await probs.data(), start * c);
    predictions.set(await pred.data(), start);
    tf.dispose([probs, pred]);
  }
  if (y === undefined) return { predictions, probabilities };
  return { predictions, probabilities, accuracy: n === 0 ? Number.NaN : accuracyOf(predictions, y), confusion: confusionMatrix(predictions, y, c) };
}
