import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, DataError, ShapeError } from '@vjepa/errors';
import { beforeAll, describe, expect, it } from 'vitest';
import { AttentiveProbe } from './attentive-probe';
import { evaluateProbe } from './evaluate-probe';
import type { FeatureProvider } from './features';
import { LinearProbe } from './linear-probe';
import { trainProbe, type EpochMetrics } from './train-probe';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Separable synthetic task: tokens of class c are noise plus a class-specific direction. */
function clusters(n: number, numClasses: number, tokens: number, dim: number, seed: number, centerSeed = seed) {
  const labels = Int32Array.from({ length: n }, (_, i) => i % numClasses);
  const features = tf.tidy(() => {
    const centers = tf.mul(tf.randomNormal([numClasses, dim], 0, 1, 'float32', centerSeed), 2); // [C, D]
    const perSample = tf.gather(centers, tf.tensor1d(labels, 'int32')); // [N, D]
    const noise = tf.randomNormal([n, tokens, dim], 0, 1, 'float32', seed + 1); // [N, T, D]
    return tf.add(noise, tf.expandDims(perSample, 1)) as tf.Tensor3D; // [N, T, D]
  });
  return { features, labels };
}

describe('trainProbe', () => {
  it('learns a separable task with the attentive probe (seeded, > 0.9)', async () => {
    const train = clusters(96, 3, 6, 16, 10);
    const test = clusters(48, 3, 6, 16, 20, 10); // same class centres, new noise
    const probe = new AttentiveProbe({ embedDim: 16, numHeads: 2, numClasses: 3, seed: 1 }); // reference defaults: lr 1e-3, wd 0.01, clip 1
    const before = await evaluateProbe(probe, test.features, test.labels);
    const { epochs, steps } = await trainProbe(probe, train.features, train.labels, { epochs: 5, batchSize: 16, seed: 3 });
    expect(steps).toBe(5 * 6);
    expect(epochs).toHaveLength(5);
    expect(epochs[4].loss).toBeLessThan(epochs[0].loss);
    const after = await evaluateProbe(probe, test.features, test.labels);
    expect(before.accuracy).toBeLessThan(0.9);
    expect(after.accuracy).toBeGreaterThan(0.9);
    expect(epochs[4].lr).toBe(0); // cosine reaches 0 at the last step
    tf.dispose([train.features, test.features]);
    probe.dispose();
  });

  it('learns with the linear probe on mean-pooled tokens', async () => {
    const train = clusters(60, 4, 5, 8, 30);
    const probe = new LinearProbe({ embedDim: 8, numClasses: 4, seed: 2 });
    await trainProbe(probe, train.features, train.labels, { epochs: 10, batchSize: 20, lr: 5e-2, seed: 0 });
    const { accuracy } = await evaluateProbe(probe, train.features, train.labels);
    expect(accuracy).toBeGreaterThan(0.9);
    train.features.dispose();
    probe.dispose();
  });

  it('is deterministic given the seeds', async () => {
    const data = clusters(40, 2, 3, 8, 5);
    const run = async (seed: number) => {
      const probe = new AttentiveProbe({ embedDim: 8, numHeads: 2, numClasses: 2, seed: 4 });
      const { epochs } = await trainProbe(probe, data.features, data.labels, { epochs: 2, batchSize: 8, seed });
      const w = Array.from(await probe.trainableVariables().get('linear.weight')!.data());
      probe.dispose();
      return { losses: epochs.map((e) => e.loss), w };
    };
    const [a, b, c] = [await run(7), await run(7), await run(8)];
    expect(a).toEqual(b);
    expect(c.losses).not.toEqual(a.losses);
    data.features.dispose();
  });

  it('follows the warmup + cosine schedule', async () => {
    const data = clusters(16, 2, 2, 4, 6);
    const probe = new LinearProbe({ embedDim: 4, numClasses: 2 });
    const lrs: number[] = [];
    // 4 epochs x 2 steps, warmup 1 epoch = 2 steps: lr(i) = schedule at counter i + 1
    await trainProbe(probe, data.features, data.labels, { epochs: 4, batchSize: 8, lr: 1e-2, warmup: 1, onEpoch: (m) => { lrs.push(m.lr); } });
    // last step of epoch 0 is iteration 1 -> counter 2 = end of warmup = peak
    expect(lrs[0]).toBeCloseTo(1e-2, 10);
    // iteration 3 -> counter 4: progress (4 - 2) / (8 - 2) = 1/3
    expect(lrs[1]).toBeCloseTo(1e-2 * 0.5 * (1 + Math.cos(Math.PI / 3)), 10);
    expect(lrs[3]).toBe(0);
    data.features.dispose();
    probe.dispose();
  });

  it('trains from a feature provider exactly as from the tensor', async () => {
    const data = clusters(24, 3, 4, 8, 8);
    const provider: FeatureProvider = { size: 24, batch: async (idx) => tf.gather(data.features, tf.tensor1d(idx, 'int32')) };
    const run = async (source: tf.Tensor | FeatureProvider) => {
      const probe = new AttentiveProbe({ embedDim: 8, numHeads: 2, numClasses: 3, seed: 9 });
      const { epochs } = await trainProbe(probe, source, data.labels, { epochs: 2, batchSize: 10, seed: 1 });
      probe.dispose();
      return epochs.map((e) => e.loss);
    };
    expect(await run(provider)).toEqual(await run(data.features));
    data.features.dispose();
  });

  it('keeps tf.memory().numTensors flat across epochs', async () => {
    const data = clusters(24, 3, 4, 8, 9);
    const probe = new AttentiveProbe({ embedDim: 8, numHeads: 2, numClasses: 3, depth: 2 });
    const counts: number[] = [];
    const start = tf.memory().numTensors;
    await trainProbe(probe, data.features, data.labels, {
      epochs: 4, batchSize: 10,
      validation: { features: data.features, labels: data.labels },
      onEpoch: () => { counts.push(tf.memory().numTensors); },
    });
    expect(new Set(counts).size).toBe(1);
    expect(tf.memory().numTensors).toBe(start); // optimiser state freed at the end
    data.features.dispose();
    probe.dispose();
  });

  it('reports validation accuracy per epoch', async () => {
    const train = clusters(30, 3, 3, 8, 11);
    const probe = new LinearProbe({ embedDim: 8, numClasses: 3 });
    const { epochs } = await trainProbe(probe, train.features, train.labels, { epochs: 2, batchSize: 10, validation: { features: train.features, labels: train.labels } });
    epochs.forEach((e: EpochMetrics) => { expect(e.valAccuracy).toBeGreaterThanOrEqual(0); expect(e.valAccuracy).toBeLessThanOrEqual(1); });
    train.features.dispose();
    probe.dispose();
  });
});

describe('trainProbe bad input', () => {
  const probe = () => new AttentiveProbe({ embedDim: 8, numHeads: 2, numClasses: 3 });

  it('names missing, non-integer, out-of-range and mis-counted labels', async () => {
    const p = probe();
    const x = tf.zeros([4, 2, 8]);
    await expect(trainProbe(p, x, undefined as unknown as Int32Array)).rejects.toThrow(DataError);
    await expect(trainProbe(p, x, undefined as unknown as Int32Array)).rejects.toThrow(/trainProbe labels/);
    await expect(trainProbe(p, x, [0, 1, 1.5, 2])).rejects.toThrow(/trainProbe labels\[2\]: expected an integer class index, received 1.5/);
    await expect(trainProbe(p, x, Int32Array.from([0, 1, 3, 2]))).rejects.toThrow(/trainProbe labels\[2\]: expected a class index in \[0, 3\), received 3/);
    await expect(trainProbe(p, x, Int32Array.from([0, -1, 1, 2]))).rejects.toThrow(/labels\[1\]/);
    await expect(trainProbe(p, x, Int32Array.from([0, 1]))).rejects.toThrow(/trainProbe labels length: expected 4/);
    x.dispose();
    p.dispose();
  });

  it('names features of the wrong width', async () => {
    const p = probe();
    const x = tf.zeros([4, 2, 6]);
    await expect(trainProbe(p, x, Int32Array.from([0, 1, 2, 0]))).rejects.toThrow(ShapeError);
    await expect(trainProbe(p, x, Int32Array.from([0, 1, 2, 0]))).rejects.toThrow(/trainProbe features: expected \[N, Ntok, 8\].*received \[4,2,6\]/);
    const provider: FeatureProvider = { size: 4, batch: (idx) => tf.zeros([idx.length, 2, 6]) };
    const before = tf.memory().numTensors;
    await expect(trainProbe(p, provider, Int32Array.from([0, 1, 2, 0]))).rejects.toThrow(/trainProbe features: expected \[\d, Ntok, 8\]/);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    p.dispose();
  });

  it('rejects test labels with more classes than the probe was trained on', async () => {
    const p = probe();
    const x = tf.zeros([3, 2, 8]);
    await expect(evaluateProbe(p, x, Int32Array.from([0, 4, 1]))).rejects.toThrow(/evaluateProbe labels\[1\]: expected a class index in \[0, 3\), received 4.*same class list/);
    await expect(evaluateProbe(p, x, Int32Array.from([0, 1, 1]), { numClasses: 5 })).rejects.toThrow(/evaluateProbe numClasses: expected 3/);
    await expect(
      trainProbe(p, x, Int32Array.from([0, 1, 2]), { validation: { features: x, labels: Int32Array.from([0, 1, 7]) } }),
    ).rejects.toThrow(/trainProbe validation.labels\[2\]/);
    x.dispose();
    p.dispose();
  });

  it('says how to register gradients when none are', async () => {
    const p = probe();
    const x = tf.zeros([3, 2, 8]);
    const saved = tf.getGradient('Erf');
    tf.unregisterGradient('Erf');
    try {
      await expect(trainProbe(p, x, Int32Array.from([0, 1, 2]))).rejects.toThrow(/tfjs gradients.*"Erf".*register_all_gradients/);
    } finally {
      tf.registerGradient(saved);
    }
    x.dispose();
    p.dispose();
  });

  it('rejects bad options', async () => {
    const p = probe();
    const x = tf.zeros([3, 2, 8]);
    const y = Int32Array.from([0, 1, 2]);
    await expect(trainProbe(p, x, y, { epochs: 0 })).rejects.toThrow(ConfigError);
    await expect(trainProbe(p, x, y, { lr: -1 })).rejects.toThrow(/trainProbe option lr/);
    await expect(trainProbe(p, x, y, { epochs: 2, warmup: 3 })).rejects.toThrow(/warmup/);
    x.dispose();
    p.dispose();
  });
});
