import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { DataError } from '@vjepa/errors';
import { beforeAll, describe, expect, it } from 'vitest';
import { accuracy, argmax, confusionMatrix, meanStd } from './metrics';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('metrics', () => {
  it('accuracy and confusion matrix', () => {
    const pred = Int32Array.from([0, 1, 1, 2, 2, 0]);
    const y = Int32Array.from([0, 1, 0, 2, 1, 0]);
    expect(accuracy(pred, y)).toBeCloseTo(4 / 6, 12);
    expect(confusionMatrix(pred, y, 3)).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
  });

  it('mean and sample std over seeds', () => {
    const { mean, std, n } = meanStd([0.8, 0.82, 0.84]);
    expect(n).toBe(3);
    expect(mean).toBeCloseTo(0.82, 12);
    expect(std).toBeCloseTo(0.02, 12);
    expect(meanStd([0.5]).std).toBe(0);
  });

  it('argmax reads predictions back', async () => {
    const s = tf.tensor2d([[0.1, 0.9, 0], [3, 1, 2]]);
    expect(Array.from(await argmax(s))).toEqual([1, 0]);
    s.dispose();
  });

  it('names bad input', () => {
    expect(() => accuracy([0, 1], [0])).toThrow(/accuracy predictions length: expected 1/);
    expect(() => confusionMatrix([0, 3], [0, 1], 3)).toThrow(/confusionMatrix predictions\[1\]: expected a class index in \[0, 3\)/);
    expect(() => confusionMatrix([0, 1], [0, 1.5], 3)).toThrow(DataError);
    expect(() => meanStd([])).toThrow(/meanStd values/);
    expect(() => accuracy([], [])).toThrow(/at least one sample/);
  });
});
