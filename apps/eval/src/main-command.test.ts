import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BackendError, ConfigError, DataError } from '@vjepa/errors';
import { computeFeatureJobs } from '@vjepa/eval';
import { type RunResult, mainRunConfig, type runTraining } from '@vjepa/run';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli-main';
import { controlFeatureJobs } from './control-features';
import { runMain, runMainTraining } from './main-command';
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
    // the child computed the random-init control's features once trained; the suite found them and computed the rest on workers
    const cache = join(dir, 'jobs2', 'run', 'eval', 'cache');
    expect(two.lines).toContain(`[pixels] == suite features: random-init/probe-train, random-init/probe-test -> ${cache}`);
    expect(two.lines.some((l) => /^\[pixels\] == suite features: done in \d+\.\d s \(2 computed, 0 in the cache already\)$/.test(l))).toBe(true);
    expect(two.lines).toContain('suite: 8 feature passes on 2 worker threads (cpu)');
    for (const part of ['probe-train', 'probe-test']) expect(two.lines).toContain(`  [random-init/${part}] in the cache already`);
    expect(two.lines.filter((l) => /^ {2}\[(vjepa|one-frame|pixels)\/probe-(train|test)\] done in /.test(l))).toHaveLength(6);
    expect(two.lines.some((l) => l.includes('not in the cache after the pixel child'))).toBe(false);
    expect(one.lines.some((l) => l.includes('feature passes'))).toBe(false); // --jobs 1: the suite computes its features as before
    const files = (d: string) => readdirSync(d).sort().map((f) => [f, readFileSync(join(d, f))]);
    expect(files(cache)).toEqual(files(join(dir, 'jobs1', 'run', 'eval', 'cache')));
  });

  it("computes here, and says so, the control's features the child could not compute; the numbers stay those of --jobs 1", async () => {
    const dir = tempDir();
    const one = await runMain({ folder: join(dir, 'one', 'run'), set: TINY, backend: 'cpu', jobs: 1, suite: SUITE, log: () => {} });
    const folder = join(dir, 'two', 'run');
    // a file where the child's cache folder goes: its feature passes fail; removed once it said so
    mkdirSync(join(folder, 'eval'), { recursive: true });
    const blocker = join(folder, 'eval', 'cache');
    writeFileSync(blocker, 'not a folder');
    const lines: string[] = [];
    const log = (l: string) => {
      lines.push(l);
      if (l.startsWith('[pixels] == suite features: could not compute them here')) rmSync(blocker);
    };
    const two = await runMain({ folder, set: TINY, backend: 'cpu', jobs: 2, suite: SUITE, log });
    expect(statSync(blocker).isDirectory()).toBe(true);
    expect(lines.some((l) => /^\[pixels\] == suite features: could not compute them here \(Error: .*cache.*\); the suite computes them after the trainings$/.test(l))).toBe(true);
    expect(lines).toContain('suite: random-init/probe-train, random-init/probe-test not in the cache after the pixel child process (see its [pixels] lines): computed here');
    expect(lines.some((l) => /^== pixels: child process done in /.test(l))).toBe(true);
    expect(two.table).toBe(one.table);
  });

  it("stops the child's feature passes when interrupted after its training (ConfigError); a rerun resumes them to the same files", async () => {
    const dir = tempDir();
    const folder = join(dir, 'run');
    const jobs = await controlFeatureJobs(mainRunConfig('features', { folder, set: TINY }), folder, { trainClips: 70, testClips: 6 });
    const done = { status: 'completed', encoderExport: null, paths: { folder: `${folder}-pixels` }, wallSeconds: 0 } as unknown as RunResult;
    const train: typeof runTraining = async () => done;
    const controller = new AbortController();
    const log = (l: string) => l.startsWith('== suite features: random-init') && controller.abort();
    await expect(runMainTraining('pixels', { folder, set: TINY, backend: 'cpu', train, featureJobs: jobs, signal: controller.signal, log })).rejects.toSatisfy((e) => ConfigError.isInstance(e) && /interrupted after 0 of 70 items/.test((e as Error).message));
    const lines: string[] = [];
    await runMainTraining('pixels', { folder, set: TINY, backend: 'cpu', train, featureJobs: jobs, log: (l) => lines.push(l) });
    expect(lines.some((l) => /^== suite features: done in \d+\.\d s \(2 computed, 0 in the cache already\)$/.test(l))).toBe(true);
    const elsewhere = jobs.map((j) => ({ ...j, cacheDir: join(dir, 'elsewhere') }));
    await computeFeatureJobs(elsewhere);
    const files = (d: string) => readdirSync(d).sort().map((f) => [f, readFileSync(join(d, f))]);
    expect(files(jobs[0].cacheDir)).toEqual(files(join(dir, 'elsewhere')));
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
    const io2 = captureIo();
    expect(await runCli(['main', '--feature-jobs', '[]'], io2)).toBe(2);
    expect(io2.err.join('\n')).toContain('--feature-jobs: expected only with --train-only');
    const io3 = captureIo();
    expect(await runCli(['main', '--train-only', 'pixels', '--feature-jobs', '[{"name": 1}]'], io3)).toBe(2);
    expect(io3.err.join('\n')).toContain('--feature-jobs: expected a JSON array of { name, encoder, spec, arch, clips, cacheDir } objects, received [{"name": 1}]');
  });
});
