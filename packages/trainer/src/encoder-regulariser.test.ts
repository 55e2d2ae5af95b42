import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError } from '@vjepa/errors';
import { createRng } from '@vjepa/masking';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveTrainerConfig } from './config';
import { encoderVarianceCovariance } from './losses';
import { type MaskTensors, computeObjective, featureTargets, indexBatchTensor } from './objective';
import { createTrainer } from './trainer';
import { tinyClips, tinyMasking, tinyModels } from './test-helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('encoderVarianceCovariance', () => {
  it('matches a hand computation and rejects bad shapes', async () => {
    // [1, 4, 2]: feature 0 = 0, 0, 2, 2 (var 4/3), feature 1 = 1, -1, 1, -1 (var 4/3); cov = 0
    const z = tf.tensor3d([[[0, 1], [0, -1], [2, 1], [2, -1]]]);
    const { variance, covariance } = encoderVarianceCovariance([z]);
    expect((await variance.data())[0]).toBeCloseTo(0, 6); // std > 1: hinge is 0
    expect((await covariance.data())[0]).toBeCloseTo(0, 6);
    // collapsed tokens: std 0 -> hinge 1 - sqrt(1e-4) = 0.99
    const c = tf.ones([2, 3, 4]);
    const collapsed = encoderVarianceCovariance([c]);
    expect((await collapsed.variance.data())[0]).toBeCloseTo(0.99, 5);
    // perfectly correlated features: C = [[v, v], [v, v]] with v = 4/3 -> (2 v^2) / 2
    const w = tf.tensor3d([[[0, 0], [0, 0], [2, 2], [2, 2]]]);
    const corr = encoderVarianceCovariance([w]);
    expect((await corr.covariance.data())[0]).toBeCloseTo((4 / 3) ** 2, 5);
    expect(() => encoderVarianceCovariance([])).toThrow(ShapeError);
    expect(() => encoderVarianceCovariance([tf.zeros([2, 2])])).toThrow(ShapeError);
    tf.dispose([z, c, w, variance, covariance, collapsed.variance, collapsed.covariance, corr.variance, corr.covariance]);
  });
});

describe('encoder regulariser in the objective', () => {
  function setup() {
    const { encoder, predictor } = tinyModels(3);
    const target = encoder.clone({ trainable: false });
    const clips = tinyClips(2, 5);
    const masking = tinyMasking();
    const pairs = masking.sample({ grid: { t: 2, h: 4, w: 4 }, batchSize: 2, rng: createRng(9), step: 0 });
    const masks: MaskTensors[] = pairs.map((p, k) => ({ context: indexBatchTensor(p.context), target: indexBatchTensor(p.target), maskIndex: k }));
    const targets = featureTargets(target, clips, masks);
    const vars = [...encoder.variables().values()].filter((v) => v.trainable);
    const grads = (options: { encVarCoeff?: number; encCovCoeff?: number }) =>
      tf.variableGrads(() => {
        const out = computeObjective(encoder, predictor, clips, masks, targets, { objective: 'features', lossExp: 1, regCoeff: 1, ...options });
        tf.dispose([...out.perType, out.reg, out.spread, out.encVar, out.encCov]);
        return out.total;
      }, vars);
    const dispose = () => {
      tf.dispose([clips, ...targets, ...masks.flatMap((m) => [m.context, m.target])]);
      encoder.dispose();
      predictor.dispose();
      target.dispose();
    };
    return { grads, dispose };
  }

  it('weight 0 gives exactly the loss and gradients of the reference; a positive weight changes them; no leaks', async () => {
    const s = setup();
    const flat = async (r: { value: tf.Scalar; grads: tf.NamedTensorMap }) => {
      const names = Object.keys(r.grads).sort();
      const out = { loss: (await r.value.data())[0], g: await Promise.all(names.map(async (n) => Array.from(await r.grads[n].data()))) };
      tf.dispose([r.value, ...Object.values(r.grads)]);
      return out;
    };
    const ref = await flat(s.grads({}));
    const before = tf.memory().numTensors;
    const zero = await flat(s.grads({ encVarCoeff: 0, encCovCoeff: 0 }));
    expect(tf.memory().numTensors).toBe(before);
    expect(zero.loss).toBe(ref.loss);
    expect(zero.g).toEqual(ref.g);
    for (const opt of [{ encVarCoeff: 5 }, { encCovCoeff: 5 }]) {
      const on = await flat(s.grads(opt));
      expect(tf.memory().numTensors).toBe(before);
      expect(on.loss).toBeGreaterThan(ref.loss);
      const maxDiff = Math.max(...on.g.flatMap((g, i) => g.map((x, j) => Math.abs(x - ref.g[i][j]))));
      expect(maxDiff).toBeGreaterThan(1e-6);
    }
    s.dispose();
  });

  it('is validated by the config and logged by the trainer step', async () => {
    expect(resolveTrainerConfig({}).loss.encVarCoeff).toBe(0);
    expect(resolveTrainerConfig({}).loss.encCovCoeff).toBe(0);
    expect(() => resolveTrainerConfig({ loss: { encVarCoeff: -1 } })).toThrow(ConfigError);
    expect(() => resolveTrainerConfig({ loss: { encCovCoeff: Number.NaN } })).toThrow(ConfigError);
    const { encoder, predictor } = tinyModels(4);
    const config = { optimization: { epochs: 2, ipe: 2, warmupEpochs: 1 }, loss: { encVarCoeff: 2, encCovCoeff: 0.5 } };
    const trainer = createTrainer({ encoder, predictor, masking: tinyMasking(), config, seed: 1 });
    const clips = tinyClips(2, 1);
    const m0 = await trainer.step(clips);
    const n = tf.memory().numTensors;
    const m1 = await trainer.step(clips);
    expect(tf.memory().numTensors).toBe(n);
    for (const m of [m0, m1]) {
      expect(m.encVar).toBeGreaterThan(0);
      expect(m.encCov).toBeGreaterThanOrEqual(0);
      const jepa = m.lossPerType.reduce((a, b) => a + b, 0) / m.lossPerType.length;
      expect(m.loss).toBeCloseTo(jepa + 2 * m.encVar + 0.5 * m.encCov, 4);
    }
    clips.dispose();
    trainer.dispose();
    encoder.dispose();
    predictor.dispose();
  });
});

describe('encoderVarianceCovariance pooled over replicas', () => {
  it('equals the whole batch in value and in the gradient of this replica rows', async () => {
    // Two "replicas" of [2, 6, 5] tokens with a large common offset (float32 cancellation would show):
    // the pool adds the other replica's contribution, computed as its own trainer would.
    const full = tf.add(tf.randomNormal([4, 6, 5], 0, 1, 'float32', 7), 3); // [4, 6, 5]
    const mine = tf.slice(full, [0, 0, 0], [2, 6, 5]);
    const other = tf.slice(full, [2, 0, 0], [2, 6, 5]);
    const otherFlat = tf.reshape(other, [-1, 5]); // [12, 5]
    let calls = 0;
    const pool = (stats: tf.Tensor) => {
      calls += 1;
      if (stats.size === 5 + 1) return tf.add(stats, tf.concat([tf.sum(otherFlat, 0), tf.tensor1d([12])])); // count and sum
      // centred Gram + squares, centred on the pooled mean (the mean of all 24 tokens)
      const centred = tf.sub(otherFlat, tf.mean(tf.reshape(full, [-1, 5]), 0, true));
      return tf.add(stats, tf.concat([tf.reshape(tf.matMul(centred, centred, true, false), [-1]), tf.sum(tf.square(centred), 0)]));
    };
    const terms = (z: tf.Tensor, p?: typeof pool) => {
      const { variance, covariance } = encoderVarianceCovariance([z], 1e-4, p);
      return tf.add(tf.mul(variance, 25), covariance) as tf.Scalar;
    };
    const whole = tf.grad((z: tf.Tensor) => terms(z))(full); // [4, 6, 5]
    const pooled = tf.grad((z: tf.Tensor) => terms(z, pool))(mine); // [2, 6, 5]
    expect(calls).toBe(2);
    const expected = await terms(full).data();
    const got = await terms(mine, pool).data();
    expect(Math.abs(got[0] - expected[0]) / Math.abs(expected[0])).toBeLessThan(1e-5);
    const wantRows = tf.slice(whole, [0, 0, 0], [2, 6, 5]);
    const diff = (await tf.max(tf.abs(tf.sub(pooled, wantRows))).data())[0];
    const scale = (await tf.max(tf.abs(wantRows)).data())[0];
    expect(scale).toBeGreaterThan(0);
    expect(diff / scale).toBeLessThan(1e-4);
    tf.dispose([full, mine, other, otherFlat, whole, pooled, wantRows]);
  });
});
