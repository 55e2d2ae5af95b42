import { ConfigError } from '@vjepa/errors';
import { type SuiteOptions, type SuiteResult, runSuite } from './suite';
import { objectiveFolder, startTrainingChild } from './training-child';

/**
 * The two functions of apps/train the main command needs (`@vjepa/app-train`'s `loadConfig` and
 * `runTraining`); tests may pass their own.
 *
 * @example
 * import { loadConfig, runTraining } from '@vjepa/app-train';
 * await runMain({ train: { loadConfig, runTraining } });
 */
export interface TrainApi {
  loadConfig(options: { preset?: string | null; set?: readonly string[] }): unknown;
  runTraining(config: never, options?: { log?: (line: string) => void; signal?: AbortSignal }): Promise<{ status: string; encoderExport: string | null; paths: { folder: string }; wallSeconds: number }>;
}

/**
 * Options of {@link runMain}.
 *
 * @example
 * const opts: MainOptions = { folder: 'runs/main', set: ['optimization.epochs=2'] };
 */
export interface MainOptions {
  /** Run folder of the V-JEPA training; the pixel control goes to `<folder>-pixels`. Default `runs/main`. */
  folder?: string;
  /** `key=value` overrides for both trainings (on the default preset). */
  set?: readonly string[];
  backend?: string;
  /** Suite options (the run folders are filled in; `jobs` defaults to the main command's). */
  suite?: Omit<SuiteOptions, 'run' | 'pixelRun'>;
  /**
   * Cores to use (default 1: both trainings in this process, one after the other). With 2 or more
   * the pixel control trains in a child process while V-JEPA trains here, and the suite trains its
   * probes on worker threads; every number is the same as with 1.
   */
  jobs?: number;
  train?: TrainApi;
  log?: (line: string) => void;
}

/**
 * apps/train's programmatic API (`@vjepa/app-train`, a dependency of this app).
 *
 * @example
 * const train = await findTrainApi();
 */
export async function findTrainApi(): Promise<TrainApi> {
  return (await import('@vjepa/app-train')) as unknown as TrainApi;
}

/**
 * The README's main command: trains V-JEPA (`meta.objective: features`) and the pixel-objective
 * control (`meta.objective: pixels`, same config and steps) with vjepa-train, then runs the suite on
 * both and prints its table. Each training resumes if its folder already holds a checkpoint.
 *
 * @example
 * const result = await runMain({ folder: 'runs/main' });
 */
export async function runMain(options: MainOptions = {}): Promise<SuiteResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const folder = options.folder ?? 'runs/main';
  const jobs = options.jobs ?? 1;
  const started = Date.now();
  if (jobs >= 2) await trainBothAtOnce(options, log);
  else for (const objective of OBJECTIVES) await runMainTraining(objective, options);
  log('== evaluation suite');
  const result = await runSuite({ jobs, ...options.suite, run: folder, pixelRun: objectiveFolder(folder, 'pixels'), log });
  log(`\n${result.table}`);
  log(`main: ${((Date.now() - started) / 1000).toFixed(1)} s in all (suite ${result.seconds.toFixed(1)} s); results in ${result.files.markdown}`);
  return result;
}

const OBJECTIVES = ['features', 'pixels'] as const;

/**
 * One training of the main command, in this process: `features` (V-JEPA) into `folder`, `pixels`
 * (the control) into `<folder>-pixels`. `vjepa-eval main --train-only <objective>` runs it; with
 * `jobs >= 2` {@link runMain} runs the pixel one that way in a child process.
 *
 * @example
 * await runMainTraining('pixels', { folder: 'runs/main', set: ['optimization.epochs=2'] });
 */
export async function runMainTraining(objective: 'features' | 'pixels', options: Omit<MainOptions, 'suite' | 'jobs'> & { signal?: AbortSignal } = {}): Promise<void> {
  const log = options.log ?? ((line: string) => console.log(line));
  const train = options.train ?? (await findTrainApi());
  const folder = options.folder ?? 'runs/main';
  const dir = objectiveFolder(folder, objective);
  log(`== training: meta.objective=${objective} -> ${dir}`);
  const config = train.loadConfig({ set: [...(options.set ?? []), `meta.backend=${options.backend ?? 'auto'}`, `meta.objective=${objective}`, `logging.folder=${dir}`] });
  const r = await train.runTraining(config as never, { log, signal: options.signal });
  if (r.status !== 'completed') throw new ConfigError(`training ${dir}`, { expected: 'completed', received: r.status, hint: 'rerun the same command to resume' });
  log(`== ${objective}: done in ${r.wallSeconds.toFixed(1)} s`);
}

/**
 * V-JEPA trains here while the pixel control trains in a child process (one core each). A failed
 * child stops the training here at its next step (which saves a checkpoint) and is the error
 * thrown; a failure here kills the child.
 */
async function trainBothAtOnce(options: MainOptions, log: (line: string) => void): Promise<void> {
  const folder = options.folder ?? 'runs/main';
  const child = startTrainingChild({ objective: 'pixels', folder, set: options.set ?? [], backend: options.backend ?? 'auto', log });
  log(`== training: meta.objective=pixels -> ${child.dir} in a child process (its lines start [pixels])`);
  const abort = new AbortController();
  const childDone = child.done.catch((e: unknown) => {
    abort.abort();
    throw e;
  });
  childDone.catch(() => {}); // awaited below, after the training here has stopped
  try {
    await runMainTraining('features', { ...options, signal: abort.signal });
  } catch (e) {
    if (abort.signal.aborted) await childDone; // the child's failure stopped us: it is the error to report
    child.kill();
    await child.done.catch(() => {});
    throw e;
  }
  const { seconds } = await childDone;
  log(`== pixels: child process done in ${seconds.toFixed(1)} s`);
}
