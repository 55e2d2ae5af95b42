import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { patchWasmForTraining, restoreStockWasmKernels } from './patch';
import { backendBuffers, maxAbsDiff, runOn, seededValues } from './test-helpers';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

interface Case {
  a: number[];
  b: number[];
  tA: boolean;
  tB: boolean;
}

// Shapes are given as stored (already transposed where the flag is set).
const cases: Case[] = [];
for (const tA of [false, true]) {
  for (const tB of [false, true]) {
    const [m, k, n] = [13, 37, 9];
    const a2 = tA ? [k, m] : [m, k];
    const b2 = tB ? [n, k] : [k, n];
    cases.push({ a: a2, b: b2, tA, tB }); // 2-D
    cases.push({ a: [5, ...a2], b: [5, ...b2], tA, tB }); // batched
    cases.push({ a: [2, 3, ...a2], b: [2, 3, ...b2], tA, tB }); // rank 4, like [B, heads, N, d]
    cases.push({ a: [4, ...a2], b: b2, tA, tB }); // batched a, shared 2-D b (x @ W)
    cases.push({ a: a2, b: [4, ...b2], tA, tB }); // shared 2-D a, batched b
    cases.push({ a: [1, ...a2], b: [1, ...b2], tA, tB }); // batch 1, rank 3
  }
}

const matMulOf = (c: Case, seed: number) => () =>
  tf.matMul(tf.tensor(seededValues(c.a.reduce((p, s) => p * s, 1), seed), c.a), tf.tensor(seededValues(c.b.reduce((p, s) => p * s, 1), seed + 1), c.b), c.tA, c.tB);

describe('BatchMatMul on wasm (patched)', () => {
  it.each(cases.map((c, i) => [`a [${c.a}] b [${c.b}] transposeA ${c.tA} transposeB ${c.tB}`, c, i] as const))('matches cpu within 1e-5: %s', async (_, c, i) => {
    patchWasmForTraining();
    const f = matMulOf(c, 100 + i);
    const [cpu] = await runOn('cpu', f);
    const [wasm] = await runOn('wasm', f);
    expect(wasm.length).toBe(cpu.length);
    expect(maxAbsDiff(wasm, cpu)).toBeLessThan(1e-5);
  });

  // tfjs-backend-cpu 4.22 computes only max(batchA, batchB) products when both sides broadcast
  // ([2, 1] x [1, 3] gives 3 of the 6), so the reference tiles both operands to the full batch first.
  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('broadcasts batches [2, 1] x [1, 3] to 6 products (transposeA %s, transposeB %s)', async (tA, tB) => {
    patchWasmForTraining();
    const a = () => tf.tensor(seededValues(2 * 6 * 5, 3), tA ? [2, 1, 5, 6] : [2, 1, 6, 5]);
    const b = () => tf.tensor(seededValues(3 * 5 * 7, 4), tB ? [1, 3, 7, 5] : [1, 3, 5, 7]);
    const [ref] = await runOn('cpu', () => tf.matMul(tf.tile(a(), [1, 3, 1, 1]), tf.tile(b(), [2, 1, 1, 1]), tA, tB));
    const [wasm] = await runOn('wasm', () => tf.matMul(a(), b(), tA, tB));
    expect(wasm.length).toBe(6 * 6 * 7);
    expect(maxAbsDiff(wasm, ref)).toBeLessThan(1e-5);
  });

  it('gives the same output shape as cpu for broadcast batches', async () => {
    patchWasmForTraining();
    await tf.setBackend('wasm');
    const out = tf.tidy(() => tf.matMul(tf.ones([2, 3, 4, 5]), tf.ones([5, 6])));
    expect(out.shape).toEqual([2, 3, 4, 6]);
    expect((await out.data())[0]).toBe(5);
    out.dispose();
  });

  it('matches the stock wasm kernel it replaces', async () => {
    const c = { a: [3, 20, 11], b: [3, 16, 11], tA: false, tB: true };
    restoreStockWasmKernels();
    const [stock] = await runOn('wasm', matMulOf(c, 7));
    patchWasmForTraining();
    const [patched] = await runOn('wasm', matMulOf(c, 7));
    expect(maxAbsDiff(patched, stock)).toBeLessThan(1e-5);
  });

  it('frees its transposed copies and borrowed slice ids (buffers and tensors flat across calls)', async () => {
    patchWasmForTraining();
    await tf.setBackend('wasm');
    const a = tf.tensor3d(seededValues(6 * 8 * 10, 1), [6, 10, 8]);
    const b = tf.tensor3d(seededValues(6 * 12 * 10, 2), [6, 12, 10]);
    const step = () => tf.tidy(() => tf.sum(tf.matMul(a, b, true, true))).dispose();
    step();
    const buffers = backendBuffers();
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    expect(backendBuffers()).toBe(buffers);
    expect(tf.memory().numTensors).toBe(tensors);
    tf.dispose([a, b]);
  });

  it('rejects mismatched inner dimensions with a BackendError', async () => {
    patchWasmForTraining();
    await tf.setBackend('wasm');
    const a = tf.ones([2, 3, 4]);
    const b = tf.ones([2, 5, 6]);
    expect(() => tf.matMul(a, b, true, false)).toThrow(/inner/);
    tf.dispose([a, b]);
  });
});
