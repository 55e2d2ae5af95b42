// A 10-step V-JEPA 2 (RoPE) run through vjepa-train, interrupted with Ctrl-C and resumed, ends where the
// same run that never stopped ends: every step's metrics and the final weights, bit for bit, as for the
// sin-cos model.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, spawnCli, tempRunFolder, tinyRunArgs } from './cli-harness.test-util';

const STEPS = 10;

/** Starts a run, sends SIGINT once its first checkpoint is saved, and waits for it to exit. */
async function interrupted(args: string[]): Promise<{ code: number | null; stdout: string }> {
  const child = spawnCli(args);
  let stdout = '';
  child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
  const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  let sent = false;
  const timer = setInterval(() => {
    if (!sent && /checkpoint saved: step \d+/.test(stdout)) {
      sent = true;
      child.kill('SIGINT');
    }
  }, 10);
  const code = await exited;
  clearInterval(timer);
  return { code, stdout };
}

/** Every step's metrics without the timings (which differ between processes). */
function metrics(folder: string): Record<string, unknown>[] {
  return readFileSync(join(folder, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const { stepMs: _s, wallMs: _w, clipsPerSec: _c, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return rest;
    });
}

/** The SHA-256 of every weight file (encoder, predictor, target encoder, optimizer) of the run's last checkpoint. */
function finalWeights(folder: string): { iteration: number; sha256: Record<string, string>; models: unknown } {
  const summary = JSON.parse(readFileSync(join(folder, 'summary.json'), 'utf8')) as { checkpoint: string };
  const manifest = JSON.parse(readFileSync(join(summary.checkpoint, 'trainer.json'), 'utf8'));
  return { iteration: manifest.iteration, sha256: manifest.sha256, models: manifest.models };
}

describe('vjepa-train: a RoPE run resumes exactly, as the sin-cos one does (wasm, tiny Moving MNIST)', () => {
  it.each([
    ['sin-cos', 'model.use_rope=false'],
    ['RoPE (--set model.use_rope=true)', 'model.use_rope=true'],
  ])('%s: Ctrl-C after the first checkpoint, rerun: the same 10 steps and final weights as without the stop', async (_name, rope) => {
    const straight = tempRunFolder();
    const stopped = tempRunFolder();
    const args = (folder: string) => [...tinyRunArgs(folder, STEPS, 2), '--set', rope];

    const a = await runCli(args(straight));
    expect(a.code).toBe(0);
    expect(a.stdout).toContain(rope.endsWith('true') ? 'heads 2, RoPE (V-JEPA 2), predictor' : 'heads 2, predictor');

    const first = await interrupted(args(stopped));
    expect(first.code, `the run was not interrupted before its end:\n${first.stdout}`).toBe(130);
    const savedAt = Number(/interrupted at step (\d+)/.exec(first.stdout)?.[1]);
    expect(savedAt).toBeGreaterThanOrEqual(2);
    expect(savedAt).toBeLessThan(STEPS);
    const second = await runCli(args(stopped));
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`at step ${savedAt}`); // "resumed from ... at step N"

    const [ma, mb] = [metrics(straight), metrics(stopped)];
    expect(mb.map((m) => m.iteration)).toEqual(Array.from({ length: STEPS }, (_, i) => i));
    expect(mb).toEqual(ma); // losses, every term of the objective, grad norms, LR, WD, momentum: equal
    const [wa, wb] = [finalWeights(straight), finalWeights(stopped)];
    expect(wb.iteration).toBe(STEPS);
    expect(wb.sha256).toEqual(wa.sha256); // encoder, predictor, target encoder and optimizer state bit for bit
    expect((wb.models as { encoder: { useRope: boolean } }).encoder.useRope).toBe(rope.endsWith('true'));
  });
});
