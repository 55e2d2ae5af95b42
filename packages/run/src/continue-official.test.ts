import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CheckpointError } from '@vjepa/errors';
import { type TensorData, readTorchCheckpoint } from '@vjepa/io';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './load-config';
import { runTraining } from './run-training';

const STEP3 = fileURLToPath(new URL('../../../fixtures/official-training/step3.pth.tar', import.meta.url));

/** The architecture of fixtures/official-training (its expected.json), 2 epochs of 3 steps, cpu. */
function fixtureRun(folder: string, extra: string[] = []): string[] {
  return [
    'data.batch_size=2', 'data.num_frames=4', 'data.crop_size=32', 'data.patch_size=8', 'data.tubelet_size=2', 'data.num_videos=16',
    'model.embed_dim=64', 'model.depth=2', 'model.num_heads=4', 'model.pred_embed_dim=32', 'model.pred_depth=2', 'model.uniform_power=true',
    'optimization.epochs=2', 'optimization.ipe=3', 'optimization.warmup=0', 'meta.backend=cpu', `meta.read_checkpoint=${STEP3}`,
    `logging.folder=${folder}`, 'logging.checkpoint_every=3', ...extra,
  ];
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('runTraining from an official training checkpoint (meta.read_checkpoint: *.pth.tar)', () => {
  it('continues step3.pth.tar with its AdamW state at step epoch x ipe, and exports a file the official trainer continues', async () => {
    const folder = join(mkdtempSync(join(tmpdir(), 'vjepa-run-official-')), 'run');
    const lines: string[] = [];
    const result = await runTraining(loadConfig({ set: fixtureRun(folder) }), { log: (l) => lines.push(l) });
    expect(lines).toContain(`continuing the official training checkpoint ${STEP3}: epoch 1 x ipe 3 -> step 3 (weights, target encoder, AdamW state)`);
    expect(lines).toContain('  AdamW steps taken: 3');
    expect(result).toMatchObject({ status: 'completed', startStep: 3, endStep: 6, resumedFrom: STEP3 });
    // every moment came from the file: 3 official steps + 3 here
    const manifest = JSON.parse(readFileSync(join(result.checkpoint!, 'trainer.json'), 'utf8'));
    expect(Object.keys(manifest.optimizer.steps)).toHaveLength(60);
    expect(new Set(Object.values(manifest.optimizer.steps))).toEqual(new Set([6]));
    // the export at the end (an epoch boundary: no warning) carries them in the official layout
    expect(lines.some((l) => l.startsWith('warning:'))).toBe(false);
    const exported = readTorchCheckpoint(new Uint8Array(readFileSync(result.encoderExport!)), { file: result.encoderExport! }) as {
      epoch: number;
      scaler: null;
      opt: { state: Record<string, Record<string, TensorData>>; param_groups: { params: number[] }[] };
    };
    expect(exported.epoch).toBe(2);
    expect(exported.scaler).toBeNull();
    expect(exported.opt.param_groups.map((g) => g.params.length)).toEqual([10, 13, 19, 20]);
    expect(Object.keys(exported.opt.state)).toHaveLength(60);
    expect(Object.values(exported.opt.state).every((s) => s.step.data[0] === 6)).toBe(true);

    // rerunning resumes from our own latest checkpoint, not from the file again
    const again: string[] = [];
    await runTraining(loadConfig({ set: fixtureRun(folder) }), { log: (l) => again.push(l) });
    expect(again.some((l) => l.startsWith('resumed from') && l.endsWith('at step 6'))).toBe(true);
  });

  it('refuses a config whose run ends at or before the checkpoint (nothing to train), saying which key to raise', async () => {
    const folder = join(mkdtempSync(join(tmpdir(), 'vjepa-run-official-')), 'run');
    await expect(runTraining(loadConfig({ set: fixtureRun(folder, ['optimization.epochs=1']) }), { log: () => {} })).rejects.toThrow(
      /optimization\.epochs: expected more than the checkpoint's epoch 1: .*received 1 \(3 steps\): nothing left to train.*raise optimization\.epochs past 1/,
    );
  });

  it('refuses an architecture that differs from the file, listing the keys', async () => {
    const folder = join(mkdtempSync(join(tmpdir(), 'vjepa-run-official-')), 'run');
    let error: unknown;
    try {
      await runTraining(loadConfig({ set: fixtureRun(folder, ['model.pred_depth=1']) }), { log: () => {} });
    } catch (e) {
      error = e;
    }
    expect(CheckpointError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/architecture: .*predictor: 12 unexpected \(predictor_blocks\.1\.norm1\.weight, .*predictor_blocks\.1\.mlp\.fc2\.bias\)/);
  });
});
