import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { VisionTransformer } from '@vjepa/vit';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeClips } from './encode';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('encodeClips', () => {
  it('gives the same features in any batch size, pools, repeats one frame, and leaks no tensor', async () => {
    const encoder = new VisionTransformer({ embedDim: 16, depth: 1, numHeads: 2, patchSize: 8, numFrames: 4, imgSize: 16 }, { seed: 1, trainable: false });
    const shape = [3, 4, 16, 16, 3];
    const clips = Float32Array.from({ length: 3 * 4 * 16 * 16 * 3 }, (_, i) => Math.sin(i * 0.37));
    const whole = await encodeClips(encoder, clips, shape, { batchSize: 3 });
    const before = tf.memory().numTensors; // after a first call (the encoder builds its position table lazily)
    const byOne = await encodeClips(encoder, clips, shape, { batchSize: 1 });
    expect(whole.shape).toEqual([3, 8, 16]); // 2x2x2 tokens
    expect(Array.from(byOne.data)).toEqual(Array.from(whole.data));
    const pooled = await encodeClips(encoder, clips, shape, { pool: 'mean' });
    expect(pooled.shape).toEqual([3, 16]);
    const still = await encodeClips(encoder, clips, shape, { oneFrame: 0 });
    expect(Array.from(still.data)).not.toEqual(Array.from(whole.data));
    expect(tf.memory().numTensors).toBe(before);
    encoder.dispose();
  });
});
