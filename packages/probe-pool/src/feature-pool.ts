import type { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '@vjepa/errors';
import { type FeatureJob, type FeatureJobResult, type FeatureRunner, featureJobCost } from '@vjepa/eval';
import { poolBackend } from './probe-pool';
import type { AbortTask, FeatureTask, WorkerBackend } from './probe-worker';
import { siblingEntry, startWorker } from './source-entry';
import { workerChannel } from './worker-channel';

/**
 * Options of {@link runFeaturePool}.
 *
 * @example
 * const opts: FeaturePoolOptions = { jobs: 2, backend: { name: 'cpu' }, log: console.log };
 */
export interface FeaturePoolOptions {
  /** Worker threads (at most one per job). */
  jobs: number;
  /** What each worker sets up; `poolBackend()` gives the parent's. */
  backend: WorkerBackend;
  /** Aborting stops every worker at its next feature part (the parts written are kept) and rejects with a ConfigError. */
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/**
 * Computes the suite's feature passes (`@vjepa/eval`'s {@link FeatureJob}s) into their cache on a
 * pool of `jobs` worker threads, the probe pool's workers (tfjs's wasm backend runs one thread per
 * process, so each worker gives a core of its own). Each worker sets up `backend` and calls
 * `computeFeatureJob`, which goes through `cachedFeatures`: the cache files are those of the
 * in-process path, bit for bit, and a job already in the cache is a quick hit. Jobs start largest
 * first ({@link featureJobCost}), each on the next free worker; results come back in the order of
 * `jobs`. The first failure stops the others (no new job starts), terminates every worker and
 * throws, naming the job.
 *
 * @example
 * await runFeaturePool(await suiteFeatureJobs({ run: 'runs/main' }), { jobs: 2, backend: poolBackend()! });
 */
export async function runFeaturePool(jobs: readonly FeatureJob[], options: FeaturePoolOptions): Promise<FeatureJobResult[]> {
  const log = options.log ?? (() => {});
  const interrupted = () => new ConfigError(`feature passes ${jobs.map((j) => j.name).join(', ')}`, { expected: 'completed', received: 'interrupted', hint: 'rerun the same command: the feature parts written so far are kept' });
  const aborted = (): boolean => options.signal?.aborted === true;
  if (aborted()) throw interrupted();
  const threads = Math.max(1, Math.min(Math.floor(options.jobs), jobs.length));
  const queue = jobs.map((j, i) => ({ i, cost: featureJobCost(j) })).sort((a, b) => b.cost - a.cost || a.i - b.i).map((j) => j.i);
  const results: FeatureJobResult[] = new Array(jobs.length);
  const entry = siblingEntry('probe-worker', import.meta.url);
  const workers: Worker[] = [];
  let failed = false;
  const abort = (): void => {
    failed = true; // no new job starts; the running ones stop at their next part and reject
    for (const w of workers) w.postMessage({ type: 'abort' } satisfies AbortTask);
  };
  options.signal?.addEventListener('abort', abort);
  try {
    await Promise.all(
      Array.from({ length: jobs.length === 0 ? 0 : threads }, async (_, w) => {
        const worker = startWorker(entry, { workerData: { probeWorker: options.backend } });
        workers.push(worker);
        if (aborted()) abort(); // aborted while the workers were starting
        const channel = workerChannel<FeatureJobResult>(worker, { worker: `feature worker ${w + 1}`, task: (i) => `features ${jobs[i].name}`, tag: (i) => jobs[i].name, hint: 'rerun with --jobs 1 to compute the features in this process.' }, log);
        for (let i = queue.shift(); i !== undefined && !failed; i = queue.shift()) {
          log(`  [${jobs[i].name}] features on worker ${w + 1}`);
          try {
            const r = await channel(i, { type: 'features', index: i, job: jobs[i] } satisfies FeatureTask);
            results[i] = r;
            log(`  [${jobs[i].name}] ${r.cached ? 'in the cache already' : `done in ${r.seconds.toFixed(1)} s`}`);
          } catch (e) {
            failed = true;
            throw e;
          }
        }
      }),
    );
  } finally {
    options.signal?.removeEventListener('abort', abort);
    await Promise.all(workers.map((w) => w.terminate()));
  }
  if (aborted()) throw interrupted(); // stopped between jobs: some were never started
  return results;
}

/**
 * The suite's feature runner for `jobs` cores: with 2 or more, a pool of that many worker threads
 * on the active backend ({@link runFeaturePool}); otherwise, or on a backend a worker cannot
 * replicate (a GPU one), undefined, which makes the suite compute each feature set in this process
 * when it needs it. The features are the same either way.
 *
 * @example
 * await runSuite({ run: 'runs/main', runFeatures: featurePoolRunner(2, console.log), runProbes: probePoolRunner(2, console.log) });
 */
export function featurePoolRunner(jobs: number, log: (line: string) => void = () => {}): FeatureRunner | undefined {
  if (jobs < 2) return undefined;
  const backend = poolBackend();
  if (backend === undefined) {
    log(`suite: --jobs ${jobs} ignored on the ${tf.getBackend()} backend (feature workers run wasm or cpu); features are computed in this process`);
    return undefined;
  }
  return async (featureJobs, jobLog, signal) => {
    jobLog(`suite: ${featureJobs.length} feature passes on ${Math.min(jobs, featureJobs.length)} worker threads (${backend.name})`);
    const started = Date.now();
    const results = await runFeaturePool(featureJobs, { jobs, backend, log: jobLog, signal });
    jobLog(`suite: feature passes done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return results;
  };
}
