import { ConfigError } from '@vjepa/errors';
import type { EvalArch } from './arch';
import { type EncoderSpec, type LoadedEncoder, loadEncoder } from './encoder-source';
import { cachedFeatures } from './feature-cache';
import { type FeatureRunner, featureJobClips } from './feature-jobs';
import { type ResultRow, markdownTable, pct, writeReport } from './report';
import { type ProbeKind, type ProbeRunner, type ProbeUnit, runProbesHere } from './run-probe';
import { SUITE_DEFAULTS, planFeatureJobs, suitePlan } from './suite-plan';

export { SUITE_DEFAULTS } from './suite-plan';

/**
 * The two embedded tasks: appearance (digit identity) and time (direction of motion).
 *
 * @example
 * SUITE_TASKS.map((t) => t.task); // ['digit', 'direction']
 */
export const SUITE_TASKS = [
  { task: 'digit', label: 'digit', kind: 'appearance', classes: 10 },
  { task: 'direction', label: 'direction', kind: 'temporal', classes: 8 },
] as const;

/**
 * Options of {@link runSuite}. Give the encoder as a run folder or checkpoint directory (`run`: the
 * architecture comes from its manifest) or as `checkpoint` + `arch` (an official `.pth.tar` or a
 * `.safetensors` file).
 *
 * @example
 * const opts: SuiteOptions = { run: 'runs/tiny-cpu', pixelRun: 'runs/tiny-cpu-pixels' };
 */
export interface SuiteOptions {
  /** A training run folder, its `checkpoints/` folder, or one checkpoint directory (opened through the manifest). */
  run?: string;
  /** Or a checkpoint file or directory (a file needs `arch`). */
  checkpoint?: string;
  key?: 'target_encoder' | 'encoder';
  arch?: EvalArch;
  /** The pixel-objective control: a run (folder or checkpoint directory) trained with `meta.objective: pixels` at equal budget. */
  pixelRun?: string;
  /** Or its checkpoint file or directory (a file uses `arch`). */
  pixelCheckpoint?: string;
  /** Output folder (default `<run>/eval`, else `eval-suite`). */
  out?: string;
  /** Feature cache (default `<out>/cache`). */
  cacheDir?: string;
  /** Probe-train clips (default 2000) and probe-test clips (default 1000). */
  trainClips?: number;
  testClips?: number;
  seeds?: number;
  /** Probe epochs (default 20) and batch (default 64). */
  epochs?: number;
  batchSize?: number;
  /** Probe learning rate (default 5e-3). */
  lr?: number;
  probe?: ProbeKind;
  /** Seed of the random-init control (default 0). */
  randomInitSeed?: number;
  /**
   * Runs the (encoder, task) probe trainings once every encoder's features are computed; default
   * {@link runProbesHere} (this process, one after the other). Apps pass a pool of worker threads;
   * the results are the same, bit for bit.
   */
  runProbes?: ProbeRunner;
  /**
   * Computes the feature passes ({@link suiteFeatureJobs}) into the cache before the per-encoder
   * loop, which then reads them back (cache hits); default none: each set is computed here when the
   * loop first needs it. Apps pass a pool of worker threads; the features are the same, bit for bit.
   */
  runFeatures?: FeatureRunner;
  /** Aborting stops between feature parts and before the probes (a ConfigError; a rerun resumes the feature passes). */
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/**
 * What {@link runSuite} returns (and writes as results.json).
 *
 * @example
 * const { rows, table, seconds } = await runSuite({ run: 'runs/tiny-cpu' });
 */
export interface SuiteResult {
  rows: ResultRow[];
  /** The Markdown table also written to results.md. */
  table: string;
  files: { json: string; markdown: string; pngs: string[] };
  seconds: number;
  /** False when the one-frame control is above chance on the temporal task (the task leaks time-free cues). */
  temporalTaskIsTemporal: boolean;
}

/**
 * Chance plus three binomial standard errors: above this the one-frame control is not "near chance".
 *
 * @example
 * chanceBound(0.125, 1000); // 0.156: above it the one-frame control is not near chance
 */
export function chanceBound(chance: number, n: number): number {
  return chance + 3 * Math.sqrt((chance * (1 - chance)) / n);
}

/**
 * The embedded evaluation suite on held-out Moving MNIST (MNIST test digits; probe-train and
 * probe-test clips from disjoint halves of them): a digit task (appearance, 10 classes) and a
 * motion-direction task (temporal, 8 classes), each with the trained encoder and its controls run
 * the same way: (a) a random-init encoder of the same architecture, (b) the trained encoder seeing
 * one frame repeated (must be near chance on direction), (c) the pixel-objective encoder at equal
 * budget, when given. Probe accuracy mean ± std over seeds; writes results.json, results.md and
 * confusion PNGs; features are computed once per encoder and cached.
 *
 * @example
 * const { table } = await runSuite({ run: 'runs/tiny-cpu', pixelRun: 'runs/tiny-cpu-pixels' });
 * console.log(table);
 */
export async function runSuite(options: SuiteOptions): Promise<SuiteResult> {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const plan = await suitePlan(options, log);
  const { arch, cacheDir, trainClips, testClips, encoders, out } = plan;
  const kind = options.probe ?? 'attentive';
  const settings = {
    seeds: options.seeds ?? SUITE_DEFAULTS.seeds,
    epochs: options.epochs ?? SUITE_DEFAULTS.epochs,
    batchSize: options.batchSize ?? SUITE_DEFAULTS.batchSize,
    lr: options.lr ?? SUITE_DEFAULTS.lr,
  };

  // the loop below computes each set it needs (or reads it back when a runner has computed it)
  const jobs = planFeatureJobs(plan);
  if (options.runFeatures !== undefined && jobs.length > 0) await options.runFeatures(jobs, log, options.signal);

  const rows: ResultRow[] = [];
  const results = new Map<string, ResultRow>();
  /** Every probe training, with the row it fills; run after all features are computed. */
  const probes: { unit: ProbeUnit; task: (typeof SUITE_TASKS)[number]; encoder: string }[] = [];
  let loaded: LoadedEncoder | undefined;
  let loadedFor: EncoderSpec | undefined;
  for (const enc of encoders) {
    const a = enc.arch ?? arch;
    if (!enc.spec) {
      for (const t of SUITE_TASKS) results.set(`${t.task}/${enc.name}`, { task: t.task, encoder: enc.name, chance: 1 / t.classes, note: enc.missing });
      continue;
    }
    log(`suite: ${enc.what}`);
    if (loadedFor !== enc.spec) {
      loaded?.encoder.dispose();
      loaded = await loadEncoder(a, enc.spec, log);
      loadedFor = enc.spec;
    }
    // clip sets depend on the architecture's frames and crop: the jobs' sets (cheap: labels only)
    const [trainJob, testJob] = jobs.filter((j) => j.encoder === enc.name);
    const train = featureJobClips(trainJob);
    const test = featureJobClips(testJob);
    const variant = { cacheDir, log, oneFrame: trainJob.oneFrame, signal: options.signal };
    const trainF = await cachedFeatures(loaded!, train, variant);
    const testF = await cachedFeatures(loaded!, test, variant);
    for (const t of SUITE_TASKS) {
      const unit = {
        name: `${t.task}/${enc.name}`,
        train: trainF,
        trainLabels: train.labels[t.label],
        test: testF,
        testLabels: test.labels[t.label],
        options: { kind, numClasses: t.classes, numHeads: a.vit.numHeads, ...settings },
      };
      probes.push({ unit, task: t, encoder: enc.name });
    }
  }
  loaded?.encoder.dispose();
  if (options.signal?.aborted === true) throw new ConfigError('suite', { expected: 'completed', received: 'interrupted before the probes', hint: 'rerun the same command: the features are cached' });
  const done = probes.length === 0 ? [] : await (options.runProbes ?? runProbesHere)(probes.map((p) => p.unit), log);
  probes.forEach(({ task: t, encoder }, i) => results.set(`${t.task}/${encoder}`, { task: t.task, encoder, result: done[i], chance: 1 / t.classes }));
  for (const t of SUITE_TASKS) for (const e of encoders) rows.push(results.get(`${t.task}/${e.name}`)!);

  const notes: string[] = [];
  const oneFrame = results.get('direction/one-frame');
  let temporal = true;
  if (oneFrame?.result) {
    const bound = chanceBound(oneFrame.chance, testClips);
    temporal = oneFrame.result.mean <= bound;
    oneFrame.note = temporal
      ? `near chance (<= ${pct(bound)}): the task needs time`
      : `ABOVE chance (> ${pct(bound)}): one frame reveals the label, the task is not purely temporal`;
  }
  for (const t of SUITE_TASKS) {
    const v = results.get(`${t.task}/vjepa`)?.result;
    const r = results.get(`${t.task}/random-init`)?.result;
    if (v && r) {
      const row = results.get(`${t.task}/vjepa`)!;
      row.note = marginNote(v, r);
    }
  }
  notes.push(
    `Held-out Moving MNIST from the MNIST test digits (pretraining uses the train digits): probe-train clips from the even-numbered test images (${trainClips}), probe-test clips from the odd-numbered ones (${testClips}), so no digit image is shared.`,
    `Probe: ${kind}, ${settings.seeds} seeds, ${settings.epochs} epochs, batch ${settings.batchSize}, lr ${settings.lr}; accuracy mean ± std (sample std over seeds).`,
    `Encoders: ${encoders.map((e) => `${e.name} = ${e.what}${e.spec?.checkpoint ? ` (${e.spec.checkpoint})` : ''}`).join('; ')}.`,
  );
  const seconds = (Date.now() - started) / 1000;
  notes.push(`Wall time: ${seconds.toFixed(1)} s.`);
  const files = writeReport(out, 'V-JEPA embedded evaluation (frozen probes on held-out Moving MNIST)', rows, {
    notes,
    json: { probe: kind, ...settings, trainClips, testClips, seconds, temporalTaskIsTemporal: temporal, architecture: arch.vit, encoders: encoders.map(({ name, what, spec, missing }) => ({ name, what, checkpoint: spec?.checkpoint ?? null, missing: missing ?? null })) },
  });
  const table = markdownTable(rows);
  return { rows, table, files, seconds, temporalTaskIsTemporal: temporal };
}

/**
 * The note of the V-JEPA row: its lead over the random-init control in points and in seed standard
 * deviations (the larger of the two stds: the bar of the probe issue is "> 3"). When neither encoder
 * varies across seeds there is no scale, and the note says so instead of dividing by zero.
 *
 * @example
 * marginNote({ mean: 0.545, std: 0.013 }, { mean: 0.467, std: 0.007 }); // "+7.8 vs random-init (6.0 sd; beats it by > 3 sd)"
 */
export function marginNote(v: { mean: number; std: number }, r: { mean: number; std: number }): string {
  const diff = v.mean - r.mean;
  const sd = Math.max(v.std, r.std);
  const signed = `${diff >= 0 ? '+' : ''}${(100 * diff).toFixed(1)} vs random-init`;
  // every seed gave the same accuracy for both encoders (e.g. probes too short to move): no scale
  if (sd < 1e-6) return `${signed} (no seed-to-seed variation: the sd margin is undefined; train the probes longer or use more seeds)`;
  const margin = diff / sd;
  return `${signed} (${margin.toFixed(1)} sd; ${margin > 3 ? 'beats it by > 3 sd' : 'not > 3 sd'})`;
}
