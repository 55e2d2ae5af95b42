import { ConfigError } from '@vjepa/errors';
import { type SuiteOptions, type SuiteResult, runSuite } from './suite';

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
  runTraining(config: never, options?: { log?: (line: string) => void }): Promise<{ status: string; encoderExport: string | null; paths: { folder: string }; wallSeconds: number }>;
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
  /** Suite options (the run folders are filled in). */
  suite?: Omit<SuiteOptions, 'run' | 'pixelRun'>;
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
  const train = options.train ?? (await findTrainApi());
  const folder = options.folder ?? 'runs/main';
  const common = [...(options.set ?? []), `meta.backend=${options.backend ?? 'auto'}`];
  const started = Date.now();
  for (const [objective, dir] of [['features', folder], ['pixels', `${folder}-pixels`]] as const) {
    log(`== training: meta.objective=${objective} -> ${dir}`);
    const config = train.loadConfig({ set: [...common, `meta.objective=${objective}`, `logging.folder=${dir}`] });
    const r = await train.runTraining(config as never, { log });
    if (r.status !== 'completed') throw new ConfigError(`training ${dir}`, { expected: 'completed', received: r.status, hint: 'rerun the same command to resume' });
    log(`== ${objective}: done in ${r.wallSeconds.toFixed(1)} s`);
  }
  log('== evaluation suite');
  const result = await runSuite({ ...options.suite, run: folder, pixelRun: `${folder}-pixels`, log });
  log(`\n${result.table}`);
  log(`main: ${((Date.now() - started) / 1000).toFixed(1)} s in all (suite ${result.seconds.toFixed(1)} s); results in ${result.files.markdown}`);
  return result;
}
