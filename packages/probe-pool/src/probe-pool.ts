import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { wasmPatchState } from '@vjepa/backends';
import { type ProbeRunResult, type ProbeRunner, type ProbeUnit, probeCost } from '@vjepa/eval';
import type { ProbeTask, WorkerBackend } from './probe-worker';
import { siblingEntry, startWorker } from './source-entry';
import { workerChannel } from './worker-channel';

export type { WorkerBackend } from './probe-worker';

/**
 * Default of the CLIs' `--jobs`: tfjs's wasm backend runs one thread per process, so up to two of
 * them (the 2-core machines the suite defaults are sized for).
 *
 * @example
 * const runProbes = probePoolRunner(defaultJobs());
 */
export function defaultJobs(): number {
  return Math.min(2, availableParallelism());
}

/**
 * Options of {@link runProbePool}.
 *
 * @example
 * const opts: ProbePoolOptions = { jobs: 2, backend: { name: 'cpu' }, log: console.log };
 */
export interface ProbePoolOptions {
  /** Worker threads (at most one per unit). */
  jobs: number;
  /** What each worker sets up; {@link poolBackend} gives the parent's. */
  backend: WorkerBackend;
  log?: (line: string) => void;
}

/**
 * The active tfjs backend as a worker can set it up again (wasm with the same training fixes, or
 * cpu), or undefined for a backend that is not worth a thread per probe (a GPU one) or cannot run
 * in a worker.
 *
 * @example
 * const backend = poolBackend(); // { name: 'wasm', wasmPatches: { segmentSum: true, ... } }
 */
export function poolBackend(): WorkerBackend | undefined {
  const name = tf.getBackend();
  if (name === 'wasm') return { name, wasmPatches: wasmPatchState() };
  if (name === 'cpu') return { name };
  return undefined;
}

/**
 * Trains and tests the probes of `units` on a pool of `jobs` worker threads (tfjs's wasm backend
 * runs one thread per process, so each worker gives a core of its own). Each worker sets up
 * `backend` and calls {@link runProbe} with the unit's options, so a result equals the in-process
 * one bit for bit. Units start longest first ({@link probeCost}), each on the next free worker;
 * results come back in the order of `units`. The first failure terminates every worker and throws.
 *
 * @example
 * const [digit, direction] = await runProbePool([digitUnit, directionUnit], { jobs: 2, backend: poolBackend()! });
 */
export async function runProbePool(units: readonly ProbeUnit[], options: ProbePoolOptions): Promise<ProbeRunResult[]> {
  const log = options.log ?? (() => {});
  const jobs = Math.max(1, Math.min(Math.floor(options.jobs), units.length));
  const queue = units.map((u, i) => ({ i, cost: probeCost(u) })).sort((a, b) => b.cost - a.cost || a.i - b.i).map((u) => u.i);
  const results: ProbeRunResult[] = new Array(units.length);
  const entry = siblingEntry('probe-worker', import.meta.url);
  const workers: Worker[] = [];
  let failed = false;
  try {
    await Promise.all(
      Array.from({ length: units.length === 0 ? 0 : jobs }, async (_, w) => {
        const worker = startWorker(entry, { workerData: { probeWorker: options.backend } });
        workers.push(worker);
        const channel = workerChannel<ProbeRunResult>(worker, { worker: `probe worker ${w + 1}`, task: (i) => `probe ${units[i].name}`, tag: (i) => units[i].name, hint: 'rerun with --jobs 1 to train the probes in this process.' }, log);
        const u = (i: number) => units[i];
        // structured clone copies the features once per unit
        const run = (i: number) => channel(i, { type: 'probe', index: i, train: u(i).train, trainLabels: u(i).trainLabels, test: u(i).test, testLabels: u(i).testLabels, options: u(i).options } satisfies ProbeTask);
        for (let i = queue.shift(); i !== undefined && !failed; i = queue.shift()) {
          log(`  [${units[i].name}] ${units[i].options.kind} probe on worker ${w + 1}`);
          try {
            results[i] = await run(i);
          } catch (e) {
            failed = true;
            throw e;
          }
        }
      }),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}

/**
 * The suite's probe runner for `jobs` cores: with 2 or more, a pool of that many worker threads on
 * the active backend ({@link runProbePool}); otherwise, or on a backend a worker cannot replicate (a
 * GPU one), undefined, which makes the suite train its probes in this process, one after the other
 * (saying why when `jobs` asked for more). The numbers are the same either way.
 *
 * @example
 * await runSuite({ run: 'runs/main', runProbes: probePoolRunner(2, console.log) });
 */
export function probePoolRunner(jobs: number, log: (line: string) => void = () => {}): ProbeRunner | undefined {
  if (jobs < 2) return undefined;
  const backend = poolBackend();
  if (backend === undefined) {
    log(`suite: --jobs ${jobs} ignored on the ${tf.getBackend()} backend (probe workers run wasm or cpu); probes train in this process`);
    return undefined;
  }
  return async (units, unitLog) => {
    unitLog(`suite: ${units.length} probe trainings on ${Math.min(jobs, units.length)} worker threads (${backend.name})`);
    return runProbePool(units, { jobs, backend, log: unitLog });
  };
}
