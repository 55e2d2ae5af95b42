import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { gelu, layerNorm, linear } from '@vjepa/vit';
import { beforeAll, describe, expect, it } from 'vitest';
import { erfApprox } from '../fused/gelu';
import { assertWasmInternals } from '../internals';
import { patchWasmForTraining } from '../patch';
import { maxAbsDiff, runOn, seededValues } from '../test-helpers';
import { KERNELS_C_SHA256 } from './kernels-wasm';
import { simdKernelsActive } from './simd-kernels';

beforeAll(async () => {
  await tf.setBackend('wasm');
  patchWasmForTraining();
});

const run = (name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, number | boolean> = {}) => tf.engine().runKernel(name, inputs, attrs as never) as tf.Tensor | tf.Tensor[];

/** GELU and its derivative in float64 with tfjs's erf approximation (what every backend computes). */
const Phi = (x: number) => 0.5 * (1 + erfApprox(x * Math.SQRT1_2));
const geluRef = (x: number) => (x >= 8 ? x : x <= -8 ? 0 : x * Phi(x));
const geluGradRef = (x: number) => (x >= 8 ? 1 : x <= -8 ? 0 : Phi(x) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI));

describe('wasm SIMD kernels (kernels.c on the tfjs heap)', () => {
  it('are built from the current kernels.c and run on this Node', () => {
    const source = readFileSync(new URL('./kernels.c', import.meta.url));
    expect(createHash('sha256').update(source).digest('hex'), 'kernels.c changed: run node packages/backends/scripts/build-simd.mjs').toBe(KERNELS_C_SHA256);
    expect(simdKernelsActive(assertWasmInternals(tf.backend()))).toBe(true);
  });

  it('GELU and its gradient: float32-accurate everywhere, saturation, infinities, NaN, every tail length', () => {
    const special = [0, -0, 1e-30, -1e-30, 0.5, -0.5, 3, -3, 7.999, -7.999, 8, -8, 8.001, -8.001, 40, -40, 1e30, -1e30, Infinity, -Infinity, NaN];
    for (const n of [special.length, 1, 2, 3, 5, 4099]) {
      const values = Float32Array.from({ length: n }, (_, i) => (i < special.length ? special[i] : 12 * (seededValues(1, i)[0] - 0.5)));
      const x = tf.tensor1d(values);
      const dy = tf.onesLike(x);
      const y = (run('VjepaGelu', { x }) as tf.Tensor).dataSync();
      const g = (run('VjepaGeluGrad', { x, dy }) as tf.Tensor).dataSync();
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (Number.isNaN(v)) {
          expect(y[i]).toBeNaN();
          expect(g[i]).toBeNaN();
          continue;
        }
        const ry = geluRef(v);
        const rg = geluGradRef(v);
        if (!Number.isFinite(v)) {
          expect([y[i], g[i]], `gelu at ${v}`).toEqual([ry, rg]);
          continue;
        }
        expect(Math.abs(y[i] - ry), `gelu(${v}) = ${y[i]}, float64 ${ry}`).toBeLessThanOrEqual(4e-7 * Math.max(1, Math.abs(ry)));
        expect(Math.abs(g[i] - rg), `gelu'(${v}) = ${g[i]}, float64 ${rg}`).toBeLessThanOrEqual(6e-7 * Math.max(1, Math.abs(rg)));
      }
      tf.dispose([x, dy]);
    }
  });

  it('layer norm (affine and not) with rows not a multiple of 4 wide, values and gradients, against cpu', async () => {
    for (const d of [5, 13, 50, 96]) {
      const f = (x: tf.Tensor, gm: tf.Tensor, b: tf.Tensor) => layerNorm(tf.add(tf.mul(x, 3), 1), gm, b, 1e-6);
      const check = async (affine: boolean) => {
        const grads = () => {
          const x = tf.tensor(seededValues(7 * d, d), [7, d]);
          const gm = tf.tensor(seededValues(d, d + 1), [d]);
          const b = tf.tensor(seededValues(d, d + 2), [d]);
          const w = tf.tensor(seededValues(7 * d, d + 3), [7, d]);
          const loss = (xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(affine ? f(xx, gg, bb) : layerNorm(tf.mul(xx, 3), null, null, 1e-5), w));
          const y = affine ? f(x, gm, b) : layerNorm(tf.mul(x, 3), null, null, 1e-5);
          return [y, ...(affine ? tf.grads(loss)([x, gm, b]) : tf.grads((xx: tf.Tensor) => loss(xx, gm, b))([x]))];
        };
        const cpu = await runOn('cpu', grads);
        const wasm = await runOn('wasm', grads);
        cpu.forEach((c, i) => expect(maxAbsDiff(c, wasm[i]), `d ${d}, affine ${affine}, output ${i}`).toBeLessThan(2e-5));
      };
      await check(true);
      await check(false);
    }
  });

  it('transpose (the fused kernels\' helper) and the bias gradient column sums, odd shapes, against cpu', async () => {
    for (const [rows, inDim, outDim] of [
      [1, 3, 5],
      [7, 9, 6],
      [33, 17, 10],
    ]) {
      const grads = () => {
        const x = tf.tensor(seededValues(rows * inDim, rows), [rows, inDim]);
        const w = tf.tensor(seededValues(outDim * inDim, inDim), [outDim, inDim]);
        const b = tf.tensor(seededValues(outDim, outDim), [outDim]);
        const wt = tf.tensor(seededValues(rows * outDim, 5), [rows, outDim]);
        return [linear(x, w, b), ...tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(linear(xx, ww, bb), wt)))([x, w, b])];
      };
      const cpu = await runOn('cpu', grads);
      const wasm = await runOn('wasm', grads);
      cpu.forEach((c, i) => expect(maxAbsDiff(c, wasm[i]), `[${rows}, ${inDim}] -> ${outDim}, output ${i}`).toBeLessThan(1e-5));
    }
  });

  it('AdamW and EMA on every tail length, against the float64 formulas', () => {
    const a = { decay: 0.9996, beta1: 0.9, beta2: 0.999, stepSize: 1e-3 / 0.19, bc2Sqrt: Math.sqrt(1 - 0.999 ** 2), eps: 1e-8 };
    for (const n of [1, 3, 7, 4099]) {
      const [p, g, m, v] = [1, 2, 3, 4].map((s) => seededValues(n, s + n));
      v.forEach((x, i) => (v[i] = Math.abs(x) * 1e-3));
      const ts = [p, g, m, v].map((x) => tf.tensor1d(x));
      const out = (run('VjepaAdamW', { param: ts[0], grad: ts[1], m: ts[2], v: ts[3] }, a) as tf.Tensor[]).map((t) => t.dataSync());
      const ema = (run('VjepaEma', { target: ts[0], online: ts[1] }, { momentum: 0.996, rest: 0.004 }) as tf.Tensor).dataSync();
      for (let i = 0; i < n; i++) {
        const m1 = Math.fround(m[i] + (g[i] - m[i]) * (1 - a.beta1));
        const v1 = Math.fround(v[i] * a.beta2 + g[i] * g[i] * (1 - a.beta2));
        const p1 = p[i] * a.decay - (m1 / (Math.sqrt(v1) / a.bc2Sqrt + a.eps)) * a.stepSize;
        expect(Math.abs(out[1][i] - m1), `m[${i}] of ${n}`).toBeLessThanOrEqual(1e-7 * Math.max(1, Math.abs(m1)));
        expect(Math.abs(out[2][i] - v1), `v[${i}] of ${n}`).toBeLessThanOrEqual(1e-9 + 1e-6 * v1);
        expect(Math.abs(out[0][i] - p1), `p[${i}] of ${n}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(p1)));
        expect(Math.abs(ema[i] - (p[i] * 0.996 + g[i] * 0.004)), `ema[${i}] of ${n}`).toBeLessThanOrEqual(2e-7);
      }
      tf.dispose(ts);
    }
  });

  it('small matrix products (every row and column tail of the 4x8 blocks, batched and broadcast), against cpu', async () => {
    for (const [m, k, n] of [
      [1, 1, 1],
      [3, 7, 5],
      [4, 3, 8],
      [5, 9, 13],
      [9, 16, 12],
    ]) {
      const f = () => {
        const a = tf.tensor(seededValues(2 * m * k, m), [2, m, k]);
        const b = tf.tensor(seededValues(k * n, n), [k, n]);
        const b2 = tf.tensor(seededValues(2 * n * k, k), [2, n, k]);
        return [tf.matMul(a, b), tf.matMul(a, b2, false, true), tf.matMul(tf.reshape(a, [2 * m, k]), b)];
      };
      const cpu = await runOn('cpu', f);
      const wasm = await runOn('wasm', f);
      cpu.forEach((c, i) => expect(maxAbsDiff(c, wasm[i]), `[${m}, ${k}] x [${k}, ${n}], case ${i}`).toBeLessThan(1e-5));
    }
  });

  it('leave no tensors behind', () => {
    const x = tf.tensor(seededValues(6 * 10, 3), [6, 10]);
    const g = tf.ones([10]);
    const b = tf.zeros([10]);
    const step = () => tf.tidy(() => tf.grads((xx: tf.Tensor) => tf.sum(gelu(layerNorm(xx, g, b, 1e-6))))([x]));
    tf.dispose(step());
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose(step());
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, g, b]);
  });
});
