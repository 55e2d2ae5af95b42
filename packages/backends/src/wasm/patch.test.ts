import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { beforeAll, describe, expect, it } from 'vitest';
import { patchWasmForTraining, restoreStockWasmKernels, wasmPatchState } from './patch';
import { backendBuffers, maxAbsDiff, runOn, seededValues } from './test-helpers';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

// A miniature of the V-JEPA step: gather tokens, project, batched attention-like products with
// transposes, L1 loss against a target.
const [B, N, D, K] = [2, 12, 8, 5];
const inputs = () => ({
  x: tf.tensor3d(seededValues(B * N * D, 1), [B, N, D]),
  w: tf.tensor2d(seededValues(D * D, 2), [D, D]),
  target: tf.tensor3d(seededValues(B * K * D, 3), [B, K, D]),
  // Flat token ids into [B*N]: sample b keeps tokens idx + b*N.
  idx: tf.tensor1d([0, 3, 4, 7, 11, 12, 13, 17, 20, 23], 'int32'),
});

function loss(x: tf.Tensor, w: tf.Tensor, target: tf.Tensor, idx: tf.Tensor): tf.Scalar {
  const tokens = tf.reshape(tf.gather(tf.reshape(x, [B * N, D]), idx), [B, K, D]); // [B, K, D]
  const q = tf.matMul(tf.reshape(tokens, [B * K, D]), w); // [B*K, D]
  const q3 = tf.reshape(q, [B, K, D]);
  const att = tf.matMul(q3, tokens, false, true); // [B, K, K]
  const mixed = tf.matMul(att, q3); // [B, K, D]
  const back = tf.matMul(w, tf.reshape(mixed, [B * K, D]), true, true); // [D, B*K]
  return tf.mean(tf.abs(tf.sub(tf.reshape(tf.transpose(back), [B, K, D]), target)));
}

const grads = () => {
  const { x, w, target, idx } = inputs();
  const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => loss(a, b, target, idx))([x, w]);
  return [loss(x, w, target, idx), ...g];
};

describe('patchWasmForTraining', () => {
  it('replaces BatchMatMul and Slice, adds UnsortedSegmentSum, and restores the stock kernels', () => {
    restoreStockWasmKernels();
    const stockMatMul = tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc;
    const stockSlice = tf.getKernel('Slice', 'wasm')!.kernelFunc;
    const stockTranspose = tf.getKernel('Transpose', 'wasm')!.kernelFunc;
    const stockSplitV = tf.getKernel('SplitV', 'wasm')!.kernelFunc;
    expect(tf.getKernel('UnsortedSegmentSum', 'wasm')).toBeUndefined();
    expect(patchWasmForTraining()).toEqual({ segmentSum: true, matMul: true, slice: true, transpose: true, identity: true, fused: true });
    expect(patchWasmForTraining()).toEqual({ segmentSum: true, matMul: true, slice: true, transpose: true, identity: true, fused: true }); // idempotent
    expect(tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc).not.toBe(stockMatMul);
    expect(tf.getKernel('Slice', 'wasm')!.kernelFunc).not.toBe(stockSlice);
    expect(tf.getKernel('Transpose', 'wasm')!.kernelFunc).not.toBe(stockTranspose);
    expect(tf.getKernel('SplitV', 'wasm')!.kernelFunc).not.toBe(stockSplitV);
    expect(tf.getKernel('UnsortedSegmentSum', 'wasm')).toBeDefined();
    expect(patchWasmForTraining({ slice: false })).toEqual({ segmentSum: true, matMul: true, slice: false, transpose: true, identity: true, fused: true });
    expect(tf.getKernel('Slice', 'wasm')!.kernelFunc).toBe(stockSlice);
    expect(tf.getKernel('SplitV', 'wasm')!.kernelFunc).toBe(stockSplitV);
    restoreStockWasmKernels();
    expect(wasmPatchState()).toEqual({ segmentSum: false, matMul: false, slice: false, transpose: false, identity: false, fused: false });
    expect(tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc).toBe(stockMatMul);
    expect(tf.getKernel('Transpose', 'wasm')!.kernelFunc).toBe(stockTranspose);
    expect(tf.getKernel('UnsortedSegmentSum', 'wasm')).toBeUndefined();
  });

  it('without it, gradients through tf.gather fail on wasm', async () => {
    restoreStockWasmKernels();
    await tf.setBackend('wasm');
    expect(() => tf.tidy(grads)).toThrow(/UnsortedSegmentSum/);
  });

  it('with it, loss and gradients (gather, transposed and batched matmuls) match cpu within 1e-5', async () => {
    patchWasmForTraining();
    const cpu = await runOn('cpu', grads);
    const wasm = await runOn('wasm', grads);
    expect(wasm.map((v) => v.length)).toEqual([1, B * N * D, D * D]);
    const diffs = wasm.map((v, i) => maxAbsDiff(v, cpu[i]));
    expect(Math.max(...diffs)).toBeLessThan(1e-5);
    // The gather gradient is zero exactly on the tokens that were not gathered.
    expect(Array.from(wasm[1].slice(D, 2 * D))).toEqual(new Array(D).fill(0));
  });

  it('trains: Adam lowers the loss on wasm, with no tensors leaked per step', async () => {
    patchWasmForTraining();
    await tf.setBackend('wasm');
    const { x, target, idx } = inputs();
    const w = tf.variable(tf.tensor2d(seededValues(D * D, 2), [D, D]));
    const opt = tf.train.adam(0.05);
    const step = () => {
      const cost = opt.minimize(() => loss(x, w, target, idx), true, [w])!;
      const value = cost.dataSync()[0];
      cost.dispose();
      return value;
    };
    const first = step();
    const tensors = tf.memory().numTensors;
    const buffers = backendBuffers();
    let last = first;
    for (let i = 0; i < 30; i++) last = step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backendBuffers()).toBe(buffers);
    expect(last).toBeLessThan(first * 0.8);
    opt.dispose();
    tf.dispose([x, w, target, idx]);
  });
});
