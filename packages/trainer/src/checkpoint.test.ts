import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { CheckpointError } from '@vjepa/errors';
import { readSafetensors, readTorchCheckpoint, selectStateDict } from '@vjepa/io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCheckpointManifest } from './checkpoint';
import { createTrainer } from './trainer';
import { tinyClips, tinyMasking, tinyModels } from './test-helpers';

let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'vjepa-ckpt-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

// Warmup of one epoch (2 steps) so the 4 steps cross warmup, and momentum/WD move every step.
const config = { optimization: { epochs: 4, ipe: 2, warmupEpochs: 1, startLr: 1e-4, lr: 2e-3, finalLr: 1e-5, ema: [0.9, 1] as [number, number], clipGrad: 0.5 } };

function build(seed: number) {
  const { encoder, predictor } = tinyModels(seed);
  const trainer = createTrainer({ encoder, predictor, masking: tinyMasking(), config, seed: 11 });
  return { encoder, predictor, trainer, dispose: () => (trainer.dispose(), encoder.dispose(), predictor.dispose()) };
}

async function run(trainer: ReturnType<typeof build>['trainer'], from: number, to: number): Promise<number[]> {
  const losses: number[] = [];
  for (let i = from; i < to; i++) {
    const clips = tinyClips(2, 100 + i); // the batch depends on the iteration only
    losses.push((await trainer.step(clips)).loss);
    clips.dispose();
  }
  return losses;
}

describe('checkpoints', () => {
  it('resumes to the same losses as a run that never stopped (4 steps vs 2 + save/load + 2)', async () => {
    const straight = build(21);
    const expected = await run(straight.trainer, 0, 4);
    straight.dispose();

    const first = build(21);
    const dir = join(root, 'resume');
    const head = await run(first.trainer, 0, 2);
    const path = await first.trainer.saveCheckpoint(dir);
    first.dispose();
    expect(path).toBe(join(dir, 'step-00000002'));
    expect((await readFile(join(dir, 'latest'), 'utf8')).trim()).toBe('step-00000002');

    const second = build(999); // different initial weights: everything must come from the checkpoint
    const loaded = await second.trainer.loadCheckpoint(dir);
    expect(loaded.iteration).toBe(2);
    expect(loaded.configDiffers).toEqual([]);
    const tail = await run(second.trainer, 2, 4);
    second.dispose();

    const resumed = [...head, ...tail];
    resumed.forEach((loss, i) => expect(Math.abs(loss - expected[i])).toBeLessThan(1e-6));
    expect(expected[3]).not.toBeCloseTo(expected[2], 4); // the steps really differ
  });

  it('writes one self-describing directory, and a crash mid-write leaves latest intact', async () => {
    const t = build(22);
    const dir = join(root, 'layout');
    await run(t.trainer, 0, 1);
    await t.trainer.saveCheckpoint(dir);
    const files = (await readdir(join(dir, 'step-00000001'))).sort();
    expect(files).toEqual(['encoder.safetensors', 'optimizer.safetensors', 'predictor.safetensors', 'target_encoder.safetensors', 'trainer.json']);
    const manifest = await readCheckpointManifest(dir);
    expect(manifest.iteration).toBe(1);
    expect(manifest.config.optimization.lr).toBe(2e-3);
    expect(manifest.masking).toEqual({ name: 'multiblock3d', numMaskTypes: 2 });
    expect(manifest.rng.algorithm).toBe('xoshiro128**');
    expect(manifest.schedules.lrCounter).toBe(2);
    const enc = readSafetensors(new Uint8Array(await readFile(join(dir, 'step-00000001', 'encoder.safetensors')))).tensors;
    expect(enc['blocks.0.attn.qkv.weight'].shape).toEqual([96, 32]);

    // A half-written save (the temp dir of an interrupted process) is ignored; latest still loads.
    await mkdir(join(dir, '.tmp-step-00000002-dead'));
    await writeFile(join(dir, '.tmp-step-00000002-dead', 'encoder.safetensors'), 'garbage');
    const again = build(23);
    expect((await again.trainer.loadCheckpoint(dir)).iteration).toBe(1);

    // A corrupt pointer is a clear CheckpointError, not a silent fresh start.
    await writeFile(join(dir, 'latest'), 'step-00000099\n');
    await expect(again.trainer.loadCheckpoint(dir)).rejects.toThrow(CheckpointError);
    // Loading into a trainer with another masking strategy is refused.
    t.dispose();
    again.dispose();
  });

  it('exports the official torch layout with module.backbone. prefixes and epoch', async () => {
    const t = build(24);
    await run(t.trainer, 0, 2);
    const path = join(root, 'official.pth.tar');
    await t.trainer.exportOfficial(path, { loss: 0.5, batchSize: 2 });
    const ckpt = readTorchCheckpoint(new Uint8Array(await readFile(path)), { file: path }) as Record<string, unknown>;
    expect(ckpt.epoch).toBe(1);
    const encoder = ckpt.encoder as Record<string, { shape: number[] }>;
    expect(Object.keys(encoder).every((k) => k.startsWith('module.backbone.'))).toBe(true);
    expect(encoder['module.backbone.blocks.0.attn.qkv.weight'].shape).toEqual([96, 32]);
    // The exported target encoder loads back into a fresh model and equals ours.
    const fresh = tinyModels(25);
    fresh.encoder.loadStateDict(selectStateDict(ckpt, 'target_encoder', { file: path }), { file: path });
    const a = await fresh.encoder.variables().get('norm.weight')!.data();
    const b = await t.trainer.targetEncoder!.variables().get('norm.weight')!.data();
    expect(Array.from(a)).toEqual(Array.from(b));
    fresh.encoder.dispose();
    fresh.predictor.dispose();
    t.dispose();
  });
});
