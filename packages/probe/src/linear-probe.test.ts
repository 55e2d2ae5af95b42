import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '@vjepa/errors';
import { beforeAll, describe, expect, it } from 'vitest';
import { LinearProbe, meanPool } from './linear-probe';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('LinearProbe', () => {
  it('is linear(mean over tokens) and round-trips its state dict', async () => {
    const probe = new LinearProbe({ embedDim: 3, numClasses: 2 });
    probe.loadStateDict({
      'module.linear.weight': { dtype: 'float32', shape: [2, 3], data: Float32Array.from([1, 0, 0, 0, 1, -1]) },
      'module.linear.bias': { dtype: 'float32', shape: [2], data: Float32Array.from([0.5, 0]) },
    });
    const x = tf.tensor3d([[[1, 2, 3], [3, 4, 5]]]); // mean [2, 3, 4]
    const y = probe.apply(x);
    expect(Array.from(await y.data())).toEqual([2.5, -1]);
    const pooled = meanPool(x);
    const y2 = probe.apply(pooled);
    expect(Array.from(await y2.data())).toEqual([2.5, -1]);
    const sd = await probe.stateDict();
    expect(Array.from(sd['linear.weight'].data as Float32Array)).toEqual([1, 0, 0, 0, 1, -1]);
    expect(() => probe.apply(tf.zeros([1, 2, 4]))).toThrow(ShapeError);
    tf.dispose([x, y, pooled, y2]);
    probe.dispose();
  });
});
