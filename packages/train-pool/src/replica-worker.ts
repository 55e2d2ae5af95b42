// One data-parallel replica (a worker thread started by ./train-pool.ts): the parent's backend, its
// own models and trainer built from the run config (`@vjepa/run`'s createTrainingSession) as
// replica `rank` of the group, summing over the other replicas through shared memory.
import { parentPort, workerData } from 'node:worker_threads';
import { type BackendName, type WasmPatchState, setupBackend } from '@vjepa/backends';
import { type RunConfig, createTrainingSession, strategyForConfig } from '@vjepa/run';
import { exportOfficial, loadCheckpoint } from '@vjepa/trainer';
import { SharedSum } from './shared-sum';

/**
 * What a replica is started with.
 *
 * @example
 * const data: ReplicaData = { config, rank: 0, size: 2, sab, capacity, backend: { name: 'wasm' }, checkpointsDir, baseDir: process.cwd() };
 */
export interface ReplicaData {
  config: RunConfig;
  rank: number;
  size: number;
  sab: SharedArrayBuffer;
  capacity: number;
  backend: { name: Extract<BackendName, 'wasm' | 'cpu'>; wasmPatches?: WasmPatchState };
  checkpointsDir: string;
  baseDir?: string;
}

/**
 * A request to a replica.
 *
 * @example
 * worker.postMessage({ type: 'step', clips, shape } satisfies ReplicaRequest);
 */
export type ReplicaRequest =
  | { type: 'step'; clips: Float32Array; shape: number[] }
  | { type: 'resume'; path: string }
  | { type: 'resumeNewestIntact' }
  | { type: 'continueOfficial'; path: string }
  | { type: 'snapshot' }
  | { type: 'export'; path: string; loss?: number; batchSize: number }
  | { type: 'close' };

/**
 * A replica's answer to a request (or `ready` once built, or the error a request raised).
 *
 * @example
 * worker.on('message', (m: ReplicaReply) => { if (m.type === 'error') console.error(m.message); });
 */
export type ReplicaReply =
  | { type: 'ready' }
  | { type: 'done'; value: unknown }
  | { type: 'error'; name: string; message: string; step?: number; state?: Record<string, unknown> };

/** A thrown value as an error reply: its name and message, and the step and state a trainer guard carries. */
function errorReply(e: unknown): ReplicaReply {
  if (!(e instanceof Error)) return { type: 'error', name: 'Error', message: String(e) };
  const { step, state } = e as { step?: unknown; state?: unknown };
  const reply: ReplicaReply = { type: 'error', name: e.name, message: e.message };
  if (typeof step === 'number') reply.step = step;
  if (state !== null && typeof state === 'object') {
    try {
      reply.state = structuredClone(state) as Record<string, unknown>;
    } catch {
      // not cloneable: the message already carries a preview of it
    }
  }
  return reply;
}

const data = workerData as ReplicaData;
const port = parentPort!;
try {
  await setupBackend(data.backend.name, { wasmPatches: data.backend.wasmPatches });
  const strategy = await strategyForConfig(data.config, data.baseDir);
  const group = new SharedSum(data.sab, data.rank, data.size, data.capacity);
  const session = createTrainingSession(data.config, strategy, data.checkpointsDir, { replica: group });
  port.on('message', (request: ReplicaRequest) => {
    void handle(request).then(
      (value) => port.postMessage({ type: 'done', value } satisfies ReplicaReply),
      (e: unknown) => port.postMessage(errorReply(e)),
    );
  });
  async function handle(request: ReplicaRequest): Promise<unknown> {
    switch (request.type) {
      case 'step':
        return session.step({ clips: request.clips, shape: request.shape } as Parameters<typeof session.step>[0]);
      case 'resume': {
        const state = await loadCheckpoint(request.path);
        session.trainer.restore(state);
        return { iteration: state.iteration, rng: state.rng };
      }
      case 'resumeNewestIntact': {
        const found = await session.resumeNewestIntact();
        return found === null ? null : { ...found, rng: (await session.trainer.snapshot()).rng };
      }
      case 'continueOfficial': {
        const continued = await session.continueOfficial(request.path);
        return { ...continued, rng: (await session.trainer.snapshot()).rng };
      }
      case 'snapshot':
        return session.trainer.snapshot();
      case 'export': {
        const info = await exportOfficial(await session.trainer.snapshot(), request.path, { loss: request.loss, batchSize: request.batchSize });
        return info.warning;
      }
      case 'close':
        session.dispose();
        setImmediate(() => process.exit(0));
        return null;
    }
  }
  port.postMessage({ type: 'ready' } satisfies ReplicaReply);
} catch (e) {
  port.postMessage(errorReply(e));
}
