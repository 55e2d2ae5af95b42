import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { beforeAll, describe, expect, it } from 'vitest';
import { VisionTransformer } from './vision-transformer';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const config = { embedDim: 32, depth: 2, numHeads: 4, patchSize: 8, numFrames: 4, imgSize: 16 };

/** Loss and gradients of every trainable variable for one clip and kept-token set. */
function lossAndGrads(vit: VisionTransformer, clip: tf.Tensor, idx: tf.Tensor): { loss: number; grads: Map<string, Float32Array> } {
  const vars = vit.trainableVariables();
  const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(vit.apply(clip, { indices: idx }))) as tf.Scalar, vars);
  const names = new Map([...vit.variables()].map(([n, v]) => [v.name, n]));
  const out = new Map(Object.entries(grads).map(([k, g]) => [names.get(k)!, g.dataSync() as Float32Array]));
  const loss = value.dataSync()[0];
  tf.dispose([value, ...Object.values(grads)]);
  return { loss, grads: out };
}

describe('activation checkpointing', () => {
  it('gives the same loss and gradients as the plain blocks, and leaks nothing', () => {
    const vit = new VisionTransformer(config, { seed: 3 });
    const clip = tf.randomNormal([2, 4, 16, 16, 3], 0, 1, 'float32', 5);
    const idx = tf.tensor2d([0, 2, 3, 5, 6, 7, 1, 2, 4, 5, 6, 7], [2, 6], 'int32');
    const plain = lossAndGrads(vit, clip, idx);
    vit.activationCheckpointing = true;
    const before = tf.memory().numTensors;
    const recomputedRun = lossAndGrads(vit, clip, idx);
    lossAndGrads(vit, clip, idx);
    expect(tf.memory().numTensors).toBe(before);
    expect(recomputedRun.loss).toBe(plain.loss);
    expect(recomputedRun.grads.size).toBe(plain.grads.size);
    for (const [name, g] of plain.grads) {
      const r = recomputedRun.grads.get(name)!;
      let d = 0;
      for (let i = 0; i < g.length; i++) d = Math.max(d, Math.abs(g[i] - r[i]));
      expect(d, name).toBeLessThan(1e-6);
    }
    // without a tape it is the plain forward
    const y1 = tf.tidy(() => vit.apply(clip));
    vit.activationCheckpointing = false;
    const y2 = tf.tidy(() => vit.apply(clip));
    expect(Array.from(y1.dataSync())).toEqual(Array.from(y2.dataSync()));
    tf.dispose([y1, y2, clip, idx]);
    vit.dispose();
  });
});
