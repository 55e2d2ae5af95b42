import { join } from 'node:path';
import { BackendError, DataError } from '@vjepa/errors';
import type { RunResult, runTraining } from '@vjepa/run';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli-main';
import { runMain } from './main-command';
import { captureIo, tempDir, tinyTrainingSets } from './test/fixtures';

/** A tiny training of both objectives: 32-token grid, D 32, one block, 2 steps, cpu. */
const TINY = tinyTrainingSets(2);

const SUITE = { trainClips: 8, testClips: 6, seeds: 2, epochs: 1, batchSize: 4 };

describe('vjepa-eval main --jobs', () => {
  it('trains the pixel control in a child process and probes on workers, with the results of --jobs 1', async () => {
    const dir = tempDir();
    const runs = [];
    for (const jobs of [1, 2]) {
      const lines: string[] = [];
      const result = await runMain({ folder: join(dir, `jobs${jobs}`, 'run'), set: TINY, backend: 'cpu', jobs, suite: SUITE, log: (l) => lines.push(l) });
      runs.push({ result, lines });
    }
    const [one, two] = runs;
    expect(two.result.rows.map((r) => r.result)).toEqual(one.result.rows.map((r) => r.result));
    expect(two.result.table).toBe(one.result.table);
    // one process: no child lines; both trainings print progress lines, named
    expect(one.lines.some((l) => l.startsWith('[pixels] =='))).toBe(false);
    for (const { lines } of runs) {
      expect(lines.some((l) => /^\[features\] step 2\/2 {2}loss \d+\.\d{4} {2}lr \S+ {2}\d+\.\d clips\/s {2}ETA /.test(l))).toBe(true);
      expect(lines.some((l) => /^\[pixels\] step 2\/2 {2}loss /.test(l))).toBe(true);
    }
    expect(two.lines).toContain(`[pixels] == training: meta.objective=pixels -> ${join(dir, 'jobs2', 'run')}-pixels`);
    expect(two.lines.some((l) => /^\[pixels\] == pixels: done in \d+\.\d s$/.test(l))).toBe(true);
    expect(two.lines.some((l) => /^== features: done in \d+\.\d s$/.test(l))).toBe(true);
    expect(two.lines.some((l) => /^ {2}\[direction\/pixels\] attentive probe on worker [12]$/.test(l))).toBe(true);
  });

  it('stops the training here and names the folder, exit code and stderr of a failed child', async () => {
    const folder = join(tempDir(), 'run');
    let aborted = false;
    // the training here waits until the failure of the child stops it
    const train: typeof runTraining = (_config, options) =>
      new Promise((resolve) => {
        options?.signal?.addEventListener('abort', () => {
          aborted = true;
          resolve({ status: 'interrupted', encoderExport: null, paths: { folder }, wallSeconds: 0 } as unknown as RunResult);
        });
      });
    // the child finds no videos: a DataError, exit code 1
    const set = [...TINY, 'data.dataset_type=video_folder', `data.datasets=[${join(folder, 'no-such-videos')}]`];
    const run = runMain({ folder, set, backend: 'cpu', jobs: 2, train, log: () => {} });
    await expect(run).rejects.toBeInstanceOf(BackendError);
    await expect(run).rejects.toThrow(`pixels training in a child process (${folder}-pixels): expected exit code 0, received exit code 1`);
    await expect(run).rejects.toThrow(/resumes from its latest checkpoint.*last stderr lines:\n {4}vjepa-eval: DataError: .*no-such-videos/s);
    expect(aborted).toBe(true);
  });

  it('kills the child when the training here fails, and throws that failure', async () => {
    const folder = join(tempDir(), 'run');
    const train: typeof runTraining = () => new Promise((_, reject) => setTimeout(() => reject(new DataError('clip 3', { expected: 'a readable video', received: 'EOF' })), 200));
    const started = Date.now();
    // the child would train 10^6 steps; only its kill lets runMain settle
    const run = runMain({ folder, set: [...TINY, 'optimization.ipe=1000000'], backend: 'cpu', jobs: 2, train, log: () => {} });
    await expect(run).rejects.toThrow('clip 3: expected a readable video, received EOF.');
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('takes --train-only features|pixels and nothing else', async () => {
    const io = captureIo();
    expect(await runCli(['main', '--train-only', 'both'], io)).toBe(2);
    expect(io.err.join('\n')).toContain('--train-only: expected one of features, pixels, received both');
    expect(await runCli(['main', '--jobs', '0'], captureIo())).toBe(2);
  });
});
