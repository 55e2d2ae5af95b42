import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError } from '@vjepa/errors';
import { beforeAll, describe, expect, it } from 'vitest';
import { emaUpdate } from './ema';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('emaUpdate', () => {
  it('moves the target toward the online weights by exactly 1 - m', async () => {
    const t = tf.variable(tf.tensor2d([[1, 2], [3, 4]]));
    const e = tf.variable(tf.tensor2d([[0, 10], [-3, 4]]));
    const before = tf.memory().numTensors;
    emaUpdate({ w: t }, { w: e }, 0.75);
    expect(tf.memory().numTensors).toBe(before);
    const got = Array.from(await t.data());
    const want = [1 * 0.75 + 0, 2 * 0.75 + 10 * 0.25, 3 * 0.75 - 3 * 0.25, 4];
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 6));
    expect(Array.from(await e.data())).toEqual([0, 10, -3, 4]); // online untouched
    emaUpdate({ w: t }, { w: e }, 1);
    expect(Array.from(await t.data())).toEqual(got); // m = 1 freezes the target
    emaUpdate({ w: t }, { w: e }, 0);
    expect(Array.from(await t.data())).toEqual([0, 10, -3, 4]); // m = 0 copies
    t.dispose();
    e.dispose();
  });

  it('rejects mismatched names, shapes and momenta', () => {
    const a = tf.variable(tf.zeros([2]));
    const b = tf.variable(tf.zeros([3]));
    expect(() => emaUpdate({ w: a }, { w: b }, 0.9)).toThrow(ShapeError);
    expect(() => emaUpdate({ w: a }, { v: a }, 0.9)).toThrow(/missing in online: \[w\]/);
    expect(() => emaUpdate({ w: a }, { w: a }, 1.5)).toThrow(ConfigError);
    a.dispose();
    b.dispose();
  });
});
