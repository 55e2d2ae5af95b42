import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir, tinyTrainingSets } from './test/fixtures';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const STEPS = 120;

/** Both trainings of the main command at a tiny size (32-token grid, D 32, one block), wasm, no periodic checkpoint. */
function mainArgs(folder: string): string[] {
  const set = [
    ...tinyTrainingSets(STEPS),
    `logging.checkpoint_every=${10 * STEPS}`, // only the interruption saves: a lost step would show
    'logging.log_every=1',
  ];
  return ['main', '--folder', folder, ...set.flatMap((s) => ['--set', s]), '--backend', 'wasm', '--jobs', '2', '--train-clips', '8', '--test-clips', '6', '--seeds', '1', '--epochs', '1', '--probe-batch', '4'];
}

/** The CLI from source in its own process group (as a terminal runs a command), so a signal can reach the group. */
function startMain(args: readonly string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@vjepa/source', join(REPO_ROOT, 'apps/eval/src/cli.ts'), ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0' },
    detached: true,
  });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  return { child, output: () => out, exited };
}

/** Resolves once each training has printed a progress line at step >= its `steps` entry. */
function bothPast(output: () => string, steps: { features: number; pixels: number }, exited: Promise<unknown>): Promise<void> {
  let ended = false;
  void exited.then(() => (ended = true));
  const past = (name: 'features' | 'pixels'): boolean => [...output().matchAll(new RegExp(`\\[${name}\\] step (\\d+)/`, 'g'))].some((m) => Number(m[1]) >= steps[name]);
  return new Promise((done, fail) => {
    const timer = setInterval(() => {
      if (past('features') && past('pixels')) {
        clearInterval(timer);
        done();
      } else if (ended) {
        clearInterval(timer);
        fail(new Error(`the command ended before both trainings reached steps ${JSON.stringify(steps)}:\n${output()}`));
      }
    }, 25);
  });
}

function loggedSteps(folder: string): number[] {
  return readFileSync(join(folder, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { iteration: number }).iteration);
}

function latestStep(folder: string): number {
  const name = readFileSync(join(folder, 'checkpoints', 'latest'), 'utf8').trim();
  return (JSON.parse(readFileSync(join(folder, 'checkpoints', name, 'trainer.json'), 'utf8')) as { iteration: number }).iteration;
}

describe('pnpm run main: Ctrl-C, then rerun', () => {
  it('saves both trainings at a step boundary and exits 130; reruns resume both, no step lost or logged twice', { timeout: 600_000 }, async () => {
    const folder = join(tempDir(), 'run');
    const pixels = `${folder}-pixels`;
    const args = mainArgs(folder);

    // 1. Ctrl-C in a terminal: SIGINT to the whole process group (the CLI and its training child)
    const first = startMain(args);
    await bothPast(first.output, { features: 3, pixels: 3 }, first.exited);
    process.kill(-first.child.pid!, 'SIGINT');
    expect(await first.exited).toBe(130);
    expect(first.output()).toContain('vjepa-eval main: interrupted; each training saved a checkpoint at a step boundary. Rerun the same command to resume.');
    const saved = [latestStep(folder), latestStep(pixels)];
    for (const [i, f] of [folder, pixels].entries()) {
      expect(saved[i]).toBeGreaterThanOrEqual(3);
      expect(saved[i]).toBeLessThan(STEPS);
      // the checkpoint is at the last logged step: nothing trained after it was lost
      expect(loggedSteps(f)).toEqual(Array.from({ length: saved[i] }, (_, s) => s));
    }

    // 2. SIGTERM to the CLI alone (a supervisor stopping it): the child is told through its stdin
    const second = startMain(args);
    await bothPast(second.output, { features: Math.min(STEPS, saved[0] + 3), pixels: Math.min(STEPS, saved[1] + 3) }, second.exited);
    process.kill(second.child.pid!, 'SIGTERM');
    expect(await second.exited).toBe(130);
    expect(second.output()).toMatch(new RegExp(`resumed from .* at step ${saved[0]}`));
    expect(second.output()).toMatch(new RegExp(`\\[pixels\\] resumed from .* at step ${saved[1]}`));
    const again = [latestStep(folder), latestStep(pixels)];
    for (const [i, f] of [folder, pixels].entries()) {
      expect(again[i]).toBeGreaterThan(saved[i]);
      expect(loggedSteps(f)).toEqual(Array.from({ length: again[i] }, (_, s) => s));
    }

    // 3. the rerun finishes both and evaluates
    const last = startMain(args);
    expect(await last.exited).toBe(0);
    expect(last.output()).toMatch(/\| direction \| vjepa \|/);
    for (const [i, f] of [folder, pixels].entries()) {
      expect(loggedSteps(f)).toEqual(Array.from({ length: STEPS }, (_, s) => s));
      const summary = JSON.parse(readFileSync(join(f, 'summary.json'), 'utf8'));
      expect(summary).toMatchObject({ status: 'completed', startStep: again[i], endStep: STEPS });
      expect(existsSync(summary.encoderExport)).toBe(true);
    }
  });
});
