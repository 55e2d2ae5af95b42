import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '@vjepa/errors';
import { beforeAll, describe, expect, it } from 'vitest';
import { featureSpread, meanSquaredError, regressionLoss, varianceRegulariser } from './losses';
import { normalizedPixelTargets } from './pixels';
import { gatherTokens } from '@vjepa/vit';
import { layerNormNoParams } from './tokens';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const scalar = async (t: tf.Tensor) => {
  const v = (await t.data())[0];
  t.dispose();
  return v;
};

describe('losses', () => {
  it('computes mean(|d|^p)/p and MSE', async () => {
    const pred = tf.tensor3d([[[1, 2], [3, 4]]]);
    const tgt = tf.tensor3d([[[0, 2], [5, 4]]]); // |d| = 1, 0, 2, 0
    expect(await scalar(regressionLoss(pred, tgt))).toBeCloseTo(3 / 4, 6);
    expect(await scalar(regressionLoss(pred, tgt, 2))).toBeCloseTo(5 / 4 / 2, 6);
    expect(await scalar(meanSquaredError(pred, tgt))).toBeCloseTo(5 / 4, 6);
    expect(() => regressionLoss(pred, tf.zeros([1, 2, 3]))).toThrow(ShapeError);
    tf.dispose([pred, tgt]);
  });

  it('matches the reference variance regulariser (unbiased var over tokens, +1e-4, averaged over types)', async () => {
    // One sample, 3 tokens, 1 feature: values 0, 1, 2 -> unbiased var 1; and 0, 0, 0 -> var 0.
    const a = tf.tensor3d([[[0], [1], [2]]]);
    const b = tf.tensor3d([[[0], [0], [0]]]);
    const pstd = (Math.sqrt(1 + 1e-4) + Math.sqrt(0 + 1e-4)) / 2;
    expect(await scalar(varianceRegulariser([a, b]))).toBeCloseTo(Math.max(0, 1 - pstd), 6);
    expect(await scalar(featureSpread([a, b]))).toBeCloseTo(0.5, 6);
    tf.dispose([a, b]);
  });
});

describe('tokens', () => {
  it('layer-norms without parameters at eps 1e-5 and gathers per sample', async () => {
    const x = tf.tensor3d([[[1, 3], [2, 2]], [[0, 4], [5, 7]]]); // [2, 2, 2]
    const y = layerNormNoParams(x);
    const v = await y.data();
    expect(v[0]).toBeCloseTo(-1 / Math.sqrt(1 + 1e-5), 6);
    expect(v[2]).toBeCloseTo(0, 6); // constant row -> 0
    const g = gatherTokens(x, tf.tensor2d([[1], [0]], [2, 1], 'int32'));
    expect(Array.from(await g.data())).toEqual([2, 2, 0, 4]);
    tf.dispose([x, y, g]);
  });
});

describe('normalizedPixelTargets', () => {
  it('cuts tubelet patches in time-major token order and normalises each patch per channel', async () => {
    // [1, T=4, H=4, W=4, C=3] with value = t*100 + y*10 + x (+ channel * 1000)
    const vals: number[] = [];
    for (let t = 0; t < 4; t++) for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) for (let c = 0; c < 3; c++) vals.push(t * 100 + y * 10 + x + c * 1000);
    const clips = tf.tensor5d(vals, [1, 4, 4, 4, 3]);
    const out = normalizedPixelTargets(clips, 2, 2);
    expect(out.shape).toEqual([1, 2 * 2 * 2, 2 * 2 * 2 * 3]);
    const d = await out.array() as number[][][];
    // token 3 = (t' 0, h' 1, w' 1); its first pixel is frame 0, row 2, col 2; patch mean is at t 0.5, y 2.5, x 2.5.
    const token = d[0][3];
    const patchVals = [0, 1].flatMap((t) => [2, 3].flatMap((y) => [2, 3].map((x) => t * 100 + y * 10 + x)));
    const mean = patchVals.reduce((s, v) => s + v, 0) / 8;
    const sd = Math.sqrt(patchVals.reduce((s, v) => s + (v - mean) ** 2, 0) / 8 + 1e-6);
    expect(token[0]).toBeCloseTo((patchVals[0] - mean) / sd, 5); // pixel 0, channel 0
    expect(token[1]).toBeCloseTo((patchVals[0] - mean) / sd, 5); // channel 1 normalised on its own
    expect(token[3 * 7]).toBeCloseTo((patchVals[7] - mean) / sd, 5); // last pixel (t 1, y 3, x 3)
    tf.dispose([clips, out]);
  });
});
