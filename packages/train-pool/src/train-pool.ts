import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { wasmPatchState } from '@vjepa/backends';
import { BackendError, DegenerateStepError, NonFiniteLossError } from '@vjepa/errors';
import { type MaskingStrategy, type Rng, createRng, deriveSeed, restoreRng } from '@vjepa/masking';
import { WarmupCosineSchedule, scheduleLength } from '@vjepa/optim';
import { siblingEntry, startWorker } from '@vjepa/probe-pool';
import { type RunConfig, type StepSession, gridOf, trainingMemoryFacts } from '@vjepa/run';
import {
  LATEST_POINTER,
  MASK_RNG_STREAM,
  type StepMetrics,
  type TrainerState,
  type DamagedCheckpoint,
  checkpointName,
  readCheckpointManifest,
  resolveTrainerConfig,
  saveCheckpoint,
  trainerConfigFromSections,
} from '@vjepa/trainer';
import type { ReplicaData, ReplicaReply, ReplicaRequest } from './replica-worker';
import { sharedSumBuffer } from './shared-sum';

/**
 * Options of {@link dataParallelSession}.
 *
 * @example
 * const opts: DataParallelOptions = { replicas: 2, log: console.log };
 */
export interface DataParallelOptions {
  /** Worker threads, each training `batch_size / replicas` clips of every batch. */
  replicas: number;
  /** Resolves relative `mask_strategy_module` paths in the workers (default: the working directory). */
  baseDir?: string;
  log?: (line: string) => void;
}

/**
 * The error a replica raised, as the training loop knows it: the trainer's guards as the same class
 * with the same step and state (so the run stops at its last good checkpoint), a wasm abort as a
 * RuntimeError (so the run reports the memory limit), anything else as a BackendError naming the replica.
 *
 * @example
 * worker.on('message', (m: ReplicaReply) => { if (m.type === 'error') reject(replicaError(0, m)); });
 */
export function replicaError(rank: number, m: Extract<ReplicaReply, { type: 'error' }>): Error {
  const state = { ...(m.state ?? {}), replica: rank };
  if (m.name === 'NonFiniteLossError' && m.step !== undefined) return new NonFiniteLossError(m.step, state);
  if (m.name === 'DegenerateStepError' && m.step !== undefined) {
    const head = m.message.includes(': expected') ? m.message.slice(0, m.message.indexOf(': expected')) : m.message;
    return new DegenerateStepError(m.step, /\((.*)\)$/.exec(head)?.[1] ?? 'see the replica', state);
  }
  if (m.name === 'RuntimeError') {
    const e = new Error(`${m.message} (data-parallel replica ${rank})`);
    e.name = 'RuntimeError';
    return e;
  }
  return new BackendError(`data-parallel replica ${rank}`, { expected: 'the replica to run its part of the step', received: `${m.name}: ${m.message}` });
}

/** One replica thread and its request queue (one request at a time). */
class Replica {
  private pending: { resolve: (v: unknown) => void; reject: (e: Error) => void } | null = null;
  readonly ready: Promise<void>;
  failure: Error | null = null;

  constructor(
    readonly rank: number,
    private readonly worker: Worker,
  ) {
    let started: (v: unknown) => void = () => {};
    let failed: (e: Error) => void = () => {};
    this.ready = new Promise<unknown>((resolve, reject) => {
      started = resolve;
      failed = reject;
    }).then(() => undefined);
    this.pending = { resolve: started, reject: failed };
    worker.on('message', (m: ReplicaReply) => {
      const p = this.pending;
      this.pending = null;
      if (m.type === 'error') p?.reject(replicaError(this.rank, m));
      else p?.resolve(m.type === 'done' ? m.value : undefined);
    });
    worker.on('error', (e) => this.fail(this.error(e.message, e.name)));
    worker.on('exit', (code) => {
      if (this.pending !== null) this.fail(this.error(`the worker thread exited with code ${code}`, 'Error'));
    });
  }

  request(message: ReplicaRequest, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(message, transfer);
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }

  private fail(error: Error): void {
    this.failure = error;
    const p = this.pending;
    this.pending = null;
    p?.reject(error);
  }

  private error(message: string, name: string): Error {
    return new BackendError(`data-parallel replica ${this.rank}`, { expected: 'the replica to run its part of the step', received: `${name}: ${message}` });
  }
}

/**
 * A training session whose steps run as `replicas` data-parallel replicas on worker threads: the
 * way one training uses several cores. Each worker sets up the parent's backend (wasm with the same
 * fixes, or cpu), builds the models and trainer from the run config as replica `rank` of the group
 * (`@vjepa/trainer`'s ReplicaGroup over shared memory: masks drawn for the whole batch, the encoder
 * regulariser's statistics and the gradients summed before clipping, the same AdamW and EMA
 * update on every replica), and trains on its `batch_size / replicas` rows of every batch. The
 * replicas stay identical to the bit; their steps equal one process's within float summation order
 * (tested). Checkpoints, resume and the export go through replica 0 and are the same files as a
 * single-process run's, so either can resume the other.
 *
 * Worth it when the step is compute-bound (the D192 config: 2.00x on 2 cores in bench/data-parallel);
 * on tiny models the per-kernel overhead does not halve, so measure before choosing (`pnpm bench`).
 *
 * @example
 * const result = await runTraining(config, { session: (c, s, dir) => dataParallelSession(c, s, dir, { replicas: 2 }) });
 */
export async function dataParallelSession(config: RunConfig, strategy: MaskingStrategy, checkpointsDir: string, options: DataParallelOptions): Promise<StepSession> {
  const size = options.replicas;
  const backendName = tf.getBackend();
  if (backendName !== 'wasm' && backendName !== 'cpu') {
    throw new BackendError('data-parallel training', { expected: 'the wasm or cpu backend (one tfjs engine per worker thread)', received: backendName, hint: 'set meta.replicas=1 on a GPU backend' });
  }
  if (!Number.isInteger(size) || size < 1 || config.data.batch_size % size !== 0) {
    throw new BackendError('data-parallel training', { expected: `a number of replicas dividing data.batch_size ${config.data.batch_size}`, received: String(size) });
  }
  const trainerConfig = resolveTrainerConfig(trainerConfigFromSections(config, config.meta.objective));
  const o = trainerConfig.optimization;
  const lrSchedule = new WarmupCosineSchedule({ warmupSteps: o.warmupEpochs * o.ipe, startLr: o.startLr, refLr: o.lr, finalLr: o.finalLr, totalSteps: scheduleLength({ epochs: o.epochs, ipe: o.ipe, ipeScale: o.ipeScale }) });
  // Largest sum: all gradients (parameters of both modules) or the regulariser's D*D + D + 1 statistics.
  const facts = trainingMemoryFacts(config, strategy);
  const capacity = facts.encoder.params + facts.predictor.params + facts.encoder.embedDim * (facts.encoder.embedDim + 1) + 1024;
  const sab = sharedSumBuffer(size, capacity);
  const entry = siblingEntry('replica-worker', import.meta.url);
  const backend: ReplicaData['backend'] = backendName === 'wasm' ? { name: 'wasm', wasmPatches: wasmPatchState() } : { name: 'cpu' };
  const replicas = Array.from({ length: size }, (_, rank) => {
    const workerData: ReplicaData = { config, rank, size, sab, capacity, backend, checkpointsDir, baseDir: options.baseDir };
    return new Replica(rank, startWorker(entry, { workerData }));
  });
  const all = async (make: (r: Replica) => Promise<unknown>): Promise<unknown[]> => {
    const requests = replicas.map(make);
    try {
      return await Promise.all(requests);
    } catch (e) {
      // Every replica failing (the trainer's guards see group-summed values, so they fail together,
      // before any weight changes) leaves them usable: the run saves its last good state through
      // replica 0. A replica that failed alone leaves the others waiting at the next barrier: stop them.
      const together = await Promise.race([
        Promise.allSettled(requests).then((r) => r.every((x) => x.status === 'rejected')),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000).unref()),
      ]);
      if (!together) await Promise.all(replicas.map((r) => r.terminate()));
      throw e;
    }
  };
  await all((r) => r.ready);
  options.log?.(`data-parallel: ${size} replicas on worker threads (${backendName}), ${config.data.batch_size / size} clips each per step`);

  const grid = gridOf(config);
  let next = 0;
  // The parent's copy of the masking generator: it draws what replica 0's trainer draws each step.
  let rng: Rng = createRng(deriveSeed(config.meta.seed, MASK_RNG_STREAM));
  let lastLoss: number | undefined;
  const snapshot = async () => (await replicas[0].request({ type: 'snapshot' })) as TrainerState;
  const totalSteps = o.epochs * o.ipe;
  return {
    grid,
    get nextStep() {
      return next;
    },
    totalSteps,
    peekMasks: (batchSize) => strategy.sample({ grid, batchSize, rng: restoreRng(rng.getState()), step: next }),
    async step(batch) {
      const per = batch.shape[0] / size;
      const row = batch.clips.length / batch.shape[0];
      const results = await all((r) =>
        r.request({ type: 'step', clips: batch.clips.slice(r.rank * per * row, (r.rank + 1) * per * row), shape: [per, ...batch.shape.slice(1)] }),
      );
      const metrics = results[0] as StepMetrics;
      strategy.sample({ grid, batchSize: batch.shape[0], rng, step: next });
      next += 1;
      lastLoss = metrics.loss;
      return metrics;
    },
    save: async () => saveCheckpoint(await snapshot(), checkpointsDir, { run: config }),
    saveCrash: async () => saveCheckpoint(await snapshot(), checkpointsDir, { name: `crash-${checkpointName(next)}`, updateLatest: false, run: config }),
    async latest() {
      if (!existsSync(join(checkpointsDir, LATEST_POINTER))) return null;
      const manifest = await readCheckpointManifest(checkpointsDir);
      return { path: manifest.dir, step: manifest.iteration };
    },
    async resume(path) {
      const [first] = (await all((r) => r.request({ type: 'resume', path }))) as { iteration: number; rng: TrainerState['rng'] }[];
      next = first.iteration;
      rng = restoreRng(first.rng);
      return next;
    },
    async resumeNewestIntact() {
      const [first] = (await all((r) => r.request({ type: 'resumeNewestIntact' }))) as ({ path: string; step: number; damaged: DamagedCheckpoint[]; rng: TrainerState['rng'] } | null)[];
      if (first === null) return null;
      next = first.step;
      rng = restoreRng(first.rng);
      return { path: first.path, step: first.step, damaged: first.damaged };
    },
    async continueOfficial(path) {
      const [first] = (await all((r) => r.request({ type: 'continueOfficial', path }))) as { step: number; epoch: number; notes: string[]; rng: TrainerState['rng'] }[];
      next = first.step;
      rng = restoreRng(first.rng);
      return { step: first.step, epoch: first.epoch, notes: first.notes };
    },
    async exportEncoder(path, exportOptions = {}) {
      const warning = (await replicas[0].request({ type: 'export', path, loss: lastLoss, batchSize: config.data.batch_size })) as string | null;
      if (warning !== null) exportOptions.onWarning?.(warning);
      return path;
    },
    lrAt: (step) => lrSchedule.forIteration(step),
    dispose() {
      for (const r of replicas) void r.request({ type: 'close' }).catch(() => {});
      setTimeout(() => void Promise.all(replicas.map((r) => r.terminate())), 1000).unref();
    },
  };
}
