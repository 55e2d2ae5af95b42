import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, spawnCli, tempRunFolder, tinyRunArgs } from './cli-harness.test-util';

const PNG_SIGNATURE = '89504e470d0a1a0a';

function isPng(path: string): boolean {
  return readFileSync(path).subarray(0, 8).toString('hex') === PNG_SIGNATURE;
}

describe('vjepa-train CLI end to end (wasm, tiny Moving MNIST)', () => {
  it('prints usage with --help', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--then-eval');
    expect(r.stdout).toContain('--no-resume');
  });

  it('exits 2 with the key path on a bad config', async () => {
    const r = await runCli(['--set', 'optimization.lr=-1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('optimization.lr: expected a number > 0, received -1.');
  });

  it('refuses data.batch_size 1e9 by the memory bound, before the backend starts (exit 2)', async () => {
    const r = await runCli(['--set', 'data.batch_size=1e9', '--folder', tempRunFolder()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^vjepa-train: ConfigError: data\.batch_size 1000000000: expected a training step that fits in this machine's .* of memory, received a step that needs at least .* TiB/);
    expect(r.stdout).not.toContain('backend:');
  });

  it('trains a few steps and writes checkpoint, metrics.jsonl, CSV, curves and masks PNGs, encoder export', async () => {
    const folder = tempRunFolder();
    const r = await runCli(tinyRunArgs(folder, 4, 2));
    expect(r.stderr).not.toMatch(/error/i); // tfjs prints a speed hint about tfjs-node on stderr; nothing else
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/backend: wasm/);
    expect(r.stdout).toMatch(/step 4\/4 .*clips\/s/);
    const lines = readFileSync(join(folder, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    expect(lines.map((l) => l.iteration)).toEqual([0, 1, 2, 3]);
    expect(lines.every((l) => Number.isFinite(l.loss) && l.loss > 0)).toBe(true);
    // the trainer's metrics as they are: every term the objective computes reaches the log
    for (const key of ['lossJepa', 'reg', 'encVar', 'encCov', 'featureSpread', 'momentum', 'lr', 'wd']) expect(lines.every((l) => Number.isFinite(l[key]))).toBe(true);
    const csv = readFileSync(join(folder, 'jepa_r0.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('epoch,itr,loss,loss-jepa,reg-loss,enc-grad-norm,pred-grad-norm,gpu-time(ms),wall-time(ms)');
    expect(csv).toHaveLength(5);
    expect(isPng(join(folder, 'curves.png'))).toBe(true);
    expect(isPng(join(folder, 'masks.png'))).toBe(true);
    expect(existsSync(join(folder, 'config.yaml'))).toBe(true);
    const summary = JSON.parse(readFileSync(join(folder, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ status: 'completed', startStep: 0, endStep: 4, totalSteps: 4, skipped: [] });
    expect(summary.numTensors.atEnd).toBeLessThanOrEqual(summary.numTensors.afterFirstStep);
    expect(existsSync(summary.encoderExport)).toBe(true);
    expect(existsSync(summary.checkpoint)).toBe(true);
    expect(readdirSync(join(folder, 'checkpoints')).length).toBeGreaterThan(0);

    // the checkpoint's manifest states the run's config (what evaluation reads the clip settings from)
    const manifest = JSON.parse(readFileSync(join(summary.checkpoint, 'trainer.json'), 'utf8'));
    expect(manifest.run.data.num_frames).toBe(4);
    expect(manifest.models.encoder.embedDim).toBe(32);

    // a rerun of the completed run trains nothing and keeps the export byte for byte (a rewrite
    // would lose the final loss it records)
    const exported = readFileSync(summary.encoderExport);
    const again = await runCli(tinyRunArgs(folder, 4, 2));
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already complete at step 4: kept /);
    expect(readFileSync(summary.encoderExport).equals(exported)).toBe(true);
  });

  it('resumes after SIGKILL from the last checkpoint and finishes', async () => {
    const folder = tempRunFolder();
    const total = 12;
    const args = tinyRunArgs(folder, total, 2);
    const child = spawnCli(args);
    let out = '';
    child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<void>((done) => child.on('close', () => done()));
    // Wait for the first checkpoint line, then kill -9 mid-training.
    await new Promise<void>((done, fail) => {
      const timer = setInterval(() => {
        if (/checkpoint saved: step (\d+)/.test(out)) {
          clearInterval(timer);
          child.kill('SIGKILL');
          done();
        } else if (child.exitCode !== null) {
          clearInterval(timer);
          fail(new Error(`the run ended before it could be killed:\n${out}`));
        }
      }, 20);
    });
    await exited;
    expect(existsSync(join(folder, 'summary.json'))).toBe(false);
    const r = await runCli(args);
    expect(r.code).toBe(0);
    const resumed = /resumed from .* at step (\d+)/.exec(r.stdout);
    expect(resumed).not.toBeNull();
    const resumeStep = Number(resumed![1]);
    expect(resumeStep).toBeGreaterThanOrEqual(2);
    expect(resumeStep % 2).toBe(0);
    expect(resumeStep).toBeLessThan(total);
    const summary = JSON.parse(readFileSync(join(folder, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ status: 'completed', startStep: resumeStep, endStep: total });
    const steps = readFileSync(join(folder, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { iteration: number }).iteration);
    expect(steps).toEqual(Array.from({ length: total }, (_, i) => i));
  });
});
