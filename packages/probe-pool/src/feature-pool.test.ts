import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setupBackend } from '@vjepa/backends';
import { ConfigError, VjepaError } from '@vjepa/errors';
import { type FeatureJob, archFromConfig, computeFeatureJobs, suiteFeatureJobs } from '@vjepa/eval';
import { writeSafetensors } from '@vjepa/io';
import { VisionTransformer } from '@vjepa/vit';
import { beforeAll, describe, expect, it } from 'vitest';
import { featurePoolRunner, runFeaturePool } from './feature-pool';
import { poolBackend } from './probe-pool';

/** 32 tokens (2 x 4 x 4), D 16, one block. */
const arch = archFromConfig({ model: { embed_dim: 16, depth: 1, num_heads: 2 }, data: { patch_size: 8, tubelet_size: 2, num_frames: 4, crop_size: 32, frame_step: 1 } });

async function encoderFile(dir: string, seed: number): Promise<string> {
  const vit = new VisionTransformer(arch.vit, { seed });
  const file = join(dir, `encoder-${seed}.safetensors`);
  writeFileSync(file, writeSafetensors(await vit.stateDict()));
  vit.dispose();
  return file;
}

/** The suite's eight jobs (V-JEPA, random init, one frame, pixels x probe-train, probe-test) into `cache`. */
async function suiteJobs(dir: string, cache: string, clips = { trainClips: 70, testClips: 12 }): Promise<FeatureJob[]> {
  const checkpoint = await encoderFile(dir, 1);
  const pixelCheckpoint = await encoderFile(dir, 2);
  return suiteFeatureJobs({ checkpoint, arch, pixelCheckpoint, cacheDir: join(dir, cache), ...clips });
}

function cacheFiles(dir: string): Map<string, Buffer> {
  return new Map(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f))]));
}

/** OS threads of this process (a worker thread is one): what is left after a pool tells whether it ended its workers. */
function threads(): number {
  return Number(/^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]);
}

const inCache = (jobs: readonly FeatureJob[], dir: string) => jobs.map((j) => ({ ...j, cacheDir: dir }));

describe('feature pool', () => {
  beforeAll(async () => {
    await setupBackend('cpu');
  });

  it('writes the cache files of the in-process path bit for bit, results in the order of the jobs, largest first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vjepa-fpool-'));
    const jobs = await suiteJobs(dir, 'here');
    await computeFeatureJobs(jobs);
    const lines: string[] = [];
    const got = await runFeaturePool(inCache(jobs, join(dir, 'pool')), { jobs: 2, backend: poolBackend()!, log: (l) => lines.push(l) });
    expect(cacheFiles(join(dir, 'pool'))).toEqual(cacheFiles(join(dir, 'here')));
    expect(got.map((r) => [r.name, r.cached, r.shape])).toEqual(jobs.map((j) => [j.name, false, [j.clips.count, 32, 16]]));
    const started = lines.filter((l) => / features on worker [12]$/.test(l));
    expect(started).toHaveLength(8);
    expect(started.slice(0, 4).every((l) => l.includes('/probe-train]'))).toBe(true); // 70 clips before 12
    expect(lines).toContain('  [one-frame/probe-test] features: moving-mnist-probe-test under encoder-1.safetensors (one frame repeated): [12, 32, 16]');
    expect(lines.filter((l) => /^ {2}\[[a-z-]+\/probe-(train|test)\] done in \d+\.\d s$/.test(l))).toHaveLength(8);
    // a second pass finds every job in the cache
    lines.length = 0;
    const again = await runFeaturePool(inCache(jobs, join(dir, 'pool')), { jobs: 2, backend: poolBackend()!, log: (l) => lines.push(l) });
    expect(again.every((r) => r.cached)).toBe(true);
    expect(lines.filter((l) => l.endsWith('] in the cache already'))).toHaveLength(8);
  });

  it("sets up the parent's backend in the workers: wasm gives its own features, the same as here", async () => {
    await setupBackend('wasm');
    try {
      const dir = mkdtempSync(join(tmpdir(), 'vjepa-fpool-'));
      const jobs = (await suiteJobs(dir, 'here', { trainClips: 10, testClips: 6 })).filter((j) => j.encoder !== 'random-init');
      await computeFeatureJobs(jobs);
      const backend = poolBackend()!;
      expect(backend.name).toBe('wasm');
      await runFeaturePool(inCache(jobs, join(dir, 'pool')), { jobs: 2, backend });
      expect(cacheFiles(join(dir, 'pool'))).toEqual(cacheFiles(join(dir, 'here')));
    } finally {
      await setupBackend('cpu');
    }
  });

  it('stops at a failing job with its error class, naming the job, and ends every worker', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vjepa-fpool-'));
    const jobs = await suiteJobs(dir, 'cache', { trainClips: 8, testClips: 4 });
    await runFeaturePool(inCache(jobs, join(dir, 'warm')), { jobs: 2, backend: { name: 'cpu' } }); // the thread pools of this process are up
    const idle = threads();
    const missing = join(dir, 'gone.safetensors');
    const bad = jobs.map((j) => (j.encoder === 'pixels' ? { ...j, spec: { checkpoint: missing } } : j));
    let busy = 0;
    const run = runFeaturePool(bad, { jobs: 2, backend: { name: 'cpu' }, log: () => (busy = Math.max(busy, threads())) });
    await expect(run).rejects.toSatisfy((e) => VjepaError.isInstance(e) && /^features pixels\/probe-(train|test) \(in a worker thread\): .*gone\.safetensors/.test((e as Error).message));
    expect(busy).toBeGreaterThan(idle);
    expect(threads()).toBe(idle);
    expect(existsSync(join(dir, 'cache'))).toBe(true); // the jobs before the failure wrote theirs
  });

  it('stops every worker at its next part when aborted (ConfigError), keeping the parts; a rerun gives the same files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vjepa-fpool-'));
    const jobs = (await suiteJobs(dir, 'here', { trainClips: 130, testClips: 8 })).filter((j) => j.name === 'vjepa/probe-train' || j.name === 'random-init/probe-train');
    await computeFeatureJobs(jobs);
    const controller = new AbortController();
    const pool = inCache(jobs, join(dir, 'pool'));
    const run = runFeaturePool(pool, { jobs: 2, backend: { name: 'cpu' }, signal: controller.signal, log: (l) => l.endsWith('features on worker 2') && controller.abort() });
    await expect(run).rejects.toSatisfy((e) => ConfigError.isInstance(e) && /interrupted/.test((e as Error).message));
    expect(readdirSync(join(dir, 'pool')).some((f) => f.endsWith('.npy'))).toBe(false); // no set was finished
    await expect(runFeaturePool(pool, { jobs: 2, backend: { name: 'cpu' }, signal: controller.signal })).rejects.toBeInstanceOf(ConfigError); // already aborted: nothing starts
    await runFeaturePool(pool, { jobs: 2, backend: { name: 'cpu' } });
    expect(cacheFiles(join(dir, 'pool'))).toEqual(cacheFiles(join(dir, 'here')));
  });

  it('is the suite runner for 2 or more jobs on cpu or wasm, and none (compute here) for 1', () => {
    expect(featurePoolRunner(1)).toBeUndefined();
    expect(typeof featurePoolRunner(2)).toBe('function');
    expect(tf.getBackend()).toBe('cpu');
  });
});
