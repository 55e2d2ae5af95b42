import { type ClipSet, movingMnistClips } from '@vjepa/data';
import { ConfigError } from '@vjepa/errors';
import { type EvalArch, clipOf } from './arch';
import { loadEncoder } from './encoder-source';
import { cachedFeatures } from './feature-cache';

/**
 * One feature pass of the embedded suite, as plain data (JSON and structured-clone safe), so that it
 * can be computed anywhere: in this process, on a worker thread, in another process. It names the
 * encoder (a checkpoint or a seeded random init, and the architecture), the clip set (the embedded
 * Moving MNIST part, count and seed; the clip sampling comes from `arch`), the input variant and the
 * cache it fills. {@link computeFeatureJob} computes it through {@link cachedFeatures}, so its cache
 * file, record, SHA-256 and parts are those the suite reads.
 *
 * @example
 * const job: FeatureJob = {
 *   name: 'random-init/probe-train', encoder: 'random-init', spec: { randomInit: { seed: 0 } }, arch,
 *   clips: { kind: 'moving-mnist', part: 'probe-train', count: 2000, seed: 1001 }, cacheDir: 'runs/main/eval/cache',
 * };
 */
export interface FeatureJob {
  /** `<encoder>/<part>`, e.g. `one-frame/probe-test`: what log lines and errors call it. */
  name: string;
  /** The suite's encoder row: `vjepa`, `random-init`, `one-frame` or `pixels`. */
  encoder: string;
  /** Where the weights come from (`EncoderSpec` without pre-read weights). */
  spec: { checkpoint?: string; key?: 'target_encoder' | 'encoder'; randomInit?: { seed: number } };
  arch: EvalArch;
  clips: { kind: 'moving-mnist'; part: 'probe-train' | 'probe-test'; count: number; seed: number };
  /** Feed the encoder this frame repeated (the one-frame control). */
  oneFrame?: number;
  /** The suite's feature cache. */
  cacheDir: string;
}

/**
 * What computing a {@link FeatureJob} gives back: the cache now holds its features.
 *
 * @example
 * const r: FeatureJobResult = { name: 'vjepa/probe-test', encoder: 'vjepa', cached: false, shape: [1000, 64, 96], seconds: 9.1 };
 */
export interface FeatureJobResult {
  name: string;
  encoder: string;
  /** True when the cache already held the features (nothing was computed). */
  cached: boolean;
  shape: [number, number, number];
  seconds: number;
}

/**
 * Computes feature jobs into their cache before the suite reads them: the suite's extension point
 * for parallelism (apps pass a pool of worker threads, see `@vjepa/probe-pool`; the default is
 * none: the suite computes each set in this process when it first needs it). Results come back in
 * the order of `jobs`. Aborting `signal` stops between feature parts (the parts written are kept).
 *
 * @example
 * const here: FeatureRunner = (jobs, log, signal) => computeFeatureJobs(jobs, { log, signal });
 */
export type FeatureRunner = (jobs: readonly FeatureJob[], log: (line: string) => void, signal?: AbortSignal) => Promise<FeatureJobResult[]>;

/**
 * The clip set a job encodes: the embedded Moving MNIST part, sampled with the job's architecture
 * (the same call as the suite's).
 *
 * @example
 * featureJobClips(job).size; // 2000
 */
export function featureJobClips(job: FeatureJob): ClipSet {
  if (job.clips?.kind !== 'moving-mnist') throw new ConfigError(`feature job ${job.name}: clips`, { expected: "{ kind: 'moving-mnist', part, count, seed }", received: JSON.stringify(job.clips) });
  return movingMnistClips(clipOf(job.arch), { part: job.clips.part, count: job.clips.count, seed: job.clips.seed });
}

/**
 * Relative cost of a job, to start the longest first on a pool: clips x tokens x depth x width²
 * (the encoder's linear layers dominate at the suite's sizes).
 *
 * @example
 * featureJobCost(trainJob) > featureJobCost(testJob); // 2000 clips against 1000
 */
export function featureJobCost(job: FeatureJob): number {
  const v = job.arch.vit;
  const tokens = (v.numFrames / v.tubeletSize) * (v.imgSize / v.patchSize) ** 2;
  return job.clips.count * job.arch.numClips * tokens * v.depth * v.embedDim * v.embedDim;
}

/**
 * Computes one job into its cache: loads the encoder, builds the clip set and calls
 * {@link cachedFeatures} (a hit when the cache holds it already; an interrupted pass resumes from
 * its parts). The encoder is disposed before it returns, whatever happens.
 *
 * @example
 * const r = await computeFeatureJob(job, { log: console.log });
 * r.cached; // false the first time, true after
 */
export async function computeFeatureJob(job: FeatureJob, options: { log?: (line: string) => void; signal?: AbortSignal } = {}): Promise<FeatureJobResult> {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const set = featureJobClips(job);
  const loaded = await loadEncoder(job.arch, job.spec, log);
  try {
    const f = await cachedFeatures(loaded, set, { cacheDir: job.cacheDir, oneFrame: job.oneFrame, log, signal: options.signal });
    return { name: job.name, encoder: job.encoder, cached: f.cached, shape: f.shape, seconds: (Date.now() - started) / 1000 };
  } finally {
    loaded.encoder.dispose();
  }
}

/**
 * The {@link FeatureRunner} of this process: every job here, one after the other.
 *
 * @example
 * await computeFeatureJobs(suiteFeatureJobs(opts), { log: console.log });
 */
export async function computeFeatureJobs(jobs: readonly FeatureJob[], options: { log?: (line: string) => void; signal?: AbortSignal } = {}): Promise<FeatureJobResult[]> {
  const out: FeatureJobResult[] = [];
  for (const job of jobs) out.push(await computeFeatureJob(job, options));
  return out;
}
