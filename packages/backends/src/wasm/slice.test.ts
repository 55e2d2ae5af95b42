import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { patchWasmForTraining } from './patch';
import { backendBuffers, maxAbsDiff, runOn, seededValues } from './test-helpers';

beforeAll(async () => {
  await tf.setBackend('wasm');
});
beforeEach(() => {
  patchWasmForTraining();
});

const shape = [3, 4, 5, 6];
const size = shape.reduce((p, s) => p * s, 1);
const x = () => tf.tensor(seededValues(size, 11), shape);

// [begin, size] pairs: contiguous ones become views, the others partial copies.
const slices: [number[], number[]][] = [
  [[1, 0, 0, 0], [1, 4, 5, 6]], // contiguous: one batch item
  [[0, 0, 0, 0], [3, 4, 5, 6]], // contiguous: everything
  [[2, 1, 0, 0], [1, 2, 5, 6]], // contiguous: rows of one item
  [[1, 2, 3, 0], [1, 1, 1, 6]], // contiguous: a single innermost row
  [[0, 0, 0, 2], [3, 4, 5, 3]], // strided: last axis (like splitting q, k, v)
  [[1, 1, 1, 1], [2, 2, 3, 4]], // strided in every axis
  [[0, 2, 0, 0], [3, 2, 5, 6]], // strided on axis 1, whole inner dims
];

describe('Slice on wasm (patched)', () => {
  it.each(slices)('matches cpu: begin %j size %j', async (begin, sz) => {
    const f = () => tf.slice(x(), begin, sz);
    const [cpu] = await runOn('cpu', f);
    const [wasm] = await runOn('wasm', f);
    expect(wasm.length).toBe(sz.reduce((p, s) => p * s, 1));
    expect(maxAbsDiff(wasm, cpu)).toBe(0);
  });

  it('matches cpu for rank 1, 2, 3 and 5 and for tf.split', async () => {
    const f = () => {
      const v = tf.tensor(seededValues(2 * 3 * 4 * 2 * 5, 5), [2, 3, 4, 2, 5]);
      return [
        tf.slice(tf.reshape(v, [240]), [17], [50]),
        tf.slice(tf.reshape(v, [24, 10]), [3, 2], [5, 7]),
        tf.slice(tf.reshape(v, [6, 8, 5]), [1, 3, 1], [4, 2, 3]),
        tf.slice(v, [1, 1, 2, 0, 1], [1, 2, 2, 2, 4]),
        ...tf.split(tf.reshape(v, [8, 30]), 3, 1),
        ...tf.split(tf.reshape(v, [8, 30]), 4, 0),
      ];
    };
    const cpu = await runOn('cpu', f);
    const wasm = await runOn('wasm', f);
    expect(wasm.map((w, i) => maxAbsDiff(w, cpu[i]))).toEqual(cpu.map(() => 0));
  });

  it('keeps a view valid after its source is disposed, and frees the memory once both are gone', async () => {
    await tf.setBackend('wasm');
    const buffers = backendBuffers();
    const tensors = tf.memory().numTensors;
    const src = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [4, 2]);
    const view = tf.slice(src, [2, 0], [2, 2]); // rows 2..3: contiguous
    const viewOfView = tf.slice(view, [1, 0], [1, 2]);
    src.dispose();
    // Overwrite freed heap if the source memory had been released too early.
    const noise = tf.fill([4, 2], -1);
    expect(Array.from(await view.data())).toEqual([5, 6, 7, 8]);
    expect(Array.from(await viewOfView.data())).toEqual([7, 8]);
    view.dispose();
    expect(Array.from(await viewOfView.data())).toEqual([7, 8]);
    viewOfView.dispose();
    noise.dispose();
    expect(backendBuffers()).toBe(buffers);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.memory().numDataBuffers).toBe(tensors);
  });

  it('gives views that work as kernel inputs (matmul, reshape, add) and as variables', async () => {
    await tf.setBackend('wasm');
    const src = tf.tensor3d(seededValues(2 * 3 * 4, 9), [2, 3, 4]);
    const [cpuRef] = await runOn('cpu', () => tf.add(tf.matMul(tf.reshape(tf.slice(tf.tensor3d(seededValues(24, 9), [2, 3, 4]), [1, 0, 0], [1, 3, 4]), [3, 4]), tf.ones([4, 2])), 1));
    await tf.setBackend('wasm');
    const out = tf.tidy(() => tf.add(tf.matMul(tf.reshape(tf.slice(src, [1, 0, 0], [1, 3, 4]), [3, 4]), tf.ones([4, 2])), 1));
    expect(maxAbsDiff(await out.data(), cpuRef)).toBeLessThan(1e-5);
    const v = tf.variable(tf.slice(src, [0, 0, 0], [1, 3, 4]));
    src.dispose();
    v.assign(tf.mul(v, 2));
    expect(maxAbsDiff(await v.data(), Float32Array.from(seededValues(12, 9), (e) => e * 2))).toBeLessThan(1e-6);
    tf.dispose([out, v]);
  });

  it('gives the same slice gradient as cpu and leaks nothing across steps', async () => {
    const f = () => {
      const p = tf.tensor(seededValues(4 * 6 * 8, 21), [4, 6, 8]);
      return tf.grad((q: tf.Tensor) => {
        const [a, b] = tf.split(q, 2, 2); // strided
        const c = tf.slice(q, [1, 0, 0], [2, 6, 8]); // contiguous
        return tf.add(tf.sum(tf.mul(a, b)), tf.sum(tf.square(c)));
      })(p);
    };
    const [cpu] = await runOn('cpu', f);
    await tf.setBackend('wasm');
    await runOn('wasm', f);
    const buffers = backendBuffers();
    const [wasm] = await runOn('wasm', f);
    expect(backendBuffers()).toBe(buffers);
    expect(maxAbsDiff(wasm, cpu)).toBeLessThan(1e-5);
  });
});

describe('SplitV on wasm (patched)', () => {
  it('splits along the first axis into views that outlive the source, and frees everything after', async () => {
    await tf.setBackend('wasm');
    expect(tf.getKernel('SplitV', 'wasm')).toBeDefined();
    const buffers = backendBuffers();
    const src = tf.tensor3d(seededValues(3 * 4 * 5, 2), [3, 4, 5]);
    const expected = Array.from(await src.data());
    const [q, k, v] = tf.split(src, 3, 0);
    src.dispose();
    const noise = tf.fill([3, 4, 5], 7);
    expect(Array.from(await k.data())).toEqual(expected.slice(20, 40));
    expect(Array.from(await v.data())).toEqual(expected.slice(40, 60));
    const uneven = tf.split(q, [1, 3], 1);
    expect(uneven.map((t) => t.shape)).toEqual([[1, 1, 5], [1, 3, 5]]);
    expect(Array.from(await uneven[1].data())).toEqual(expected.slice(5, 20));
    tf.dispose([q, k, v, noise, ...uneven]);
    expect(backendBuffers()).toBe(buffers);
  });
});
