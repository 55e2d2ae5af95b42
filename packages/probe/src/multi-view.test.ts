import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { DataError, ShapeError } from '@vjepa/errors';
import { beforeAll, describe, expect, it } from 'vitest';
import { AttentiveProbe } from './attentive-probe';
import { averageViewProbabilities, concatSegments, multiViewProbabilities } from './multi-view';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const softmax = (row: number[]) => {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

describe('multi-view and multi-segment testing', () => {
  it('averages the softmaxes of the views (not the logits)', async () => {
    const a = [[2, 0, -1], [0, 0, 0]];
    const b = [[-1, 3, 0], [5, -5, 0]];
    const probs = averageViewProbabilities([tf.tensor2d(a), tf.tensor2d(b)]);
    const got = await probs.array();
    for (let i = 0; i < 2; i++) {
      const expected = softmax(a[i]).map((v, c) => (v + softmax(b[i])[c]) / 2);
      got[i].forEach((v, c) => expect(v).toBeCloseTo(expected[c], 6));
    }
    // averaging logits would give a different answer for row 0
    const logitAvg = softmax(a[0].map((v, c) => (v + b[0][c]) / 2));
    expect(Math.abs(got[0][0] - logitAvg[0])).toBeGreaterThan(1e-3);
    probs.dispose();
  });

  it('concatenates segments along the token axis', async () => {
    const s0 = tf.ones([2, 3, 4]);
    const s1 = tf.zeros([2, 5, 4]);
    const cat = concatSegments([s0, s1]);
    expect(cat.shape).toEqual([2, 8, 4]);
    expect(await tf.sum(tf.slice(cat, [0, 3, 0], [2, 5, 4])).data()).toEqual(new Float32Array([0]));
    expect(() => concatSegments([s0, tf.zeros([2, 3, 5])])).toThrow(ShapeError);
    tf.dispose([s0, s1, cat]);
  });

  it('multiViewProbabilities = mean over views of softmax(probe(concat(segments)))', async () => {
    const probe = new AttentiveProbe({ embedDim: 8, numHeads: 2, numClasses: 4, seed: 3 });
    const views = [0, 1, 2].map((v) => [0, 1].map((s) => tf.randomNormal([2, 3, 8], 0, 1, 'float32', 10 * v + s)));
    const got = multiViewProbabilities(probe, views);
    const expected = tf.tidy(() => tf.div(tf.addN(views.map((segs) => tf.softmax(probe.apply(tf.concat(segs, 1))))), 3));
    const diff = await tf.max(tf.abs(tf.sub(got, expected))).data();
    expect(diff[0]).toBeLessThan(1e-6);
    const before = tf.memory().numTensors;
    multiViewProbabilities(probe, views).dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => multiViewProbabilities(probe, [views[0], [views[1][0]]])).toThrow(DataError);
    tf.dispose([got, expected, ...views.flat()]);
    probe.dispose();
  });
});
