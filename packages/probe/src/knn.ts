import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, DataError, ShapeError } from '@vjepa/errors';
import { checkLabels } from './labels';

/**
 * Options of a `KnnClassifier`.
 *
 * @example
 * const opts: KnnOptions = { k: 20, vote: 'weighted', temperature: 0.07 };
 */
export interface KnnOptions {
  /** Neighbours per query (capped at the bank size). Default 20. */
  k?: number;
  /**
   * `'majority'`: one vote per neighbour (ties go to the larger summed similarity, then the lower
   * class index). `'weighted'`: each neighbour votes `exp(cosine / temperature)`. Default `'weighted'`.
   */
  vote?: 'majority' | 'weighted';
  /** Temperature of the weighted vote. Default 0.07. */
  temperature?: number;
  /** Number of classes; default `max(label) + 1`. */
  numClasses?: number;
  /** Queries compared with the bank at once (bounds memory). Default 1024. */
  batchSize?: number;
}

/**
 * What `KnnClassifier.predict` returns: predicted classes and the per-class vote scores
 * (`scores[i * numClasses + c]`, normalised to sum to 1 per query).
 *
 * @example
 * const { predictions, scores } = await knn.predict(queries);
 */
export interface KnnPrediction {
  predictions: Int32Array;
  scores: Float32Array;
  numClasses: number;
}

/**
 * k-nearest-neighbour classifier on pooled frozen features with cosine similarity. Token features
 * `[N, Ntok, D]` are mean-pooled; pooled `[N, D]` are used as they are.
 *
 * @example
 * const knn = new KnnClassifier(trainFeatures, trainLabels, { k: 10, vote: 'majority' });
 * const { predictions } = await knn.predict(testFeatures);
 * knn.dispose();
 */
export class KnnClassifier {
  readonly k: number;
  readonly vote: 'majority' | 'weighted';
  readonly temperature: number;
  readonly numClasses: number;
  readonly embedDim: number;
  private readonly batchSize: number;
  private readonly bank: tf.Tensor2D; // [N, D], unit rows
  private readonly labels: Int32Array;

  constructor(features: tf.Tensor, labels: ArrayLike<number>, options: KnnOptions = {}) {
    const pooled = poolFeatures(features, 'KnnClassifier features');
    const n = pooled.shape[0];
    if (n === 0) {
      pooled.dispose();
      throw new DataError('KnnClassifier features', { expected: 'at least one sample', received: '0' });
    }
    const k = options.k ?? 20;
    const temperature = options.temperature ?? 0.07;
    const batchSize = options.batchSize ?? 1024;
    const vote = options.vote ?? 'weighted';
    const bad = (what: string, expected: string, received: unknown) => {
      pooled.dispose();
      return new ConfigError(`KnnClassifier option ${what}`, { expected, received: String(received) });
    };
    if (!Number.isInteger(k) || k < 1) throw bad('k', 'an integer >= 1', k);
    if (!(temperature > 0)) throw bad('temperature', 'a number > 0', temperature);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw bad('batchSize', 'an integer >= 1', batchSize);
    if (vote !== 'majority' && vote !== 'weighted') throw bad('vote', "'majority' or 'weighted'", vote);
    let y: Int32Array;
    try {
      y = checkLabels(labels, { what: 'KnnClassifier labels', count: n, numClasses: options.numClasses });
    } catch (e) {
      pooled.dispose();
      throw e;
    }
    this.labels = Int32Array.from(y);
    this.numClasses = options.numClasses ?? this.labels.reduce((m, v) => Math.max(m, v), 0) + 1;
    this.k = Math.min(k, n);
    this.vote = vote;
    this.temperature = temperature;
    this.batchSize = batchSize;
    this.embedDim = pooled.shape[1];
    this.bank = tf.tidy(() => unitRows(pooled));
    pooled.dispose();
  }

  /**
   * Classify queries `[M, Ntok, D]` or `[M, D]`.
   *
   * @example
   * const { predictions } = await knn.predict(tf.randomNormal([4, 64]));
   */
  async predict(queries: tf.Tensor): Promise<KnnPrediction> {
    const pooled = poolFeatures(queries, 'KnnClassifier queries');
    if (pooled.shape[1] !== this.embedDim) {
      pooled.dispose();
      throw new ShapeError('KnnClassifier queries', { expected: `feature width ${this.embedDim} (as the bank)`, received: `[${queries.shape}]` });
    }
    const m = pooled.shape[0];
    const c = this.numClasses;
    const predictions = new Int32Array(m);
    const scores = new Float32Array(m * c);
    try {
      for (let start = 0; start < m; start += this.batchSize) {
        const size = Math.min(this.batchSize, m - start);
        const { values, indices } = tf.tidy(() => {
          const q = unitRows(tf.slice(pooled, [start, 0], [size, -1])); // [m, D]
          const sims = tf.matMul(q, this.bank, false, true); // [m, N]
          return tf.topk(sims, this.k, true); // [m, k]
        });
        const [sim, idx] = await Promise.all([values.data(), indices.data()]);
        tf.dispose([values, indices]);
        for (let i = 0; i < size; i++) this.voteOne(sim, idx, i, predictions, scores, start + i);
      }
    } finally {
      pooled.dispose();
    }
    return { predictions, scores, numClasses: c };
  }

  /**
   * Free the feature bank.
   *
   * @example
   * knn.dispose();
   */
  dispose(): void {
    this.bank.dispose();
  }

  private voteOne(sim: ArrayLike<number>, idx: ArrayLike<number>, row: number, predictions: Int32Array, scores: Float32Array, out: number): void {
    const c = this.numClasses;
    const votes = new Float64Array(c);
    const simSum = new Float64Array(c);
    for (let j = 0; j < this.k; j++) {
      const s = sim[row * this.k + j];
      const label = this.labels[idx[row * this.k + j]];
      votes[label] += this.vote === 'majority' ? 1 : Math.exp((s - 1) / this.temperature); // exp(s/T) times the constant exp(-1/T): no overflow, same argmax and normalised scores
      simSum[label] += s;
    }
    let best = 0;
    for (let cls = 1; cls < c; cls++) {
      if (votes[cls] > votes[best] || (votes[cls] === votes[best] && simSum[cls] > simSum[best])) best = cls;
    }
    predictions[out] = best;
    let total = 0;
    for (let cls = 0; cls < c; cls++) total += votes[cls];
    for (let cls = 0; cls < c; cls++) scores[out * c + cls] = votes[cls] / total;
  }
}

function poolFeatures(x: tf.Tensor, what: string): tf.Tensor2D {
  if (x.rank === 3) return tf.tidy(() => tf.mean(x, 1) as tf.Tensor2D); // [N, D]
  if (x.rank === 2) return tf.clone(x) as tf.Tensor2D;
  throw new ShapeError(what, { expected: '[N, Ntok, D] tokens or [N, D] pooled features', received: `[${x.shape}]` });
}

function unitRows(x: tf.Tensor2D): tf.Tensor2D {
  const norm = tf.maximum(tf.norm(x, 'euclidean', 1, true), 1e-12); // [N, 1]
  return tf.div(x, norm) as tf.Tensor2D;
}
