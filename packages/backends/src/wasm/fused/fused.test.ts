import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { AdamW, emaUpdate } from '@vjepa/optim';
import { gelu, layerNorm, linear, scaledDotProductAttention } from '@vjepa/vit';
import { beforeAll, describe, expect, it } from 'vitest';
import { patchWasmForTraining, wasmPatchState } from '../patch';
import { backendBuffers, maxAbsDiff, runOn, seededValues } from '../test-helpers';

beforeAll(async () => {
  await tf.setBackend('wasm');
  patchWasmForTraining();
});

/** Values and gradients of `f` (with a seeded weighting of its output) on cpu (composed ops) and wasm (fused kernels). */
async function compare(shapes: number[][], f: (...xs: tf.Tensor[]) => tf.Tensor, seed = 1): Promise<{ value: number; grads: number[]; scale: number }> {
  const run = () => {
    const xs = shapes.map((s, i) => tf.tensor(seededValues(s.reduce((a, b) => a * b, 1), seed + i), s));
    const y = f(...xs);
    const w = tf.tensor(seededValues(y.size, seed + 99), y.shape);
    const grads = tf.grads((...ys: tf.Tensor[]) => tf.sum(tf.mul(f(...ys), w)))(xs);
    return [y, ...grads];
  };
  const cpu = await runOn('cpu', run);
  const wasm = await runOn('wasm', run);
  const scale = Math.max(...cpu.map((a) => a.reduce((m, x) => Math.max(m, Math.abs(x)), 0)));
  return { value: maxAbsDiff(cpu[0], wasm[0]), grads: cpu.slice(1).map((c, i) => maxAbsDiff(c, wasm[i + 1])), scale };
}

describe('fused wasm kernels against the composed ops on cpu', () => {
  it('are registered by patchWasmForTraining and run in the library seams', async () => {
    expect(wasmPatchState().fused).toBe(true);
    for (const name of ['VjepaLinear', 'VjepaLinearGrad', 'VjepaLayerNorm', 'VjepaLayerNormGrad', 'VjepaGelu', 'VjepaGeluGrad', 'VjepaFusedAttention', 'VjepaFusedAttentionGrad', 'VjepaAdamW', 'VjepaEma']) {
      expect(tf.getKernel(name, 'wasm'), name).toBeDefined();
    }
    const x = tf.ones([2, 3, 8]);
    const gamma = tf.ones([8]);
    const beta = tf.zeros([8]);
    const info = await tf.profile(() => gelu(layerNorm(x, gamma, beta)));
    expect(info.kernelNames).toEqual(expect.arrayContaining(['VjepaLayerNorm', 'VjepaGelu']));
    expect(info.kernelNames).not.toContain('Erf');
    tf.dispose([x, gamma, beta, info.result as tf.Tensor]);
  });

  it('layer norm with gain and bias: values and gradients of x, gamma, beta', async () => {
    const r = await compare([[3, 5, 48], [48], [48]], (x, g, b) => layerNorm(tf.mul(x, 3), g, b, 1e-6));
    expect(r.value).toBeLessThan(1e-5);
    for (const g of r.grads) expect(g).toBeLessThan(1e-4);
  });

  it('parameter-free layer norm (the targets)', async () => {
    const r = await compare([[4, 7, 32]], (x) => layerNorm(tf.add(x, 2), null, null, 1e-5));
    expect(r.value).toBeLessThan(1e-5);
    expect(r.grads[0]).toBeLessThan(1e-4);
  });

  it('linear with and without bias, any leading axes: values and gradients of x, W, b', async () => {
    const r = await compare([[2, 5, 24], [40, 24], [40]], (x, w, b) => linear(x, w, b));
    expect(r.value).toBeLessThan(1e-5);
    for (const g of r.grads) expect(g).toBeLessThan(1e-4);
    const r2 = await compare([[7, 24], [16, 24]], (x, w) => linear(x, w));
    expect(r2.value).toBeLessThan(1e-5);
    for (const g of r2.grads) expect(g).toBeLessThan(1e-4);
  });

  it('GELU, including saturated inputs', async () => {
    const r = await compare([[6, 40]], (x) => gelu(tf.mul(x, 9)));
    expect(r.value).toBeLessThan(1e-5);
    expect(r.grads[0]).toBeLessThan(1e-5);
  });

  it('attention (q, k, v of different lengths and head dims), values and gradients', async () => {
    for (const [b, h, m, n, hd] of [
      [2, 3, 7, 7, 8],
      [1, 2, 5, 9, 16],
    ]) {
      const r = await compare([[b, h, m, hd], [b, h, n, hd], [b, h, n, hd]], (q, k, v) => scaledDotProductAttention(tf.mul(q, 2), k, v, 1 / Math.sqrt(hd)));
      expect(r.value).toBeLessThan(1e-5);
      for (const g of r.grads) expect(g).toBeLessThan(1e-4);
    }
  });

  it('AdamW (both groups) and EMA updates match the composed updates', async () => {
    const step = () => {
      const w = tf.variable(tf.tensor(seededValues(40, 7), [5, 8]));
      const bias = tf.variable(tf.tensor(seededValues(8, 8), [8]));
      const opt = new AdamW([{ name: 'decay', params: new Map([['w', w]]) }, { name: 'no_decay', params: new Map([['b', bias]]), weightDecay: 0, wdExclude: true }], { lr: 1e-2, weightDecay: 0.05 });
      for (let i = 0; i < 3; i++) {
        const gw = tf.tensor(seededValues(40, 20 + i), [5, 8]);
        const gb = tf.tensor(seededValues(8, 30 + i), [8]);
        opt.applyGradients(new Map([['w', gw], ['b', gb]]));
        tf.dispose([gw, gb]);
      }
      const target = tf.variable(tf.tensor(seededValues(40, 9), [5, 8]));
      emaUpdate(new Map([['w', target]]), new Map([['w', w]]), 0.99);
      const out = [w.clone(), bias.clone(), target.clone()];
      opt.dispose();
      tf.dispose([w, bias, target]);
      return out;
    };
    const cpu = await runOn('cpu', step);
    const wasm = await runOn('wasm', step);
    for (let i = 0; i < cpu.length; i++) expect(maxAbsDiff(cpu[i], wasm[i])).toBeLessThan(1e-6);
  });

  it('leave no tensors or heap buffers behind', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor(seededValues(2 * 2 * 6 * 8, 3), [2, 2, 6, 8]);
    const g = tf.ones([8]);
    const round = () => {
      const grads = tf.grads((a: tf.Tensor) => tf.sum(gelu(layerNorm(scaledDotProductAttention(a, a, a, 0.3), g, g))))([x]);
      tf.dispose(grads);
    };
    round();
    const tensors = tf.memory().numTensors;
    const buffers = backendBuffers();
    for (let i = 0; i < 3; i++) round();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backendBuffers()).toBe(buffers);
    tf.dispose([x, g]);
  });
});
