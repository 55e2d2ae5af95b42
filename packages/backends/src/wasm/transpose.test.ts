import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { patchWasmForTraining } from './patch';
import { reduceTranspose } from './transpose';
import { backendBuffers, maxAbsDiff, runOn, seededValues } from './test-helpers';

beforeAll(async () => {
  await tf.setBackend('wasm');
});
beforeEach(() => {
  patchWasmForTraining();
});

describe('reduceTranspose', () => {
  it('drops size-1 axes and merges axes that stay adjacent', () => {
    expect(reduceTranspose([2, 1, 3, 4], [0, 2, 3, 1])).toEqual({ shape: [24], perm: [0] });
    expect(reduceTranspose([2, 1, 3, 4], [2, 3, 0, 1])).toEqual({ shape: [2, 12], perm: [1, 0] });
    expect(reduceTranspose([2, 3, 4], [0, 1, 2])).toEqual({ shape: [24], perm: [0] });
    expect(reduceTranspose([8, 256, 3, 3, 64], [2, 0, 3, 1, 4])).toEqual({ shape: [8, 256, 3, 3, 64], perm: [2, 0, 3, 1, 4] });
    expect(reduceTranspose([2, 3, 4, 5], [2, 3, 0, 1])).toEqual({ shape: [6, 20], perm: [1, 0] });
    expect(reduceTranspose([5, 6, 7], [0, 2, 1])).toEqual({ shape: [5, 6, 7], perm: [0, 2, 1] });
    expect(reduceTranspose([1, 1], [1, 0])).toEqual({ shape: [], perm: [] });
  });
});

// [shape, perm]: ViT attention's permute and its inverse, head merges, plain matrix transposes.
const cases: [number[], number[]][] = [
  [[2, 17, 3, 3, 16], [2, 0, 3, 1, 4]],
  [[3, 2, 3, 17, 16], [1, 3, 0, 2, 4]],
  [[2, 17, 3, 20], [0, 2, 1, 3]],
  [[2, 3, 17, 20], [0, 2, 1, 3]],
  [[33, 40], [1, 0]],
  [[4, 33, 40], [0, 2, 1]],
  [[2, 3, 4, 5, 6, 16], [5, 3, 1, 0, 2, 4]],
  [[2, 1, 5, 1, 32], [4, 2, 0, 1, 3]],
  [[2, 3, 4], [0, 1, 2]],
];

describe('Transpose on wasm (patched)', () => {
  it.each(cases)('matches cpu exactly: shape %j perm %j', async (shape, perm) => {
    const f = () => tf.transpose(tf.tensor(seededValues(shape.reduce((p, s) => p * s, 1), 3), shape), perm);
    const [cpu] = await runOn('cpu', f);
    const [wasm] = await runOn('wasm', f);
    expect(wasm.length).toBe(cpu.length);
    expect(maxAbsDiff(wasm, cpu)).toBe(0);
  });

  it('keeps the output shape, handles int32, and leaks nothing', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor(Array.from({ length: 2 * 3 * 2 * 16 }, (_, i) => i), [2, 3, 2, 16], 'int32');
    const buffers = backendBuffers();
    const y = tf.transpose(x, [2, 0, 1, 3]);
    expect(y.shape).toEqual([2, 2, 3, 16]);
    expect(y.dtype).toBe('int32');
    const v = await y.data();
    // y[1, 0, 2, 5] = x[0, 2, 1, 5]
    expect(v[((1 * 2 + 0) * 3 + 2) * 16 + 5]).toBe(((0 * 3 + 2) * 2 + 1) * 16 + 5);
    y.dispose();
    expect(backendBuffers()).toBe(buffers);
    x.dispose();
  });

  it('gives the same gradient as cpu through a rank-5 attention permute', async () => {
    const f = () => {
      const x = tf.tensor(seededValues(2 * 9 * 3 * 2 * 16, 8), [2, 9, 3, 2, 16]);
      const w = tf.tensor(seededValues(3 * 2 * 2 * 9 * 16, 9), [3, 2, 2, 9, 16]);
      return tf.grad((q: tf.Tensor) => tf.sum(tf.mul(tf.transpose(q, [2, 0, 3, 1, 4]), w)))(x);
    };
    const [cpu] = await runOn('cpu', f);
    const [wasm] = await runOn('wasm', f);
    expect(maxAbsDiff(wasm, cpu)).toBeLessThan(1e-6);
  });
});
