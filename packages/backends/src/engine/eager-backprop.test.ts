import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { VisionTransformer } from '@vjepa/vit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eagerBackpropInstalled, installEagerBackprop, uninstallEagerBackprop } from './eager-backprop';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => uninstallEagerBackprop());

const vit = new VisionTransformer({ embedDim: 32, depth: 2, numHeads: 4, patchSize: 8, numFrames: 4, imgSize: 16 }, { seed: 1 });
const clip = tf.randomNormal([2, 4, 16, 16, 3], 0, 1, 'float32', 2);
const idx = tf.tensor2d([0, 2, 3, 5, 6, 7, 1, 2, 4, 5, 6, 7], [2, 6], 'int32');

/** Loss and gradients (as arrays) of a step-like objective, and the peak bytes tfjs held while computing them. */
async function run(): Promise<{ values: Float32Array[]; peakBytes: number }> {
  const vars = vit.trainableVariables();
  let out: tf.Tensor[] = [];
  const profile = await tf.profile(() => {
    const { value, grads } = tf.variableGrads(() => {
      const full = vit.apply(clip); // on the tape but not on the path to the loss: a metric
      tf.keep(tf.mean(full));
      return tf.mean(tf.abs(vit.apply(clip, { indices: idx }))) as tf.Scalar;
    }, vars);
    out = [value, ...vars.map((v) => grads[v.name])];
  });
  const values = out.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(out);
  return { values, peakBytes: profile.peakBytes };
}

describe('eager backprop (the memory-freeing backward pass)', () => {
  it('gives bit-identical gradients to the stock backward, with a lower peak, and leaks nothing', async () => {
    uninstallEagerBackprop();
    const stock = await run();
    installEagerBackprop();
    installEagerBackprop(); // idempotent
    expect(eagerBackpropInstalled()).toBe(true);
    const before = tf.memory().numTensors;
    const eager = await run();
    await run();
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 2); // the kept metric of each run
    expect(eager.values.length).toBe(stock.values.length);
    eager.values.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(stock.values[i])));
    expect(eager.peakBytes).toBeLessThan(stock.peakBytes);
  });

  it('lets a gradient be taken inside a backward pass (activation checkpointing), with the same numbers', async () => {
    installEagerBackprop();
    const plain = await run();
    vit.activationCheckpointing = true;
    const recomputed = await run();
    vit.activationCheckpointing = false;
    recomputed.values.forEach((v, i) => {
      let d = 0;
      for (let j = 0; j < v.length; j++) d = Math.max(d, Math.abs(v[j] - plain.values[i][j]));
      expect(d).toBeLessThan(1e-6);
    });
    expect(recomputed.peakBytes).toBeLessThan(plain.peakBytes);
  });

  it('restores the stock backward', () => {
    uninstallEagerBackprop();
    expect(eagerBackpropInstalled()).toBe(false);
  });
});
