import { parentPort, workerData } from 'node:worker_threads';
import { setupBackend, type BackendName, type WasmPatchState } from '@vjepa/backends';
import { VjepaError } from '@vjepa/errors';
import { type FeatureJob, type FeatureJobResult, type Features, type ProbeRunOptions, type ProbeRunResult, computeFeatureJob, runProbe } from '@vjepa/eval';
import type { WorkerReply } from './worker-channel';

/**
 * The backend a pool worker sets up: the parent's, so that a probe trains (and an encoder encodes)
 * to the same numbers in either (the wasm training fixes included).
 *
 * @example
 * const backend: WorkerBackend = { name: 'wasm', wasmPatches: wasmPatchState() };
 */
export interface WorkerBackend {
  name: Extract<BackendName, 'wasm' | 'cpu'>;
  wasmPatches?: WasmPatchState;
}

/**
 * One probe training sent to a worker: {@link runProbe}'s arguments (features copied once into
 * the message).
 *
 * @example
 * worker.postMessage({ type: 'probe', index: 0, train, trainLabels, test, testLabels, options } satisfies ProbeTask);
 */
export interface ProbeTask {
  type: 'probe';
  index: number;
  train: Features;
  trainLabels: Int32Array;
  test: Features;
  testLabels: Int32Array;
  options: Omit<ProbeRunOptions, 'log'>;
}

/**
 * One feature pass sent to a worker: {@link computeFeatureJob} writes it into the job's cache.
 *
 * @example
 * worker.postMessage({ type: 'features', index: 0, job } satisfies FeatureTask);
 */
export interface FeatureTask {
  type: 'features';
  index: number;
  job: FeatureJob;
}

/**
 * Stops the worker's feature pass at its next part boundary (the parts written are kept) and
 * every pass after it: the pool sends it when its signal aborts.
 *
 * @example
 * worker.postMessage({ type: 'abort' } satisfies AbortTask);
 */
export interface AbortTask {
  type: 'abort';
}

/**
 * What a worker posts back: log lines of a task, then its result or its error.
 *
 * @example
 * worker.on('message', (m: ProbeReply) => { if (m.type === 'result') results[m.index] = m.result; });
 */
export type ProbeReply = WorkerReply<ProbeRunResult | FeatureJobResult>;

// Runs as a worker thread of probe-pool.ts / feature-pool.ts; imported anywhere else it does nothing.
if (parentPort !== null && (workerData as { probeWorker?: WorkerBackend } | undefined)?.probeWorker !== undefined) {
  const port = parentPort;
  const backend = (workerData as { probeWorker: WorkerBackend }).probeWorker;
  const ready = setupBackend(backend.name, { wasmPatches: backend.wasmPatches });
  ready.catch(() => {}); // reported with the first task
  const stop = new AbortController();
  const post = (reply: ProbeReply) => port.postMessage(reply);
  port.on('message', async (task: ProbeTask | FeatureTask | AbortTask) => {
    if (task.type === 'abort') return stop.abort();
    try {
      await ready;
      const log = (line: string) => post({ type: 'log', index: task.index, line });
      const result =
        task.type === 'features'
          ? await computeFeatureJob(task.job, { log, signal: stop.signal })
          : await runProbe(task.train, task.trainLabels, task.test, task.testLabels, { ...task.options, log });
      post({ type: 'result', index: task.index, result });
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      post({ type: 'error', index: task.index, error: { name: error.name, message: error.message, stack: error.stack, vjepa: VjepaError.isInstance(e) } });
    }
  });
}
