import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { patchWasmForTraining, restoreStockWasmKernels } from './patch';
import { backendBuffers, maxAbsDiff, runOn, seededValues } from './test-helpers';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

const ids = [3, 0, 3, 1, 4, 0, 0, 2, 3];

describe('UnsortedSegmentSum on wasm', () => {
  it('is missing from stock tfjs-backend-wasm, so the gradient of tf.gather fails there', async () => {
    restoreStockWasmKernels();
    await tf.setBackend('wasm');
    const x = tf.ones([5, 2]);
    expect(() => tf.grad((p: tf.Tensor) => tf.sum(tf.gather(p, tf.tensor1d([0, 2], 'int32'))))(x)).toThrow(/UnsortedSegmentSum/);
    x.dispose();
  });

  it('matches cpu on random float32 input with repeated ids and a trailing shape', async () => {
    patchWasmForTraining();
    const f = () => tf.unsortedSegmentSum(tf.tensor3d(seededValues(9 * 3 * 4, 7), [9, 3, 4]), tf.tensor1d(ids, 'int32'), 6);
    const [cpu] = await runOn('cpu', f);
    const [wasm] = await runOn('wasm', f);
    expect(wasm.length).toBe(6 * 3 * 4);
    expect(maxAbsDiff(wasm, cpu)).toBeLessThan(1e-5);
    // Segment 5 has no ids: all zeros, not heap garbage.
    expect(Array.from(wasm.slice(5 * 12))).toEqual(new Array(12).fill(0));
  });

  it('matches cpu for int32 input', async () => {
    patchWasmForTraining();
    const f = () => tf.unsortedSegmentSum(tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [6, 2], 'int32'), tf.tensor1d([2, 0, 2, 1, 1, 0], 'int32'), 4);
    const [cpu] = await runOn('cpu', f);
    const [wasm] = await runOn('wasm', f);
    expect(Array.from(wasm)).toEqual(Array.from(cpu));
    expect(Array.from(wasm)).toEqual([14, 16, 16, 18, 6, 8, 0, 0]);
  });

  it('gives the gradient of tf.gather equal to cpu, without leaking buffers', async () => {
    patchWasmForTraining();
    const f = () => {
      const p = tf.tensor2d(seededValues(10 * 6, 3), [10, 6]);
      const w = tf.tensor2d(seededValues(4 * 6, 4), [4, 6]);
      const idx = tf.tensor1d([9, 1, 1, 4], 'int32');
      return tf.grad((q: tf.Tensor) => tf.sum(tf.mul(tf.gather(q, idx), w)))(p);
    };
    const [cpu] = await runOn('cpu', f);
    await tf.setBackend('wasm');
    const before = backendBuffers();
    const [wasm] = await runOn('wasm', f);
    expect(backendBuffers()).toBe(before);
    expect(maxAbsDiff(wasm, cpu)).toBeLessThan(1e-5);
  });
});
