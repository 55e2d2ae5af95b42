import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSafetensors } from '@vjepa/io';
import { multiblock3d } from '@vjepa/masking';
import { VJEPAPredictor, predictorConfigFor } from '@vjepa/predictor';
import { createTrainer, exportOfficial, saveCheckpoint } from '@vjepa/trainer';
import { VisionTransformer } from '@vjepa/vit';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeClips } from './encode';
import { loadEncoder } from './encoder-source';
import { openCheckpoint } from './open-checkpoint';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const common = { aspectRatio: [0.75, 1.5] as [number, number], temporalScale: [1, 1] as [number, number], maxTemporalKeep: 1, maxKeep: null };
const masking = () => multiblock3d([{ ...common, numBlocks: 2, spatialScale: [0.15, 0.15] }, { ...common, numBlocks: 1, spatialScale: [0.5, 0.5] }]);

/** A run folder with one checkpoint after one step (and its .pth.tar export), the way a run lays it out. */
async function trainedRun(objective: 'features' | 'pixels', run?: unknown) {
  const folder = mkdtempSync(join(tmpdir(), 'vjepa-open-'));
  const encoder = new VisionTransformer({ embedDim: 32, depth: 1, numHeads: 2, patchSize: 8, tubeletSize: 2, numFrames: 4, imgSize: 32, mlpRatio: 2 }, { seed: 3 });
  const predictor = new VJEPAPredictor(predictorConfigFor(encoder.config, { predictorEmbedDim: 16, depth: 1, numMaskTypes: 2, ...(objective === 'pixels' ? { outDim: 2 * 8 * 8 * 3 } : {}) }), { seed: 4 });
  const trainer = createTrainer({ encoder, predictor, masking: masking(), config: { optimization: { epochs: 1, ipe: 2, warmupEpochs: 0 }, loss: { objective } } });
  const clips = tf.randomNormal([2, 4, 32, 32, 3], 0, 1, 'float32', 5);
  await trainer.step(clips);
  clips.dispose();
  const state = await trainer.snapshot();
  const checkpoint = await saveCheckpoint(state, join(folder, 'checkpoints'), run === undefined ? {} : { run });
  await exportOfficial(state, join(folder, 'jepa-latest.pth.tar'));
  const weights = state.weights;
  trainer.dispose();
  encoder.dispose();
  predictor.dispose();
  return { folder, checkpoint, weights };
}

describe('openCheckpoint: the manifest is the contract', () => {
  it('takes the architecture from the manifest and the clip settings from the run config it records', async () => {
    const { folder, checkpoint } = await trainedRun('features', { data: { frame_step: 2, num_clips: 3 } });
    for (const path of [folder, join(folder, 'checkpoints'), checkpoint]) {
      const opened = await openCheckpoint(path);
      expect(opened.dir).toBe(checkpoint);
      expect(opened.arch.vit).toMatchObject({ embedDim: 32, depth: 1, numHeads: 2, patchSize: 8, numFrames: 4, imgSize: 32, mlpRatio: 2 });
      expect([opened.arch.frameStep, opened.arch.numClips]).toEqual([2, 3]);
      expect([opened.objective, opened.step, opened.totalSteps]).toEqual(['features', 1, 2]);
    }
    await expect(openCheckpoint(join(folder, 'nothing'))).rejects.toThrow(/no such file or folder/);
  });

  it('keys features by the weights: the checkpoint, its .pth.tar export and a safetensors copy give one id and the same features', async () => {
    const { folder, checkpoint, weights } = await trainedRun('features', { data: { frame_step: 1 } });
    const { arch } = await openCheckpoint(folder);
    const copy = join(folder, 'copy.safetensors');
    writeFileSync(copy, writeSafetensors(Object.fromEntries(Object.entries(weights.targetEncoder!).map(([k, v]) => [`target_encoder.${k}`, v]))));
    const loaded = [await loadEncoder(arch, { checkpoint }), await loadEncoder(arch, { checkpoint: join(folder, 'jepa-latest.pth.tar') }), await loadEncoder(arch, { checkpoint: copy })];
    expect(new Set(loaded.map((l) => l.id)).size).toBe(1);
    expect(loaded[0].description).toBe('step-00000001[target_encoder]');
    const online = await loadEncoder(arch, { checkpoint, key: 'encoder' });
    expect(online.id).not.toBe(loaded[0].id); // the target encoder moved by EMA, not by the gradient
    const clip = tf.randomNormal([1, 4, 32, 32, 3], 0, 1, 'float32', 9);
    const x = (await clip.data()) as Float32Array;
    const features = await Promise.all(loaded.map((l) => encodeClips(l.encoder, x, [1, 4, 32, 32, 3])));
    expect(Array.from(features[1].data)).toEqual(Array.from(features[0].data));
    expect(Array.from(features[2].data)).toEqual(Array.from(features[0].data));
    clip.dispose();
    for (const l of [...loaded, online]) l.encoder.dispose();
  });

  it('evaluates the encoder of a pixel-objective run (it has no target encoder)', async () => {
    const { folder } = await trainedRun('pixels', { data: { frame_step: 1 } });
    const opened = await openCheckpoint(folder);
    expect(opened.objective).toBe('pixels');
    const l = await loadEncoder(opened.arch, { checkpoint: opened.dir });
    expect(l.description).toBe('step-00000001[encoder]');
    await expect(loadEncoder(opened.arch, { checkpoint: opened.dir, key: 'target_encoder' })).rejects.toThrow(/a pixel-objective run/);
    l.encoder.dispose();
  });

  it("reads a checkpoint written before manifests carried the run config from its run's config.yaml", async () => {
    const { folder } = await trainedRun('features');
    const bare = await openCheckpoint(folder);
    expect(bare.arch.frameStep).toBe(4); // no run config: the reference default, said in the source
    expect(bare.arch.source).toContain('the reference defaults');
    writeFileSync(join(folder, 'config.yaml'), 'data:\n  frame_step: 1\n  num_frames: 4\n');
    const opened = await openCheckpoint(folder);
    expect(opened.arch.frameStep).toBe(1);
    expect(opened.arch.source).toContain('config.yaml');
    expect(JSON.parse(readFileSync(join(opened.dir, 'trainer.json'), 'utf8')).run).toBeUndefined();
  });
});
