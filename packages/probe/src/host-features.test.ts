import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '@vjepa/errors';
import { beforeAll, describe, expect, it } from 'vitest';
import { hostFeatures } from './host-features';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('hostFeatures', () => {
  it('builds batches by copying the rows asked for, in order', async () => {
    const data = Float32Array.from({ length: 4 * 2 * 3 }, (_, i) => i); // [4, 2, 3]
    const f = hostFeatures(data, [4, 2, 3]);
    expect(f.size).toBe(4);
    const before = tf.memory().numTensors;
    const b = f.batch(Int32Array.from([3, 0, 3]));
    expect(b.shape).toEqual([3, 2, 3]);
    const all = tf.tensor3d(data, [4, 2, 3]);
    const expected = tf.gather(all, [3, 0, 3]);
    expect(Array.from(await b.data())).toEqual(Array.from(await expected.data()));
    tf.dispose([b, expected, all]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a shape that does not match the data, and indices out of range', () => {
    expect(() => hostFeatures(new Float32Array(10), [2, 2, 3])).toThrow(ShapeError);
    expect(() => hostFeatures(new Float32Array(10), [2, 2, 3])).toThrow(/12 floats.*received: 10 floats|10 floats/);
    const f = hostFeatures(new Float32Array(12), [2, 2, 3]);
    expect(() => f.batch(Int32Array.from([0, 2]))).toThrow(/index in \[0, 2\).*2|received: 2/);
  });
});
