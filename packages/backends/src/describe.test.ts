import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { describeBackend, memoryReport } from './describe';
import { setupBackend } from './setup-backend';

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('describeBackend', () => {
  it('reports wasm as a cpu backend with 1 thread in Node, SIMD, and the active patches', async () => {
    await setupBackend('wasm');
    const d = await describeBackend();
    expect(d).toMatchObject({ name: 'wasm', gpu: false, wasm: { threads: 1, simd: true, patches: { segmentSum: true, matMul: true, slice: true, transpose: true, identity: true, fused: true } } });
    expect(d.summary).toBe('wasm (cpu, SIMD, 1 thread, patches: segmentSum, matMul, slice, transpose, identity, fused)');
  });

  it('reports cpu without wasm details', async () => {
    await setupBackend('cpu');
    expect(await describeBackend()).toEqual({ name: 'cpu', gpu: false, summary: 'cpu (cpu)' });
  });
});

describe('memoryReport', () => {
  it('counts live tensors and bytes, and the wasm heap on wasm', async () => {
    await setupBackend('wasm');
    const before = memoryReport();
    const a = tf.zeros([256, 256]);
    const b = tf.ones([10], 'int32');
    const after = memoryReport();
    expect(after.numTensors - before.numTensors).toBe(2);
    expect(after.numBytes - before.numBytes).toBe(256 * 256 * 4 + 40);
    expect(after.wasmHeapBytes).toBeGreaterThanOrEqual(16 * 2 ** 20);
    expect(after.summary).toMatch(/^\d+ tensors, \d+ buffers, [\d.]+ MiB, wasm heap [\d.]+ MiB$/);
    tf.dispose([a, b]);
    expect(memoryReport().numTensors).toBe(before.numTensors);
  });

  it('has no wasm heap figure on cpu', async () => {
    await setupBackend('cpu');
    expect(memoryReport().wasmHeapBytes).toBeUndefined();
  });
});
