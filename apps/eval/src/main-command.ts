import { setupBackend } from '@vjepa/backends';
import { probePoolRunner } from '@vjepa/probe-pool';
import { type BackendInfo, Progress, type RunConfig, type RunResult, type StepRecord, type Training, mainRunConfig, type runTraining, trainAll, trainThenEvaluate } from '@vjepa/run';
import type { FeatureJob, SuiteOptions, SuiteResult } from '@vjepa/eval';
import { computeControlFeatures, controlFeatureJobs, mainFeatureRunner } from './control-features';
import { startTrainingChild } from './training-child';

/**
 * Options of {@link runMain}.
 *
 * @example
 * const opts: MainOptions = { folder: 'runs/main', set: ['optimization.epochs=2'], jobs: 2 };
 */
export interface MainOptions {
  /** Run folder of the V-JEPA training; the pixel control goes to `<folder>-pixels`. Default `runs/main`. */
  folder?: string;
  /** `key=value` overrides for both trainings (on the default preset). */
  set?: readonly string[];
  /** `meta.backend` of both trainings (the child sets it up again; default auto). */
  backend?: string;
  /** The backend this process set up (the CLI's); without it, `backend` is set up here. */
  backendInfo?: BackendInfo;
  /** Suite options (the run folders and the feature and probe runners are filled in). */
  suite?: Omit<SuiteOptions, 'run' | 'pixelRun' | 'log' | 'runProbes' | 'runFeatures'>;
  /**
   * Cores to use (default 1: both trainings in this process, one after the other, and the suite's
   * features and probes here). With 2 or more the pixel control trains in a child process
   * (`main --train-only pixels`) while V-JEPA trains here and, once trained, computes the
   * random-init control's features into the suite's cache on its core; the suite computes the other
   * features and trains its probes on worker threads. Every number is the same as with 1.
   */
  jobs?: number;
  /** What trains here (tests pass their own). */
  train?: typeof runTraining;
  /**
   * Aborting (Ctrl-C) stops both trainings at a step boundary, each saving a checkpoint (the child
   * through its stdin); the call then rejects with a ConfigError saying to rerun, which resumes both.
   */
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/**
 * Steps between the progress lines of a training of the main command: the config's `log_every`,
 * but at most about 20 lines per training (two trainings share the output).
 *
 * @example
 * progressEvery(config, 1000); // 50 with log_every 10
 */
export function progressEvery(config: RunConfig, totalSteps: number): number {
  return Math.max(config.logging.log_every, Math.ceil(totalSteps / 20));
}

/**
 * The `onStep` of the main command's trainings: a progress line (loss, clips/s, ETA) every
 * {@link progressEvery} steps, prefixed with the training's name when `prefixed`.
 *
 * @example
 * const onStep = progressLines(configs, console.log, true);
 * onStep('features', record, 1000);
 */
export function progressLines(configs: ReadonlyMap<string, RunConfig>, log: (line: string) => void, prefixed: boolean): (name: string, record: StepRecord, totalSteps: number) => void {
  const progress = new Map<string, Progress>();
  const stream = { write: (text: string) => log(text.replace(/\n$/, '')), isTTY: false };
  return (name, record, totalSteps) => {
    let p = progress.get(name);
    if (p === undefined) {
      const config = configs.get(name)!;
      p = new Progress(stream, { batchSize: config.data.batch_size, every: progressEvery(config, totalSteps), prefix: prefixed ? `[${name}] ` : '', lines: true });
      progress.set(name, p);
    }
    p.update({ step: record.iteration + 1, totalSteps, loss: record.loss, clipsPerSec: record.clipsPerSec, lr: record.lr });
  };
}

function common(options: MainOptions) {
  return { folder: options.folder ?? 'runs/main', set: options.set ?? [], backend: options.backend ?? 'auto' };
}

/** The backend the trainings here run on: the caller's, or `backend` set up now. */
async function backendOf(options: MainOptions): Promise<BackendInfo> {
  return options.backendInfo ?? (await setupBackend(common(options).backend as Parameters<typeof setupBackend>[0]));
}

/**
 * The README's main command (`vjepa-eval main`): V-JEPA (`meta.objective: features`) and the
 * pixel-objective control (`meta.objective: pixels`, same config and steps) through `@vjepa/run`'s
 * one train-then-evaluate, then the suite on both. Each training resumes if its folder holds a
 * checkpoint. What this app adds: the child process for the pixel control and the probe workers.
 *
 * @example
 * const result = await runMain({ folder: 'runs/main', jobs: 2 });
 */
export async function runMain(options: MainOptions = {}): Promise<SuiteResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const c = common(options);
  const jobs = options.jobs ?? 1;
  const featuresConfig = mainRunConfig('features', c);
  // the control that needs no training: the child computes its features once its own training is done
  const childJobs = jobs >= 2 ? await controlFeatureJobs(featuresConfig, featuresConfig.logging.folder, options.suite) : [];
  const trainings: Training[] = [
    { name: 'features', config: featuresConfig },
    {
      name: 'pixels',
      config: mainRunConfig('pixels', c),
      elsewhere:
        jobs >= 2
          ? () => {
              const child = startTrainingChild({ objective: 'pixels', ...c, featureJobs: childJobs, log });
              log(`== training: meta.objective=pixels -> ${child.dir} in a child process (its lines start [pixels])`);
              const done = child.done.then((r) => {
                log(r.status === 'completed' ? `== pixels: child process done in ${r.seconds.toFixed(1)} s` : `== pixels: child process stopped and saved after ${r.seconds.toFixed(1)} s`);
                return r;
              });
              return { done, stop: child.stop, kill: child.kill };
            }
          : undefined,
    },
  ];
  const onStep = progressLines(new Map(trainings.map((t) => [t.name, t.config])), log, true);
  const { suite } = await trainThenEvaluate(trainings, {
    log,
    signal: options.signal,
    onStep,
    backend: await backendOf(options),
    train: options.train,
    suite: { ...options.suite, runFeatures: mainFeatureRunner(jobs, childJobs, log), runProbes: probePoolRunner(jobs, log) },
  });
  return suite;
}

/**
 * One training of the main command, in this process (`vjepa-eval main --train-only <objective>`,
 * what {@link runMain} runs in its child process): `features` into `folder`, `pixels` into
 * `<folder>-pixels`. Then, when the training completed, the suite's `featureJobs` (the random-init
 * control's, from the parent) into their cache; a failure there is said and left to the parent's
 * suite, an interruption keeps the parts written and rethrows.
 *
 * @example
 * await runMainTraining('pixels', { folder: 'runs/main', set: ['optimization.epochs=2'] });
 */
export async function runMainTraining(objective: 'features' | 'pixels', options: Omit<MainOptions, 'suite' | 'jobs'> & { featureJobs?: readonly FeatureJob[] } = {}): Promise<RunResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const config = mainRunConfig(objective, common(options));
  // no prefix: the parent of a child puts `[pixels] ` before every line
  const onStep = progressLines(new Map([[objective, config]]), log, false);
  const [result] = await trainAll([{ name: objective, config }], { log, signal: options.signal, onStep, backend: await backendOf(options), train: options.train });
  if (options.featureJobs !== undefined && options.featureJobs.length > 0) await computeControlFeatures(options.featureJobs, { log, signal: options.signal });
  return result;
}

