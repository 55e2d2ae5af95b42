import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { gatherTokens } from './gather-tokens';
import { gelu } from './gelu';
import { layerNorm } from './layer-norm';
import { linear } from './linear';
import { maxAbsDiff, seededValues, useCpu } from './test-utils';

beforeAll(useCpu);

describe('primitives', () => {
  it('linear uses the PyTorch [out, in] layout, or a pre-transposed [in, out] weight', async () => {
    const x = tf.tensor3d(seededValues(2 * 3 * 4, 1), [2, 3, 4]);
    const w = tf.tensor2d(seededValues(5 * 4, 2), [5, 4]);
    const b = tf.tensor1d(seededValues(5, 3));
    const y = linear(x, w, b);
    expect(y.shape).toEqual([2, 3, 5]);
    const xd = await x.data();
    const wd = await w.data();
    const bd = await b.data();
    const yd = await y.data();
    // out[0, 1, 2] = sum_i x[0, 1, i] * w[2, i] + b[2]
    let ref = bd[2];
    for (let i = 0; i < 4; i++) ref += xd[4 + i] * wd[2 * 4 + i];
    expect(yd[1 * 5 + 2]).toBeCloseTo(ref, 5);
    const yt = linear(x, tf.transpose(w), b, { transposed: true });
    expect(maxAbsDiff(await yt.data(), yd)).toBeLessThan(1e-6);
    tf.dispose([x, w, b, y, yt]);
  });

  it('layerNorm normalises the last axis (biased variance, eps) and applies gamma/beta', async () => {
    const x = tf.tensor2d([1, 2, 3, 4, -2, 0, 2, 4], [2, 4]);
    const y = await layerNorm(x).data();
    const m = 2.5;
    const v = (1.5 ** 2 + 0.5 ** 2) / 2;
    expect(y[0]).toBeCloseTo((1 - m) / Math.sqrt(v + 1e-6), 5);
    const g = tf.tensor1d([2, 2, 2, 2]);
    const b = tf.tensor1d([1, 1, 1, 1]);
    const y2 = await layerNorm(x, g, b, 1e-6).data();
    expect(y2[0]).toBeCloseTo(2 * y[0] + 1, 5);
    tf.dispose([x, g, b]);
  });

  it('gelu is the exact erf form', async () => {
    const y = await gelu(tf.tensor1d([-1, 0, 1, 3])).data();
    expect(y[0]).toBeCloseTo(-0.15865525, 6);
    expect(y[1]).toBe(0);
    expect(y[2]).toBeCloseTo(0.84134475, 6);
    expect(y[3]).toBeCloseTo(2.99595031, 5); // tanh approximation gives 2.99636
  });

  it('gatherTokens picks rows per sample and its gradient scatters back (UnsortedSegmentSum)', async () => {
    const x = tf.tensor3d(seededValues(2 * 4 * 3, 4), [2, 4, 3]);
    const idx = tf.tensor2d([3, 3, 0, 1, 2, 1], [2, 3], 'int32');
    const y = gatherTokens(x, idx);
    expect(y.shape).toEqual([2, 3, 3]);
    const xd = await x.data();
    const yd = await y.data();
    expect(Array.from(yd.slice(0, 3))).toEqual(Array.from(xd.slice(9, 12))); // b0 token 3
    expect(Array.from(yd.slice(9, 12))).toEqual(Array.from(xd.slice(12 + 3, 12 + 6))); // b1 token 1
    const g = await tf.grad((t: tf.Tensor) => tf.sum(gatherTokens(t, idx)))(x).data();
    // b0 = [3, 3, 0]: token 3 twice, token 0 once; b1 = [1, 2, 1]: token 1 twice, token 2 once
    expect(Array.from(g.filter((_, i) => i % 3 === 0))).toEqual([1, 0, 0, 2, 0, 2, 1, 0]);
    tf.dispose([x, idx, y]);
  });
});
