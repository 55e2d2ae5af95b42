import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '@vjepa/errors';
import { beforeAll, describe, expect, it } from 'vitest';
import { clipGradNorm, gradNorm } from './clip-grad-norm';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('clipGradNorm', () => {
  it('returns the pre-clip norm and rescales by maxNorm / (norm + 1e-6) when above maxNorm', async () => {
    const a = tf.tensor1d([3, 0]);
    const b = tf.tensor2d([[0, 4]]); // total norm 5
    const before = tf.memory().numTensors;
    const { grads, totalNorm } = clipGradNorm(new Map<string, tf.Tensor>([['a', a], ['b', b]]), 1);
    expect(tf.memory().numTensors).toBe(before + 3);
    expect((await totalNorm.data())[0]).toBeCloseTo(5, 6);
    const scale = 1 / (5 + 1e-6);
    expect((await grads.get('a')!.data())[0]).toBeCloseTo(3 * scale, 6);
    expect((await grads.get('b')!.data())[1]).toBeCloseTo(4 * scale, 6);
    expect(grads.get('b')!.shape).toEqual([1, 2]);
    tf.dispose([totalNorm, ...grads.values()]);
    tf.dispose([a, b]);
  });

  it('leaves gradients unchanged below maxNorm and accepts records', async () => {
    const a = tf.tensor1d([0.3, 0.4]);
    const { grads, totalNorm } = clipGradNorm({ a }, 10);
    expect(Array.from(await grads.a.data())).toEqual(Array.from(await a.data()));
    expect((await totalNorm.data())[0]).toBeCloseTo(0.5, 6);
    const n = gradNorm({ a });
    expect((await n.data())[0]).toBeCloseTo(0.5, 6);
    tf.dispose([a, grads.a, totalNorm, n]);
    expect(() => clipGradNorm({}, 0)).toThrow(ConfigError);
  });
});
