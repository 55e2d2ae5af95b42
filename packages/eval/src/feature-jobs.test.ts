import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '@vjepa/errors';
import { writeSafetensors } from '@vjepa/io';
import { VisionTransformer } from '@vjepa/vit';
import { beforeAll, describe, expect, it } from 'vitest';
import { archFromConfig } from './arch';
import { type FeatureJob, type FeatureRunner, computeFeatureJob, computeFeatureJobs, featureJobCost } from './feature-jobs';
import { FEATURE_PART_ITEMS } from './feature-cache';
import { runSuite } from './suite';
import { suiteFeatureJobs, suiteFolders } from './suite-plan';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** 32 tokens (2 x 4 x 4), D 16, one block: a suite at this size runs in seconds on cpu. */
const arch = archFromConfig({ model: { embed_dim: 16, depth: 1, num_heads: 2 }, data: { patch_size: 8, tubelet_size: 2, num_frames: 4, crop_size: 32, frame_step: 1 } });

/** A `.safetensors` encoder file of seeded weights (a trained encoder as far as the suite can tell). */
async function encoderFile(dir: string, seed: number): Promise<string> {
  const vit = new VisionTransformer(arch.vit, { seed });
  const file = join(dir, `encoder-${seed}.safetensors`);
  writeFileSync(file, writeSafetensors(await vit.stateDict()));
  vit.dispose();
  return file;
}

/** Every file of a cache folder (name -> bytes). */
function cacheFiles(dir: string): Map<string, Buffer> {
  return new Map(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f))]));
}

const CLIPS = { trainClips: FEATURE_PART_ITEMS * 2 + 2, testClips: 20 }; // 3 parts, then 1
const PROBES = { seeds: 2, epochs: 1, batchSize: 16 };

describe('feature jobs', () => {
  it("lists the suite's passes as plain data: two per encoder, in the suite's cache", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vjepa-jobs-'));
    const checkpoint = await encoderFile(dir, 1);
    const pixelCheckpoint = await encoderFile(dir, 2);
    const jobs = await suiteFeatureJobs({ checkpoint, arch, pixelCheckpoint, out: join(dir, 'eval'), ...CLIPS });
    expect(jobs.map((j) => j.name)).toEqual(['vjepa', 'random-init', 'one-frame', 'pixels'].flatMap((e) => [`${e}/probe-train`, `${e}/probe-test`]));
    expect(JSON.parse(JSON.stringify(jobs))).toEqual(jobs); // JSON-safe: it can go to another process
    expect(new Set(jobs.map((j) => j.cacheDir))).toEqual(new Set([join(dir, 'eval', 'cache')]));
    expect(jobs.find((j) => j.name === 'one-frame/probe-test')).toMatchObject({ oneFrame: 0, spec: { checkpoint }, clips: { kind: 'moving-mnist', part: 'probe-test', count: 20, seed: 1002 } });
    expect(jobs.find((j) => j.name === 'random-init/probe-train')).toMatchObject({ spec: { randomInit: { seed: 0 } }, clips: { count: CLIPS.trainClips, seed: 1001 } });
    expect(featureJobCost(jobs[0])).toBe(2 * featureJobCost({ ...jobs[0], clips: { ...jobs[0].clips, count: CLIPS.trainClips / 2 } }));
    // without an encoder of its own (only `arch`): the random-init control's two passes
    expect((await suiteFeatureJobs({ arch, cacheDir: 'c' })).map((j) => j.name)).toEqual(['random-init/probe-train', 'random-init/probe-test']);
    expect(suiteFolders({ run: 'runs/main' })).toEqual({ out: join('runs/main', 'eval'), cacheDir: join('runs/main', 'eval', 'cache') });
  });

  it('gives the same suite (features, probes, table) with a feature runner as without', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vjepa-jobs-'));
    const checkpoint = await encoderFile(dir, 1);
    const pixelCheckpoint = await encoderFile(dir, 2);
    const common = { checkpoint, arch, pixelCheckpoint, trainClips: FEATURE_PART_ITEMS + 6, testClips: 20, ...PROBES };
    const here = await runSuite({ ...common, out: join(dir, 'here') });
    const given: FeatureJob[][] = [];
    const results: boolean[] = [];
    const runner: FeatureRunner = async (jobs, log, signal) => {
      given.push([...jobs]);
      const r = await computeFeatureJobs(jobs, { log, signal });
      results.push(...r.map((x) => x.cached));
      return r;
    };
    const lines: string[] = [];
    const ran = await runSuite({ ...common, out: join(dir, 'runner'), runFeatures: runner, log: (l) => lines.push(l) });
    expect(given).toHaveLength(1);
    expect(given[0]).toHaveLength(8);
    expect(results).toEqual(new Array(8).fill(false));
    // the loop found every set in the cache: no pass logged after the runner's eight
    expect(lines.filter((l) => l.startsWith('features: '))).toHaveLength(8);
    expect(ran.rows).toEqual(here.rows);
    expect(ran.table).toBe(here.table);
    expect(cacheFiles(join(dir, 'runner', 'cache'))).toEqual(cacheFiles(join(dir, 'here', 'cache')));
  });

  it('stops between parts when aborted, keeps the parts, and resumes to the same bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vjepa-jobs-'));
    const [job] = await suiteFeatureJobs({ arch, cacheDir: join(dir, 'a'), ...CLIPS });
    const full = await computeFeatureJob({ ...job, cacheDir: join(dir, 'b') });
    expect(full.cached).toBe(false);
    // aborted when the third part is about to start (the signal is read once per part)
    let reads = 0;
    const signal = { get aborted() { return ++reads > 2; } } as AbortSignal;
    await expect(computeFeatureJob(job, { signal })).rejects.toSatisfy((e) => ConfigError.isInstance(e) && /interrupted after 128 of 130 items/.test((e as Error).message));
    const parts = readdirSync(join(dir, 'a')).filter((f) => f.endsWith('.parts'));
    expect(parts).toHaveLength(1);
    expect(readdirSync(join(dir, 'a', parts[0])).filter((f) => f.endsWith('.npy'))).toHaveLength(2);
    const lines: string[] = [];
    const resumed = await computeFeatureJob(job, { log: (l) => lines.push(l) });
    expect(resumed).toMatchObject({ cached: false, shape: full.shape });
    expect(lines.some((l) => l.endsWith('(2 part(s) from an interrupted run)'))).toBe(true);
    expect(existsSync(join(dir, 'a', parts[0]))).toBe(false);
    expect(cacheFiles(join(dir, 'a'))).toEqual(cacheFiles(join(dir, 'b')));
    expect((await computeFeatureJob(job)).cached).toBe(true);
  });

  it('leaks no tensor across repeated jobs, failed ones included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vjepa-jobs-'));
    const jobs = await suiteFeatureJobs({ arch, cacheDir: dir, trainClips: 4, testClips: 3 });
    await computeFeatureJobs(jobs);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      await computeFeatureJobs(jobs, { signal: undefined });
      await computeFeatureJob({ ...jobs[0], cacheDir: join(dir, `fresh-${i}`) });
    }
    const missing = { ...jobs[0], spec: { checkpoint: join(dir, 'no-such.safetensors') } };
    await expect(computeFeatureJob(missing)).rejects.toThrow(/no-such\.safetensors/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
