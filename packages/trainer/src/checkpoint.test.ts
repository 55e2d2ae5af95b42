import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { CheckpointError } from '@vjepa/errors';
import { readSafetensors, readTorchCheckpoint, selectStateDict } from '@vjepa/io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint, readCheckpointManifest, readCheckpointModule, saveCheckpoint } from './checkpoint';
import { exportOfficial } from './official-checkpoint';
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

describe('checkpoints of trainer states', () => {
  it('resumes to the same losses as a run that never stopped (4 steps vs 2 + save/load + 2)', async () => {
    const straight = build(21);
    const expected = await run(straight.trainer, 0, 4);
    straight.dispose();

    const first = build(21);
    const dir = join(root, 'resume');
    const head = await run(first.trainer, 0, 2);
    const path = await saveCheckpoint(await first.trainer.snapshot(), dir);
    first.dispose();
    expect(path).toBe(join(dir, 'step-00000002'));
    expect((await readFile(join(dir, 'latest'), 'utf8')).trim()).toBe('step-00000002');

    const second = build(999); // different initial weights: everything must come from the checkpoint
    const restored = second.trainer.restore(await loadCheckpoint(dir));
    expect(restored.iteration).toBe(2);
    expect(restored.configDiffers).toEqual([]);
    expect(second.trainer.iteration).toBe(2);
    const tail = await run(second.trainer, 2, 4);
    second.dispose();

    const resumed = [...head, ...tail];
    resumed.forEach((loss, i) => expect(Math.abs(loss - expected[i])).toBeLessThan(1e-6));
    expect(expected[3]).not.toBeCloseTo(expected[2], 4); // the steps really differ
  });

  it('a snapshot is a value: restoring it in memory equals restoring it from disk, and later steps do not change it', async () => {
    const t = build(26);
    await run(t.trainer, 0, 1);
    const state = await t.trainer.snapshot();
    const norm = Float32Array.from(state.weights.encoder['norm.weight'].data as Float32Array);
    await run(t.trainer, 1, 2); // the trainer moves on; the snapshot does not
    expect(Array.from(state.weights.encoder['norm.weight'].data as Float32Array)).toEqual(Array.from(norm));
    const a = build(27);
    const b = build(28);
    a.trainer.restore(state);
    b.trainer.restore(await loadCheckpoint(await saveCheckpoint(state, join(root, 'value'))));
    const [la] = await run(a.trainer, 1, 2);
    const [lb] = await run(b.trainer, 1, 2);
    expect(la).toBe(lb);
    for (const x of [t, a, b]) x.dispose();
  });

  it('writes one self-describing directory with checksums, and a crash mid-write leaves latest intact', async () => {
    const t = build(22);
    const dir = join(root, 'layout');
    await run(t.trainer, 0, 1);
    await saveCheckpoint(await t.trainer.snapshot(), dir, { run: { data: { frame_step: 2 } } });
    const files = (await readdir(join(dir, 'step-00000001'))).sort();
    expect(files).toEqual(['encoder.safetensors', 'optimizer.safetensors', 'predictor.safetensors', 'target_encoder.safetensors', 'trainer.json']);
    const manifest = await readCheckpointManifest(dir);
    expect(manifest.iteration).toBe(1);
    expect(manifest.config.optimization.lr).toBe(2e-3);
    expect(manifest.masking).toEqual({ name: 'multiblock3d', numMaskTypes: 2 });
    expect(manifest.rng.algorithm).toBe('xoshiro128**');
    expect(manifest.schedules.lrCounter).toBe(2);
    expect((manifest.models.encoder as { embedDim: number }).embedDim).toBe(32);
    expect(manifest.run).toEqual({ data: { frame_step: 2 } });
    expect(Object.keys(manifest.sha256 ?? {}).sort()).toEqual(files.filter((f) => f.endsWith('.safetensors')));
    const enc = readSafetensors(new Uint8Array(await readFile(join(dir, 'step-00000001', 'encoder.safetensors')))).tensors;
    expect(enc['blocks.0.attn.qkv.weight'].shape).toEqual([96, 32]);
    const target = await readCheckpointModule(manifest, 'targetEncoder');
    expect(Array.from(target['norm.weight'].data as Float32Array)).toEqual(Array.from(await t.trainer.targetEncoder!.variables().get('norm.weight')!.data()));

    // A half-written save (the temp dir of an interrupted process) is ignored; latest still loads.
    await mkdir(join(dir, '.tmp-step-00000002-dead'));
    await writeFile(join(dir, '.tmp-step-00000002-dead', 'encoder.safetensors'), 'garbage');
    const again = build(23);
    expect(again.trainer.restore(await loadCheckpoint(dir)).iteration).toBe(1);

    // A damaged weight file is refused by its checksum, naming the file.
    const predictorFile = join(dir, 'step-00000001', 'predictor.safetensors');
    const bytes = new Uint8Array(await readFile(predictorFile));
    bytes[bytes.length - 1] ^= 1;
    await writeFile(predictorFile, bytes);
    await expect(loadCheckpoint(dir)).rejects.toThrow(/predictor\.safetensors: expected SHA-256/);

    // A corrupt pointer is a clear CheckpointError, not a silent fresh start.
    await writeFile(join(dir, 'latest'), 'step-00000099\n');
    await expect(loadCheckpoint(dir)).rejects.toThrow(CheckpointError);
    t.dispose();
    again.dispose();
  });

  it('refuses a state of another masking strategy or objective', async () => {
    const t = build(29);
    const state = await t.trainer.snapshot();
    const pixels = tinyModels(30, 2 * 4 * 4 * 3);
    const pixelTrainer = createTrainer({ ...pixels, masking: tinyMasking(), config: { ...config, loss: { objective: 'pixels' } } });
    expect(() => pixelTrainer.restore(state)).toThrow(/target encoder: expected none \(pixels objective\)/);
    expect(() => t.trainer.restore({ ...state, masking: { name: 'randomTube', numMaskTypes: 1 } })).toThrow(CheckpointError);
    pixelTrainer.dispose();
    pixels.encoder.dispose();
    pixels.predictor.dispose();
    t.dispose();
  });

  it('exports the official torch layout with module.backbone. prefixes and epoch', async () => {
    const t = build(24);
    await run(t.trainer, 0, 2);
    const path = join(root, 'official.pth.tar');
    await exportOfficial(await t.trainer.snapshot(), path, { loss: 0.5, batchSize: 2 });
    const ckpt = readTorchCheckpoint(new Uint8Array(await readFile(path)), { file: path }) as Record<string, unknown>;
    expect(ckpt.epoch).toBe(1);
    expect(ckpt.lr).toBe(t.trainer.schedules.lr.forIteration(1)); // the LR of the last step done
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
