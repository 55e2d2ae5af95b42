import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempRunFolder } from './cli-harness.test-util';

// fixtures/official-training/step3.pth.tar: a training checkpoint the official trainer wrote (its
// architecture: encoder D 64 x 2 blocks, predictor 32 x 2, 4 frames of 32x32, patch 8, tubelet 2).
const STEP3 = 'fixtures/official-training/step3.pth.tar';

function args(folder: string, extra: string[] = []): string[] {
  return [
    'data.batch_size=2', 'data.num_frames=4', 'data.crop_size=32', 'data.num_videos=16',
    'model.embed_dim=64', 'model.depth=2', 'model.num_heads=4', 'model.pred_embed_dim=32', 'model.pred_depth=2',
    'optimization.epochs=2', 'optimization.ipe=3', 'optimization.warmup=0', 'meta.backend=wasm',
    `meta.read_checkpoint=${STEP3}`, `logging.folder=${folder}`, 'logging.checkpoint_every=3', 'logging.log_every=1', ...extra,
  ].flatMap((s) => ['--set', s]);
}

describe('vjepa-train --set meta.read_checkpoint=<official .pth.tar>', () => {
  it('continues an official training checkpoint: weights, target encoder, AdamW moments and steps, at epoch x ipe', async () => {
    const folder = tempRunFolder();
    const r = await runCli(args(folder));
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`continuing the official training checkpoint ${STEP3}: epoch 1 x ipe 3 -> step 3`);
    expect(r.stdout).toContain('AdamW steps taken: 3');
    const summary = JSON.parse(readFileSync(join(folder, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ status: 'completed', startStep: 3, endStep: 6, resumedFrom: STEP3 });
    const manifest = JSON.parse(readFileSync(join(summary.checkpoint, 'trainer.json'), 'utf8'));
    expect(new Set(Object.values(manifest.optimizer.steps))).toEqual(new Set([6])); // 3 official AdamW steps + 3 here
  });

  it('refuses another architecture with exit code 1, listing the keys', async () => {
    const r = await runCli(args(tempRunFolder(), ['model.depth=1']));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/vjepa-train: CheckpointError: .*step3\.pth\.tar: architecture: .*encoder: 12 unexpected \(blocks\.1\.norm1\.weight, /);
  });
});
