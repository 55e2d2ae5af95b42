import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@vjepa/errors';
import { type SuiteOptions, type SuiteResult, runSuite } from '@vjepa/eval';
import { LATEST_POINTER, RUN_CHECKPOINTS_DIR } from '@vjepa/trainer';
import { loadConfig } from './load-config';
import type { StepRecord } from './metrics-log';
import { type BackendInfo, type RunResult, runTraining } from './run-training';
import type { RunConfig } from './schema';

/**
 * The run folder of one training of a V-JEPA-versus-pixels comparison: `folder` for V-JEPA
 * (`features`), `<folder>-pixels` for the pixel-objective control (where the suite looks for it).
 *
 * @example
 * objectiveFolder('runs/main', 'pixels'); // "runs/main-pixels"
 */
export function objectiveFolder(folder: string, objective: 'features' | 'pixels'): string {
  return objective === 'pixels' ? `${folder.replace(/[\\/]+$/, '')}-pixels` : folder;
}

/**
 * The config of one training of the main command: the default preset with `set` overrides, on
 * `backend`, with `meta.objective` and the run folder of {@link objectiveFolder}. The pixel control
 * gets the same config and steps as V-JEPA (equal budget), whichever process trains it.
 *
 * @example
 * const config = mainRunConfig('pixels', { folder: 'runs/main', set: ['optimization.epochs=2'], backend: 'wasm' });
 */
export function mainRunConfig(objective: 'features' | 'pixels', options: { folder: string; set?: readonly string[]; backend?: string }): RunConfig {
  return loadConfig({ set: [...(options.set ?? []), `meta.backend=${options.backend ?? 'auto'}`, `meta.objective=${objective}`, `logging.folder=${objectiveFolder(options.folder, objective)}`] });
}

/**
 * A training run somewhere other than this process (the app starts it, e.g. a child process of the
 * same CLI): `done` settles when it ends, resolving with `{ status: 'interrupted' }` when it stopped
 * early at a step boundary and saved (after `stop()`, or its own Ctrl-C), and rejecting when it
 * failed; `stop` asks it to do that (as Ctrl-C does); `kill` ends it at once.
 *
 * @example
 * const remote: RemoteTraining = { done: child.done, stop: () => child.stop(), kill: () => child.kill() };
 */
export interface RemoteTraining {
  done: Promise<unknown>;
  kill(): void;
  /** Stop at the next step boundary and save (default: `kill`). */
  stop?(): void;
}

/**
 * One training of {@link trainAll}: a config, trained here (after the trainings before it) unless
 * `elsewhere` starts it in another process, which then runs at the same time as those here.
 *
 * @example
 * const pixels: Training = { name: 'pixels', config: mainRunConfig('pixels', { folder }), elsewhere: () => startChild('pixels') };
 */
export interface Training {
  /** Its name in log lines (`features`, `pixels`). */
  name: string;
  config: RunConfig;
  elsewhere?: () => RemoteTraining;
}

/**
 * Options of {@link trainAll} and {@link trainThenEvaluate}.
 *
 * @example
 * const opts: TrainAllOptions = { log: console.log, backend: { name: 'wasm', detail: '...' } };
 */
export interface TrainAllOptions {
  log?: (line: string) => void;
  /**
   * Aborting (Ctrl-C) stops every training at its next step boundary, where each saves a checkpoint:
   * those here through their signal, those elsewhere through `stop()`. Once all have stopped, a
   * ConfigError says they were interrupted and that a rerun resumes each.
   */
  signal?: AbortSignal;
  /** The backend the app set up (recorded in each run's summary). */
  backend?: BackendInfo;
  /** Progress of the trainings here. */
  onStep?: (name: string, record: StepRecord, totalSteps: number) => void;
  /** Called when a training here has finished, with its result (before the next one starts). */
  onTrained?: (name: string, result: RunResult) => void;
  /** What trains here (default {@link runTraining}; tests pass their own). */
  train?: typeof runTraining;
}

const isInterrupted = (v: unknown): boolean => typeof v === 'object' && v !== null && (v as { status?: unknown }).status === 'interrupted';

/**
 * Runs trainings to completion: those with `elsewhere` start first and run alongside, the others
 * train here one after the other. A training that fails elsewhere stops the one here at its next step
 * (which saves a checkpoint) and is the error thrown; a failure here kills those elsewhere. Aborting
 * `signal` stops them all at a step boundary, each saving (see {@link TrainAllOptions.signal}). A
 * training that did not complete (interrupted) is a ConfigError saying to rerun (each resumes from
 * its latest checkpoint).
 *
 * @example
 * await trainAll([{ name: 'features', config: mainRunConfig('features', { folder: 'runs/main' }) }]);
 */
export async function trainAll(trainings: readonly Training[], options: TrainAllOptions = {}): Promise<RunResult[]> {
  const log = options.log ?? ((line: string) => console.log(line));
  const abort = new AbortController();
  const byUser = (): boolean => options.signal?.aborted === true;
  let failedElsewhere: { error: unknown } | undefined;
  let failedHere = false;
  const remote = trainings
    .filter((t) => t.elsewhere !== undefined)
    .map((t) => {
      const r = t.elsewhere!();
      const done = r.done.then(
        (value: unknown) => {
          if (isInterrupted(value) && !byUser()) {
            // stopped in its own process (its own Ctrl-C or SIGTERM): the run is incomplete
            failedElsewhere ??= { error: new ConfigError(`training ${t.config.logging.folder}`, { expected: 'completed', received: 'interrupted in its own process', hint: 'rerun the same command to resume' }) };
            abort.abort();
          }
          return value;
        },
        (error: unknown) => {
          if (!failedHere) {
            failedElsewhere ??= { error };
            abort.abort();
          }
          throw error;
        },
      );
      done.catch(() => {}); // awaited below, after the trainings here have stopped
      return { training: t, remote: r, done };
    });
  const stopAll = (): void => {
    abort.abort();
    for (const r of remote) (r.remote.stop ?? r.remote.kill).call(r.remote);
  };
  if (options.signal?.aborted) stopAll();
  options.signal?.addEventListener('abort', stopAll);
  const results: RunResult[] = [];
  try {
    for (const t of trainings.filter((x) => x.elsewhere === undefined)) {
      if (abort.signal.aborted) break;
      log(`== training: meta.objective=${t.config.meta.objective} -> ${t.config.logging.folder}`);
      const r = await (options.train ?? runTraining)(t.config, { log, signal: abort.signal, backend: options.backend, onStep: (record, total) => options.onStep?.(t.name, record, total) });
      options.onTrained?.(t.name, r);
      if (r.status !== 'completed') {
        if (failedElsewhere !== undefined || byUser()) break; // the failure elsewhere, or the user, stopped us: reported below
        throw new ConfigError(`training ${r.paths.folder}`, { expected: 'completed', received: r.status, hint: 'rerun the same command to resume' });
      }
      log(`== ${t.name}: done in ${r.wallSeconds.toFixed(1)} s`);
      results.push(r);
    }
    for (const r of remote) await r.done;
    if (failedElsewhere !== undefined) throw failedElsewhere.error;
    if (byUser()) {
      throw new ConfigError(`training${trainings.length > 1 ? 's' : ''} ${trainings.map((t) => t.config.logging.folder).join(' and ')}`, {
        expected: 'completed',
        received: 'interrupted (each saved a checkpoint at a step boundary)',
        hint: 'rerun the same command to resume',
      });
    }
  } catch (e) {
    const elsewhere = failedElsewhere;
    failedHere = elsewhere === undefined; // the trainings killed below then fail because of this one
    if (!byUser()) for (const r of remote) r.remote.kill();
    await Promise.all(remote.map((r) => r.done.catch(() => {})));
    throw elsewhere !== undefined ? elsewhere.error : e;
  } finally {
    options.signal?.removeEventListener('abort', stopAll);
  }
  return results;
}

/**
 * The one "train, then evaluate" of the project (`vjepa-eval main`, `vjepa-train --then-eval`):
 * {@link trainAll}, then `@vjepa/eval`'s embedded suite on the first V-JEPA (`features`) run, with
 * the pixel control from the `pixels` training when there is one, else from the sibling
 * `<run>-pixels` folder when it holds a checkpoint. Prints the table.
 *
 * @example
 * const { suite } = await trainThenEvaluate([
 *   { name: 'features', config: mainRunConfig('features', { folder: 'runs/main' }) },
 *   { name: 'pixels', config: mainRunConfig('pixels', { folder: 'runs/main' }) },
 * ]);
 */
export async function trainThenEvaluate(
  trainings: readonly Training[],
  options: TrainAllOptions & { suite?: Omit<SuiteOptions, 'run' | 'pixelRun' | 'log'> } = {},
): Promise<{ trainings: RunResult[]; suite: SuiteResult }> {
  const log = options.log ?? ((line: string) => console.log(line));
  const started = Date.now();
  const main = trainings.find((t) => t.config.meta.objective === 'features') ?? trainings[0];
  if (main === undefined) throw new ConfigError('trainThenEvaluate trainings', { expected: 'at least one training', received: 'none' });
  const results = await trainAll(trainings, options);
  const run = main.config.logging.folder;
  const pixels = trainings.find((t) => t.config.meta.objective === 'pixels' && t !== main)?.config.logging.folder;
  const sibling = objectiveFolder(run, 'pixels');
  const pixelRun = pixels ?? (existsSync(join(sibling, RUN_CHECKPOINTS_DIR, LATEST_POINTER)) ? sibling : undefined);
  log('== evaluation suite');
  const suite = await runSuite({ ...options.suite, run, pixelRun, log, signal: options.signal });
  log(`\n${suite.table}`);
  log(`${trainings.length > 1 ? 'main' : 'train then evaluate'}: ${((Date.now() - started) / 1000).toFixed(1)} s in all (suite ${suite.seconds.toFixed(1)} s); results in ${suite.files.markdown}`);
  return { trainings: results, suite };
}
