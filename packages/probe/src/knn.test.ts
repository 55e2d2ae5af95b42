import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, DataError, ShapeError } from '@vjepa/errors';
import { beforeAll, describe, expect, it } from 'vitest';
import { KnnClassifier } from './knn';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('KnnClassifier', () => {
  it('classifies obvious clusters (tokens mean-pooled), both votes', async () => {
    // 3 clusters along orthogonal directions, 10 samples each, 4 tokens per sample
    const n = 30;
    const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
    const [bank, queries] = tf.tidy(() => {
      const centers = tf.mul(tf.eye(3, 6), 5); // [3, 6]
      const make = (count: number, seed: number) =>
        tf.add(tf.randomNormal([count, 4, 6], 0, 0.5, 'float32', seed), tf.expandDims(tf.gather(centers, tf.tensor1d(Int32Array.from({ length: count }, (_, i) => i % 3), 'int32')), 1));
      return [make(n, 1), make(12, 2)];
    });
    for (const vote of ['majority', 'weighted'] as const) {
      const knn = new KnnClassifier(bank, labels, { k: 5, vote });
      const { predictions, scores, numClasses } = await knn.predict(queries);
      expect(numClasses).toBe(3);
      expect(Array.from(predictions)).toEqual(Array.from({ length: 12 }, (_, i) => i % 3));
      const rowSum = scores.slice(0, 3).reduce((a, b) => a + b, 0);
      expect(rowSum).toBeCloseTo(1, 5);
      knn.dispose();
    }
    tf.dispose([bank, queries]);
  });

  it('uses cosine similarity (scale-invariant) and exact vote maths', async () => {
    const bank = tf.tensor2d([[1, 0], [100, 1], [0, 1], [0, 2], [0, 3]]); // labels 0, 0, 1, 1, 1
    const labels = [0, 0, 1, 1, 1];
    const q = tf.tensor2d([[0.001, 0]]); // tiny but pointing at class 0
    const majority = new KnnClassifier(bank, labels, { k: 2, vote: 'majority' });
    const m = await majority.predict(q);
    expect(m.predictions[0]).toBe(0);
    expect(Array.from(m.scores)).toEqual([1, 0]);
    // k = 5, majority: class 1 has 3 votes against 2
    const all = new KnnClassifier(bank, labels, { k: 5, vote: 'majority' });
    expect((await all.predict(q)).predictions[0]).toBe(1);
    // weighted: class 0 neighbours have cosine 1 and ~0.99995, class 1 cosine 0
    const T = 0.5;
    const weighted = new KnnClassifier(bank, labels, { k: 5, vote: 'weighted', temperature: T });
    const w = await weighted.predict(q);
    const c1 = 1 / Math.sqrt(100 * 100 + 1) * 100;
    const w0 = Math.exp(1 / T) + Math.exp(c1 / T);
    const w1 = 3 * Math.exp(0);
    expect(w.predictions[0]).toBe(0);
    expect(w.scores[0]).toBeCloseTo(w0 / (w0 + w1), 5);
    [majority, all, weighted].forEach((k) => k.dispose());
    tf.dispose([bank, q]);
  });

  it('caps k at the bank size, batches queries and does not leak', async () => {
    const bank = tf.randomNormal([6, 4], 0, 1, 'float32', 3);
    const knn = new KnnClassifier(bank, [0, 1, 0, 1, 0, 1], { k: 50, batchSize: 2 });
    expect(knn.k).toBe(6);
    const q = tf.randomNormal([5, 4], 0, 1, 'float32', 4);
    await knn.predict(q);
    const before = tf.memory().numTensors;
    const { predictions } = await knn.predict(q);
    expect(predictions).toHaveLength(5);
    expect(tf.memory().numTensors).toBe(before);
    knn.dispose();
    tf.dispose([bank, q]);
  });

  it('names bad input', async () => {
    const bank = tf.zeros([3, 4]);
    const before = tf.memory().numTensors;
    expect(() => new KnnClassifier(bank, [0, 1])).toThrow(/KnnClassifier labels length: expected 3/);
    expect(() => new KnnClassifier(bank, [0, 1, 0.5])).toThrow(DataError);
    expect(() => new KnnClassifier(bank, [0, 1, 2], { numClasses: 2 })).toThrow(/KnnClassifier labels\[2\]/);
    expect(() => new KnnClassifier(bank, [0, 1, 2], { k: 0 })).toThrow(ConfigError);
    expect(tf.memory().numTensors).toBe(before);
    const knn = new KnnClassifier(bank, [0, 1, 2]);
    const q = tf.zeros([2, 5]);
    await expect(knn.predict(q)).rejects.toThrow(ShapeError);
    await expect(knn.predict(q)).rejects.toThrow(/feature width 4/);
    knn.dispose();
    tf.dispose([bank, q]);
  });
});
