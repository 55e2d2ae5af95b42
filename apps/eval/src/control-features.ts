import { resolve } from 'node:path';
import { ConfigError } from '@vjepa/errors';
import { type FeatureJob, type FeatureRunner, type SuiteOptions, archFromConfig, computeFeatureJobs, suiteFeatureJobs, suiteFolders } from '@vjepa/eval';
import { featurePoolRunner } from '@vjepa/probe-pool';
import type { RunConfig } from '@vjepa/run';

/**
 * The feature passes of the random-init control for the suite of the V-JEPA run `folder`: they
 * depend on no training, so the pixel child computes them on its core once its training is done
 * (into `<folder>/eval/cache`, or the `--out` / `--cache` of the suite options), while V-JEPA still
 * trains here. The architecture comes from the V-JEPA config (the one its manifest will record).
 *
 * @example
 * const jobs = await controlFeatureJobs(mainRunConfig('features', { folder: 'runs/main' }), 'runs/main', { trainClips: 2000 });
 * jobs.map((j) => j.name); // ['random-init/probe-train', 'random-init/probe-test']
 */
export async function controlFeatureJobs(config: RunConfig, folder: string, suite: Pick<SuiteOptions, 'out' | 'cacheDir' | 'trainClips' | 'testClips' | 'randomInitSeed'> = {}): Promise<FeatureJob[]> {
  const { cacheDir } = suiteFolders({ run: folder, out: suite.out, cacheDir: suite.cacheDir });
  const arch = archFromConfig(config, `${folder} (the V-JEPA training's config)`);
  const jobs = await suiteFeatureJobs({ arch, cacheDir: resolve(cacheDir), trainClips: suite.trainClips, testClips: suite.testClips, randomInitSeed: suite.randomInitSeed });
  return jobs.filter((j) => j.encoder === 'random-init');
}

/**
 * Reads the `--feature-jobs` argument of `main --train-only` (what the parent passes its child: a
 * JSON array of `@vjepa/eval` feature jobs).
 *
 * @example
 * parseFeatureJobs(JSON.stringify(jobs)); // the same jobs
 */
export function parseFeatureJobs(text: string): FeatureJob[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ConfigError('--feature-jobs', { expected: 'a JSON array of feature jobs (what `vjepa-eval main --jobs 2` passes its child process)', received: (e as Error).message, cause: e });
  }
  const ok = (j: unknown): j is FeatureJob => {
    const o = j as Partial<FeatureJob> | null;
    return typeof o === 'object' && o !== null && typeof o.name === 'string' && typeof o.encoder === 'string' && typeof o.cacheDir === 'string' && typeof o.spec === 'object' && typeof o.arch?.vit === 'object' && o.clips?.kind === 'moving-mnist';
  };
  if (!Array.isArray(value) || !value.every(ok)) {
    throw new ConfigError('--feature-jobs', { expected: 'a JSON array of { name, encoder, spec, arch, clips, cacheDir } objects', received: text.length > 200 ? `${text.slice(0, 200)}...` : text });
  }
  return value;
}

/**
 * The child's part of the suite: computes `jobs` into their cache, one after the other, after its
 * training. Aborting stops between feature parts (the parts written are kept; a rerun resumes) and
 * rethrows. Any other failure is not the training's: it is said, and the parent's suite computes
 * what is missing (and says so); the training's result stands.
 *
 * @example
 * await computeControlFeatures(parseFeatureJobs(arg), { log: console.log, signal });
 */
export async function computeControlFeatures(jobs: readonly FeatureJob[], options: { log: (line: string) => void; signal?: AbortSignal }): Promise<'computed' | 'failed'> {
  const { log, signal } = options;
  const started = Date.now();
  log(`== suite features: ${jobs.map((j) => j.name).join(', ')} -> ${[...new Set(jobs.map((j) => j.cacheDir))].join(', ')}`);
  try {
    const results = await computeFeatureJobs(jobs, { log, signal });
    const fresh = results.filter((r) => !r.cached).length;
    log(`== suite features: done in ${((Date.now() - started) / 1000).toFixed(1)} s (${fresh} computed, ${results.length - fresh} in the cache already)`);
    return 'computed';
  } catch (e) {
    if (signal?.aborted === true) throw e;
    log(`== suite features: could not compute them here (${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}); the suite computes them after the trainings`);
    return 'failed';
  }
}

/**
 * The main command's feature runner: the suite's passes on a pool of worker threads (`jobs` >= 2,
 * see `featurePoolRunner`), the child's jobs found in the cache. Those of `childJobs` that were not
 * there (the child failed, was stopped, or keyed them otherwise) are computed with the rest, and a
 * line says so. Undefined (the suite computes in this process) when there is no pool and no child.
 *
 * @example
 * const runFeatures = mainFeatureRunner(2, childJobs, console.log);
 */
export function mainFeatureRunner(jobs: number, childJobs: readonly FeatureJob[], log: (line: string) => void): FeatureRunner | undefined {
  const pool = featurePoolRunner(jobs, log);
  if (pool === undefined && childJobs.length === 0) return undefined;
  const run: FeatureRunner = pool ?? ((js, l, signal) => computeFeatureJobs(js, { log: l, signal }));
  const fromChild = new Set(childJobs.map((j) => j.name));
  return async (suiteJobs, jobLog, signal) => {
    const results = await run(suiteJobs, jobLog, signal);
    const redone = results.filter((r) => fromChild.has(r.name) && !r.cached).map((r) => r.name);
    if (redone.length > 0) jobLog(`suite: ${redone.join(', ')} not in the cache after the pixel child process (see its [pixels] lines): computed here`);
    return results;
  };
}
