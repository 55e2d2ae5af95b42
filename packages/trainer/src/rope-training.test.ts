// V-JEPA 2 models (RoPE encoder and predictor) through the trainer: resumable like the sin-cos ones,
// and the official-layout export loads back.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { CheckpointError } from '@vjepa/errors';
import { readTorchCheckpoint, selectStateDict } from '@vjepa/io';
import { VJEPAPredictor, loadPredictor, predictorConfigFor } from '@vjepa/predictor';
import { VisionTransformer, loadVisionTransformer } from '@vjepa/vit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint, saveCheckpoint } from './checkpoint';
import { exportOfficial } from './official-checkpoint';
import { createTrainer } from './trainer';
import { tinyClips, tinyMasking } from './test-helpers';

let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'vjepa-rope-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

// 16x16 clips of 4 frames, patch 4, tubelet 2: 2x4x4 tokens. Head width 12: 4 channels per axis rotate.
const ROPE_VIT = { embedDim: 48, depth: 2, numHeads: 4, patchSize: 4, tubeletSize: 2, numFrames: 4, imgSize: 16, useRope: true } as const;
// 10 steps: warmup ends after 5, so the resumed half clips gradients and moves momentum and WD
const config = { optimization: { epochs: 2, ipe: 5, warmupEpochs: 1, startLr: 1e-4, lr: 2e-3, finalLr: 1e-5, ema: [0.9, 1] as [number, number], clipGrad: 0.5 } };

function build(seed: number, useRope = true) {
  const encoder = new VisionTransformer({ ...ROPE_VIT, useRope }, { seed });
  const predictor = new VJEPAPredictor(predictorConfigFor(encoder.config, { predictorEmbedDim: 24, depth: 1, numHeads: 2, numMaskTypes: 2 }), { seed: seed + 1000 });
  const trainer = createTrainer({ encoder, predictor, masking: tinyMasking(), config, seed: 11 });
  return { encoder, predictor, trainer, dispose: () => (trainer.dispose(), encoder.dispose(), predictor.dispose()) };
}

async function run(trainer: ReturnType<typeof build>['trainer'], from: number, to: number): Promise<number[]> {
  const losses: number[] = [];
  for (let i = from; i < to; i++) {
    const clips = tinyClips(2, 100 + i);
    losses.push((await trainer.step(clips)).loss);
    clips.dispose();
  }
  return losses;
}

describe('training V-JEPA 2 (RoPE) models', () => {
  it('10 steps resume to the same losses and weights as a run that never stopped; the export loads back', async () => {
    const straight = build(21);
    expect(straight.predictor.config.useRope).toBe(true);
    const expected = await run(straight.trainer, 0, 10);
    const finalNorm = Array.from(await straight.trainer.targetEncoder!.variables().get('blocks.1.attn.qkv.weight')!.data());

    const first = build(21);
    const dir = join(root, 'resume');
    const head = await run(first.trainer, 0, 5);
    await saveCheckpoint(await first.trainer.snapshot(), dir);
    first.dispose();
    const second = build(999); // other initial weights: everything comes from the checkpoint
    expect(second.trainer.restore(await loadCheckpoint(dir)).iteration).toBe(5);
    const tail = await run(second.trainer, 5, 6); // the first step fills the rotary table caches
    const before = tf.memory().numTensors;
    tail.push(...(await run(second.trainer, 6, 10)));
    expect(tf.memory().numTensors).toBe(before); // no tensor leaks across RoPE training steps

    [...head, ...tail].forEach((loss, i) => expect(Math.abs(loss - expected[i]), `step ${i}`).toBeLessThan(1e-6));
    expect(expected[9]).not.toBeCloseTo(expected[8], 4);
    const resumedNorm = Array.from(await second.trainer.targetEncoder!.variables().get('blocks.1.attn.qkv.weight')!.data());
    expect(Math.max(...resumedNorm.map((v, i) => Math.abs(v - finalNorm[i])))).toBeLessThan(1e-6);

    // the official layout: no pos_embed / predictor_pos_embed; detected as V-JEPA 2 on the way back
    const path = join(root, 'rope.pth.tar');
    await exportOfficial(await second.trainer.snapshot(), path, { loss: tail[4], batchSize: 2 });
    const ckpt = readTorchCheckpoint(new Uint8Array(await readFile(path)), { file: path });
    const targetSd = selectStateDict(ckpt, 'target_encoder', { file: path });
    expect(Object.keys(targetSd)).not.toContain('pos_embed');
    expect(Object.keys(selectStateDict(ckpt, 'predictor'))).not.toContain('predictor_pos_embed');
    const { encoder } = loadVisionTransformer(targetSd, { numHeads: 4, numFrames: 4, imgSize: 16, file: path });
    const { predictor } = loadPredictor(selectStateDict(ckpt, 'predictor'), encoder.config, { numHeads: 2, file: path });
    expect([encoder.config.useRope, predictor.config.useRope]).toEqual([true, true]);
    const clips = tinyClips(2, 7);
    const ctxIdx = tf.tensor2d([[0, 1, 2, 5, 9, 30], [3, 4, 8, 16, 17, 31]], [2, 6], 'int32');
    const tgtIdx = tf.tensor2d([[6, 7, 12], [0, 20, 21]], [2, 3], 'int32');
    const outputs = (enc: VisionTransformer, pred: VJEPAPredictor) =>
      tf.tidy(() => [enc.apply(clips), pred.apply(enc.apply(clips, { indices: ctxIdx }), ctxIdx, tgtIdx, 1)]);
    const [a, pa] = outputs(encoder, predictor);
    const [b, pb] = outputs(second.trainer.targetEncoder as VisionTransformer, second.predictor);
    expect(Math.max(...Array.from(await tf.abs(tf.sub(a, b)).data()))).toBe(0);
    expect(Math.max(...Array.from(await tf.abs(tf.sub(pa, pb)).data()))).toBe(0);
    tf.dispose([clips, ctxIdx, tgtIdx, a, b, pa, pb]);
    encoder.dispose();
    predictor.dispose();

    // resuming the RoPE run into a sin-cos trainer names V-JEPA 2
    const sincos = build(5, false);
    const state = await loadCheckpoint(dir);
    expect(() => sincos.trainer.restore(state)).toThrow(CheckpointError);
    expect(() => sincos.trainer.restore(state)).toThrow(/V-JEPA 2 \(RoPE\) encoder/);
    sincos.dispose();
    straight.dispose();
    second.dispose();
  });
});
