import { parentPort, workerData } from 'node:worker_threads';
import { setupBackend, type BackendName, type WasmPatchState } from '@vjepa/backends';
import { VjepaError } from '@vjepa/errors';
import { type Features, type ProbeRunOptions, type ProbeRunResult, runProbe } from '@vjepa/eval';

/**
 * The backend a probe worker sets up: the parent's, so that a probe trains to the same numbers in
 * either (the wasm training fixes included).
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
 * worker.postMessage({ index: 0, train, trainLabels, test, testLabels, options } satisfies ProbeTask);
 */
export interface ProbeTask {
  index: number;
  train: Features;
  trainLabels: Int32Array;
  test: Features;
  testLabels: Int32Array;
  options: Omit<ProbeRunOptions, 'log'>;
}

/**
 * What a worker posts back: log lines of a task, then its result or its error.
 *
 * @example
 * worker.on('message', (m: ProbeReply) => { if (m.type === 'result') results[m.index] = m.result; });
 */
export type ProbeReply =
  | { type: 'log'; index: number; line: string }
  | { type: 'result'; index: number; result: ProbeRunResult }
  | { type: 'error'; index: number; error: { name: string; message: string; stack?: string; vjepa: boolean } };

// Runs as a worker thread of probe-pool.ts; imported anywhere else it does nothing.
if (parentPort !== null && (workerData as { probeWorker?: WorkerBackend } | undefined)?.probeWorker !== undefined) {
  const port = parentPort;
  const backend = (workerData as { probeWorker: WorkerBackend }).probeWorker;
  const ready = setupBackend(backend.name, { wasmPatches: backend.wasmPatches });
  ready.catch(() => {}); // reported with the first task
  const post = (reply: ProbeReply) => port.postMessage(reply);
  port.on('message', async (task: ProbeTask) => {
    try {
      await ready;
      const log = (line: string) => post({ type: 'log', index: task.index, line });
      const result = await runProbe(task.train, task.trainLabels, task.test, task.testLabels, { ...task.options, log });
      post({ type: 'result', index: task.index, result });
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      post({ type: 'error', index: task.index, error: { name: error.name, message: error.message, stack: error.stack, vjepa: VjepaError.isInstance(e) } });
    }
  });
}
