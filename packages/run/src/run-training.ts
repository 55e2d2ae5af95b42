import { existsSync, statSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import type { SkippedItem } from '@vjepa/data';
import { ConfigError, DegenerateStepError, MemoryLimitError, NonFiniteLossError, VjepaError } from '@vjepa/errors';
import type { MaskPair, MaskingStrategy } from '@vjepa/masking';
import { renderMasksPng } from '@vjepa/masking/render';
import { encoderSize } from '@vjepa/vit';
import { curvesPng } from './curves-png';
import { createBatchSource } from './data-source';
import { gridOf, strategyForConfig } from './masking-strategy';
import { checkRunFits } from './memory-bound';
import { type MemoryEstimate, type MemoryLimit, estimateTrainingMemory, formatBytes, memoryLimitError, trainingMemoryFacts } from './memory-estimate';
import { MetricsLog, type StepRecord } from './metrics-log';
import { prepareRunFolder, readSavedConfig, runPaths, writeJsonAtomic, type RunPaths } from './run-folder';
import type { RunConfig } from './schema';
import { type StepSession, createTrainingSession } from './training-session';

/**
 * The tfjs backend a run trains on, as the app set it up (recorded in `summary.json`).
 *
 * @example
 * const backend: BackendInfo = { name: 'wasm', detail: 'tfjs-backend-wasm (SIMD, 1 thread)' };
 */
export interface BackendInfo {
  name: string;
  detail: string;
  /** What was tried before it, and why it was skipped. */
  tried?: readonly unknown[];
  /** The backend's memory ceiling (`@vjepa/backends`' setup carries it): checked before the first step. */
  memoryLimit?: MemoryLimit | null;
}

/**
 * Options of {@link runTraining}.
 *
 * @example
 * const controller = new AbortController();
 * await runTraining(config, { signal: controller.signal, onStep: (r) => console.log(r.iteration, r.loss) });
 */
export interface RunTrainingOptions {
  /** Aborting stops after the current step, saves a checkpoint and returns `status: 'interrupted'`. */
  signal?: AbortSignal;
  /** Called after every step with its record (the trainer's metrics plus timings). */
  onStep?: (record: StepRecord, totalSteps: number) => void;
  /** Where messages go (resume, skipped files, checkpoints, outputs); default console.log. */
  log?: (line: string) => void;
  /** Directory relative `mask_strategy_module` paths resolve from; default the working directory. */
  baseDir?: string;
  /** The backend the app set up (training runs on whatever tfjs backend is active). */
  backend?: BackendInfo;
  /**
   * The backend's memory ceiling (`@vjepa/backends`' `memoryLimit()`): a run whose estimated peak
   * ({@link estimateTrainingMemory}) exceeds it stops before the first step with a MemoryLimitError.
   */
  memoryLimit?: MemoryLimit | null;
  /**
   * Builds the session the loop drives (default {@link createTrainingSession}, in this thread); the
   * apps pass a data-parallel one (`@vjepa/train-pool`) for `meta.replicas` > 1.
   */
  session?: (config: RunConfig, strategy: MaskingStrategy, checkpointsDir: string) => StepSession | Promise<StepSession>;
}

/**
 * What a run did and where its outputs are.
 *
 * @example
 * const result = await runTraining(config);
 * console.log(result.status, result.paths.folder, result.skipped.length);
 */
export interface RunResult {
  status: 'completed' | 'interrupted';
  backend: BackendInfo;
  /** Step the run started (or resumed) at, and the step it stopped at. */
  startStep: number;
  endStep: number;
  totalSteps: number;
  resumedFrom: string | null;
  /** The last checkpoint directory (what evaluation opens). */
  checkpoint: string | null;
  /** The official `.pth.tar` export (for PyTorch users), written when the run completes. */
  encoderExport: string | null;
  paths: RunPaths;
  /** Input items skipped because they were missing, unreadable, truncated or too short. */
  skipped: SkippedItem[];
  /** Clips per second over the steps of this process (data loading included). */
  clipsPerSec: number;
  wallSeconds: number;
  finalLoss: number | null;
  /** `tf.memory().numTensors` after the first step and after the last (equal when nothing leaks). */
  numTensors: { afterFirstStep: number; atEnd: number };
}

/**
 * Trains V-JEPA as the config says, on the active tfjs backend: the masking strategy (checked by the
 * conformance kit), the data, models and trainer; resumes from the latest checkpoint in the run
 * folder (unless `meta.load_checkpoint` is false); logs every step's metrics to `metrics.jsonl` and
 * the official CSV; checkpoints every `logging.checkpoint_every` steps, at the end and on abort; then
 * writes the loss/LR curves, one batch's masks and the official `.pth.tar` export. A step that
 * computes garbage (`NonFiniteLossError`, `DegenerateStepError`) stops the run at its last good
 * checkpoint: the state before that step is saved as a crash checkpoint and the error says where both are.
 *
 * @example
 * import { loadConfig, runTraining } from '@vjepa/run';
 * const result = await runTraining(loadConfig({ set: ['optimization.epochs=1'] }));
 */
export async function runTraining(config: RunConfig, options: RunTrainingOptions = {}): Promise<RunResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  checkRunFits(config); // before anything is allocated: data.batch_size 1e9 is refused at once
  if (config.meta.replicas > 1 && options.session === undefined) {
    throw new ConfigError('meta.replicas', {
      expected: '1 here: this caller trains in one thread (data-parallel replicas are started by vjepa-train through @vjepa/train-pool)',
      received: String(config.meta.replicas),
      hint: 'use vjepa-train for a data-parallel training, or --set meta.replicas=1',
    });
  }
  const strategy = await strategyForConfig(config, options.baseDir);
  const backend: BackendInfo = options.backend ?? { name: tf.getBackend(), detail: 'set up by the caller' };
  const paths = runPaths(config);
  const savedBefore = readSavedConfig(paths);
  prepareRunFolder(paths, config);
  if (savedBefore !== null && savedBefore !== readSavedConfig(paths)) log(`note: the config differs from the one saved in ${paths.config} earlier; the new one is saved.`);
  const grid = gridOf(config);
  const size = encoderSize(config.model);
  log(
    `model: encoder D ${size.embedDim} depth ${size.depth} heads ${size.numHeads}${size.useRope ? ', RoPE (V-JEPA 2)' : ''}, predictor ${config.model.pred_embed_dim}x${config.model.pred_depth}; ` +
      `clips ${config.data.num_frames}x${config.data.crop_size}x${config.data.crop_size}, grid ${grid.t}x${grid.h}x${grid.w}; masks: ${strategy.name} (${strategy.numMaskTypes} type(s)); objective ${config.meta.objective}`,
  );
  // Before any weight or data exists: a run that cannot fit in the backend's memory stops here.
  const facts = trainingMemoryFacts(config, strategy);
  const estimate = estimateTrainingMemory(facts);
  const limit = options.memoryLimit ?? backend.memoryLimit ?? null;
  log(`memory: ${estimate.summary}${limit ? ` of at most ${formatBytes(limit.bytes)} (${limit.what})` : ''}`);
  if (limit !== null && estimate.bytes > limit.bytes) {
    throw memoryLimitError(estimate, limit, `training ${config.model.model_name ?? `D${size.embedDim} depth ${size.depth}`} at batch ${config.data.batch_size}, ${config.data.num_frames}x${config.data.crop_size}`, facts);
  }
  const data = await createBatchSource(config, (item) => log(`skipped ${item.source}: ${item.reason}`));
  const session = await (options.session ?? createTrainingSession)(config, strategy, paths.checkpoints);
  const metrics = new MetricsLog(paths.folder, config.logging.write_tag, { ipe: config.optimization.ipe });
  try {
    let resumedFrom: string | null = null;
    // the newest intact checkpoint of the folder: a damaged one (truncated, overwritten) is passed
    // over, saying so, and never resumed from; none intact at all is an error
    const found = config.meta.load_checkpoint ? await session.resumeNewestIntact() : null;
    const readFrom = config.meta.read_checkpoint;
    if (found !== null) {
      for (const d of found.damaged) log(`checkpoint ${d.dir} is damaged and was not used: ${d.reason}`);
      resumedFrom = found.path;
      log(`resumed from ${found.path} at step ${found.step}${found.damaged.length > 0 ? ' (the newest intact checkpoint)' : ''}`);
    } else if (readFrom !== null && readFrom !== undefined) {
      resumedFrom = readFrom;
      if (isFile(readFrom)) {
        // an official training checkpoint (*.pth.tar): ours are directories
        const { step, epoch, notes } = await session.continueOfficial(readFrom);
        log(`continuing the official training checkpoint ${readFrom}: epoch ${epoch} x ipe ${config.optimization.ipe} -> step ${step} (weights, target encoder, AdamW state)`);
        for (const note of notes) log(`  ${note}`);
        if (step >= session.totalSteps) {
          throw new ConfigError('optimization.epochs', {
            expected: `more than the checkpoint's epoch ${epoch}: it continues at step ${step} (epoch ${epoch} x ipe ${config.optimization.ipe}), where the official trainer would`,
            received: `${config.optimization.epochs} (${session.totalSteps} steps): nothing left to train`,
            hint: `raise optimization.epochs past ${epoch} to continue its schedule for more epochs (the schedules then span the new total, as in the official trainer)`,
          });
        }
      } else {
        const step = await session.resume(readFrom);
        log(`resumed from ${readFrom} at step ${step}`);
      }
    }
    const startStep = session.nextStep;
    const totalSteps = session.totalSteps;

    metrics.truncateAfter(startStep);
    log(`training steps ${startStep} -> ${totalSteps} (${config.optimization.epochs} epochs x ${config.optimization.ipe} ipe, batch ${config.data.batch_size}); run folder ${paths.folder}`);
    const t0 = performance.now();
    let firstMasks: readonly MaskPair[] | null = null;
    let lastSaved: { step: number; path: string } | null = null;
    let afterFirstStep = -1;
    let finalLoss: number | null = null;
    let step = startStep;
    let clips = 0;
    while (step < totalSteps && !options.signal?.aborted) {
      const tIter = performance.now();
      const batch = await data.batch(step);
      firstMasks ??= session.peekMasks(config.data.batch_size);
      const tStep = performance.now();
      let m;
      try {
        m = await session.step(batch);
      } catch (error) {
        if (isWasmAbort(error)) throw backendAborted(error, step, estimate, lastSaved ?? (await session.latest()), log);
        throw await stopAtLastGood(error, session, lastSaved ?? (await session.latest()), log);
      }
      const now = performance.now();
      step += 1;
      clips += config.data.batch_size;
      if (afterFirstStep < 0) afterFirstStep = tf.memory().numTensors;
      const record: StepRecord = { ...m, stepMs: now - tStep, wallMs: now - tIter, clipsPerSec: (clips * 1000) / (now - t0) };
      finalLoss = m.loss;
      metrics.append(record);
      options.onStep?.(record, totalSteps);
      if (step % config.logging.checkpoint_every === 0 && step < totalSteps) {
        lastSaved = { step, path: await session.save() };
        log(`checkpoint saved: step ${step} -> ${lastSaved.path}`);
      }
    }
    const wallSeconds = (performance.now() - t0) / 1000;
    const interrupted = step < totalSteps;
    if (lastSaved?.step !== step && step > startStep) {
      lastSaved = { step, path: await session.save() };
      log(`checkpoint saved: step ${step} -> ${lastSaved.path}`);
    }
    const checkpoint = lastSaved?.path ?? (await session.latest())?.path ?? null;
    if (interrupted) log(`interrupted at step ${step}; checkpoint ${checkpoint ?? '(none)'}; rerun the same command to resume`);
    let encoderExport: string | null = null;
    writeFileSync(paths.curves, curvesFromLog(metrics, session));
    if (firstMasks !== null) {
      const layout = renderMasksPng(firstMasks, grid, { samples: [0, 1].filter((b) => b < config.data.batch_size) });
      writeFileSync(paths.masks, layout);
    }
    if (!interrupted) {
      // A run that was already complete keeps its export byte for byte (a rewrite would lose the
      // final loss it records).
      const unchanged = step === startStep && existsSync(paths.encoderExport);
      encoderExport = unchanged ? paths.encoderExport : await session.exportEncoder(paths.encoderExport, { onWarning: (w) => log(`warning: ${w}`) });
      if (unchanged) log(`already complete at step ${step}: kept ${paths.encoderExport}`);
    }
    const result: RunResult = {
      status: interrupted ? 'interrupted' : 'completed',
      backend,
      startStep,
      endStep: step,
      totalSteps,
      resumedFrom,
      checkpoint,
      encoderExport,
      paths,
      skipped: data.skipped(),
      clipsPerSec: wallSeconds > 0 ? clips / wallSeconds : 0,
      wallSeconds,
      finalLoss,
      numTensors: { afterFirstStep, atEnd: tf.memory().numTensors },
    };
    writeJsonAtomic(paths.summary, { ...result, backend: { name: backend.name, detail: backend.detail, tried: backend.tried }, paths: undefined, folder: paths.folder });
    return result;
  } finally {
    session.dispose();
  }
}

/**
 * A step that computed garbage (NonFiniteLossError, DegenerateStepError) left the weights untouched:
 * save that state as a crash checkpoint beside the regular ones (not named by `latest`, so a rerun
 * resumes from the last good checkpoint), and return the error to stop with, the same kind, saying
 * where the run stopped and how to go on. Any other error is returned as it is.
 */
async function stopAtLastGood(error: unknown, session: StepSession, lastGood: { step: number; path: string } | null, log: (line: string) => void): Promise<unknown> {
  const nonFinite = NonFiniteLossError.isInstance(error);
  if (!nonFinite && !DegenerateStepError.isInstance(error)) return error;
  const failed = error as NonFiniteLossError | DegenerateStepError;
  const crash = await session.saveCrash();
  const where = lastGood ? `the last good checkpoint is ${lastGood.path} (step ${lastGood.step}); rerunning resumes there` : 'no checkpoint was saved before it; rerunning starts from step 0';
  const hint = `stopped at the last good checkpoint: ${where}. The state before the failed step is in ${crash}. ${nonFinite ? 'Lower the learning rate or check the data.' : 'The backend probably failed without throwing: rerun with --backend wasm (or cpu) to check.'}`;
  log(`step ${failed.step} failed: ${failed.message.split(': ')[0]}; ${where}`);
  const state = { ...failed.state, crashCheckpoint: crash, lastGoodCheckpoint: lastGood?.path ?? null };
  if (nonFinite) return new NonFiniteLossError(failed.step, state, hint);
  const head = failed.message.slice(0, failed.message.indexOf(': expected'));
  return new DegenerateStepError(failed.step, /\((.*)\)$/.exec(head)?.[1] ?? 'see above', state, hint);
}

/** True for an existing regular file (an official `.pth.tar`); our checkpoints are directories. */
function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** A WebAssembly.RuntimeError (`Aborted()`, `memory access out of bounds`): the wasm backend died. */
function isWasmAbort(error: unknown): error is Error {
  return error instanceof Error && error.name === 'RuntimeError' && !VjepaError.isInstance(error);
}

/**
 * The backend aborted (the wasm heap's ceiling: `RuntimeError: Aborted()` or `memory access out of
 * bounds`). Its memory is gone, so nothing can be saved now: the run stops at its last checkpoint,
 * untouched, and says what to change.
 */
function backendAborted(error: Error, step: number, estimate: MemoryEstimate, lastGood: { step: number; path: string } | null, log: (line: string) => void): MemoryLimitError {
  const where = lastGood ? `the last checkpoint is ${lastGood.path} (step ${lastGood.step}), kept as it was; rerunning resumes there` : 'no checkpoint was saved before it; rerunning starts from step 0';
  log(`step ${step} failed: the backend aborted (${error.message}); ${where}`);
  return new MemoryLimitError(`training step ${step}: the backend aborted (${error.message})`, {
    expected: 'the step to fit in the backend memory (the wasm heap holds at most 4 GiB)',
    received: `an abort mid-step; ${estimate.summary}`,
    hint: `${where}. To fit: lower data.batch_size, data.crop_size or data.num_frames, or set model.use_activation_checkpointing=true, or use a backend with more memory.`,
    cause: error,
  });
}

/** The loss and LR curves of every logged step (earlier processes of a resumed run included). */
function curvesFromLog(metrics: MetricsLog, session: { lrAt(step: number): number }): Uint8Array {
  const records = metrics.read();
  const xs = records.map((r) => r.iteration);
  return curvesPng([
    { title: 'LOSS', xs, ys: records.map((r) => r.loss), color: [214, 39, 40, 255] },
    { title: 'LR', xs, ys: xs.map((s) => session.lrAt(s)), color: [31, 119, 180, 255] },
  ]);
}
