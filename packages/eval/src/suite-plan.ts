import { join } from 'node:path';
import { ConfigError } from '@vjepa/errors';
import type { EvalArch } from './arch';
import type { EncoderSpec } from './encoder-source';
import type { FeatureJob } from './feature-jobs';
import { type OpenedCheckpoint, openCheckpoint } from './open-checkpoint';
import { MOVING_MNIST_SEEDS } from './probe-sets';
import type { SuiteOptions } from './suite';

/**
 * The suite's probe protocol defaults (measured in experiments/small-scale/RESULTS.md, round 4: with
 * 400 probe-train clips every encoder is data-starved and the seed std hides the gains; 2000 / 1000
 * clips at batch 64 separate them and take ~35 s per encoder x task on one core of the 2-core machine).
 *
 * @example
 * const { trainClips, testClips } = SUITE_DEFAULTS; // 2000, 1000
 */
export const SUITE_DEFAULTS = { trainClips: 2000, testClips: 1000, seeds: 3, epochs: 20, batchSize: 64, lr: 5e-3 } as const;

/**
 * An encoder row of the suite: how to load it, or why it is missing.
 *
 * @example
 * const e: SuiteEncoder = { name: 'random-init', what: 'random-init encoder (control a)', spec: { randomInit: { seed: 0 } } };
 */
export interface SuiteEncoder {
  name: string;
  what: string;
  spec?: EncoderSpec;
  /** Its own architecture (the pixel control's run), else the suite's. */
  arch?: EvalArch;
  oneFrame?: boolean;
  missing?: string;
}

/**
 * What a suite run evaluates and where it writes: resolved once from {@link SuiteOptions} (run
 * folders opened through their manifests).
 *
 * @example
 * const plan = await suitePlan({ run: 'runs/main' });
 * plan.cacheDir; // "runs/main/eval/cache"
 */
export interface SuitePlan {
  arch: EvalArch;
  out: string;
  cacheDir: string;
  trainClips: number;
  testClips: number;
  encoders: SuiteEncoder[];
}

/**
 * The suite's output folder and feature cache for these options: `out` (default `<run>/eval`, else
 * `eval-suite`) and `cacheDir` (default `<out>/cache`).
 *
 * @example
 * suiteFolders({ run: 'runs/main' }); // { out: 'runs/main/eval', cacheDir: 'runs/main/eval/cache' }
 */
export function suiteFolders(options: Pick<SuiteOptions, 'run' | 'out' | 'cacheDir'>): { out: string; cacheDir: string } {
  const out = options.out ?? (options.run ? join(options.run, 'eval') : 'eval-suite');
  return { out, cacheDir: options.cacheDir ?? join(out, 'cache') };
}

/** A run or checkpoint directory opened through its manifest, with a note when its training had not finished. */
async function openRun(path: string, log: (line: string) => void): Promise<OpenedCheckpoint> {
  const run = await openCheckpoint(path);
  if (run.step < run.totalSteps) log(`note: ${path} is at step ${run.step} of ${run.totalSteps} (training not finished): evaluating that checkpoint, ${run.dir}`);
  return run;
}

/**
 * Resolves the suite's options: the architecture (from the run's manifest, or given), the folders,
 * the clip counts and the encoder rows (V-JEPA, random init, one frame, pixels; a row without an
 * encoder says why).
 *
 * @example
 * const { encoders } = await suitePlan({ run: 'runs/main', pixelRun: 'runs/main-pixels' });
 */
export async function suitePlan(options: SuiteOptions, log: (line: string) => void = () => {}): Promise<SuitePlan> {
  let arch = options.arch;
  let checkpoint = options.checkpoint;
  if (options.run !== undefined) {
    const run = await openRun(options.run, log);
    arch ??= run.arch;
    checkpoint ??= run.dir;
  } else if (checkpoint !== undefined && arch === undefined) {
    arch = (await openRun(checkpoint, log)).arch; // a checkpoint directory states its architecture
  }
  if (arch === undefined) throw new ConfigError('suite', { expected: '--run DIR, or --checkpoint with --config/--preset', received: 'no architecture' });
  const encoders: SuiteEncoder[] = [];
  const trained: EncoderSpec | undefined = checkpoint ? { checkpoint, key: options.key } : undefined;
  encoders.push(trained ? { name: 'vjepa', what: 'V-JEPA (trained)', spec: trained } : { name: 'vjepa', what: 'V-JEPA (trained)', missing: 'no checkpoint given' });
  encoders.push({ name: 'random-init', what: 'random-init encoder (control a)', spec: { randomInit: { seed: options.randomInitSeed ?? 0 } } });
  encoders.push(trained ? { name: 'one-frame', what: 'V-JEPA, one frame repeated (control b)', spec: trained, oneFrame: true } : { name: 'one-frame', what: 'one frame repeated', missing: 'no checkpoint given' });
  if (options.pixelRun !== undefined || options.pixelCheckpoint !== undefined) {
    const pr = options.pixelRun !== undefined ? await openRun(options.pixelRun, log) : undefined;
    if (pr && pr.objective !== 'pixels') log(`warning: ${options.pixelRun} was trained with objective ${pr.objective}, not pixels`);
    encoders.push({ name: 'pixels', what: 'pixel-objective encoder, equal budget (control c)', spec: { checkpoint: options.pixelCheckpoint ?? pr!.dir }, arch: pr?.arch });
  } else {
    encoders.push({ name: 'pixels', what: 'pixel-objective encoder (control c)', missing: 'no --pixel-run given' });
  }
  return { arch, ...suiteFolders(options), trainClips: options.trainClips ?? SUITE_DEFAULTS.trainClips, testClips: options.testClips ?? SUITE_DEFAULTS.testClips, encoders };
}

/**
 * The feature passes of a plan: two per encoder row that has an encoder (probe-train, probe-test),
 * in the suite's order.
 *
 * @example
 * planFeatureJobs(await suitePlan({ run: 'runs/main' })).map((j) => j.name); // ['vjepa/probe-train', 'vjepa/probe-test', ...]
 */
export function planFeatureJobs(plan: SuitePlan): FeatureJob[] {
  const jobs: FeatureJob[] = [];
  for (const enc of plan.encoders) {
    if (enc.spec === undefined) continue;
    const { checkpoint, key, randomInit } = enc.spec;
    // only defined fields: the job is plain data (JSON for a child process)
    const spec = { ...(checkpoint !== undefined ? { checkpoint } : {}), ...(key !== undefined ? { key } : {}), ...(randomInit !== undefined ? { randomInit } : {}) };
    for (const [part, count] of [['probe-train', plan.trainClips], ['probe-test', plan.testClips]] as const) {
      jobs.push({
        name: `${enc.name}/${part}`,
        encoder: enc.name,
        spec,
        arch: enc.arch ?? plan.arch,
        clips: { kind: 'moving-mnist', part, count, seed: MOVING_MNIST_SEEDS[part] },
        ...(enc.oneFrame ? { oneFrame: 0 } : {}),
        cacheDir: plan.cacheDir,
      });
    }
  }
  return jobs;
}

/**
 * Every feature pass {@link runSuite} makes for these options, as {@link FeatureJob}s that can run
 * anywhere (e.g. a control's jobs in another process before the suite starts, whose cache then holds
 * them). Without a run or checkpoint (only `arch`) that is the random-init control's two passes.
 *
 * @example
 * const jobs = await suiteFeatureJobs({ arch, cacheDir: 'runs/main/eval/cache' });
 * jobs.map((j) => j.name); // ['random-init/probe-train', 'random-init/probe-test']
 */
export async function suiteFeatureJobs(options: SuiteOptions): Promise<FeatureJob[]> {
  return planFeatureJobs(await suitePlan(options, options.log));
}
