import { join } from 'node:path';
import { ConfigError } from '@vjepa/errors';
import type { EvalArch } from './arch';
import { type Features, type SkippedItem, cachedFeatures } from './feature-cache';
import { type EncoderSpec, loadEncoder } from './encoder-source';
import { type ProbeDataset, probeSets } from './probe-sets';
import { type ResultRow, markdownTable, writeReport } from './report';
import { type ProbeKind, runProbe } from './run-probe';
import { SUITE_DEFAULTS } from './suite';

/**
 * Options of {@link runProbeEval}.
 *
 * @example
 * const opts: ProbeEvalOptions = { arch, encoder: { checkpoint: 'ckpt.pth.tar' }, dataset, out: 'probe-out' };
 */
export interface ProbeEvalOptions {
  arch: EvalArch;
  encoder: EncoderSpec;
  dataset: ProbeDataset;
  /** Output folder: results.json, results.md, confusion PNGs. */
  out: string;
  /** Feature cache folder (default `<out>/cache`). */
  cacheDir?: string;
  probe?: ProbeKind;
  /** Probe seeds, epochs, batch and learning rate: default the suite's ({@link SUITE_DEFAULTS}: 3, 20, 64, 5e-3). */
  seeds?: number;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  /** A video that cannot be read stops the evaluation instead of being skipped. */
  failFast?: boolean;
  log?: (line: string) => void;
}

/**
 * What {@link runProbeEval} measured, and the items it had to leave out.
 *
 * @example
 * const { rows, skipped } = await runProbeEval(opts);
 * if (skipped.train.length + skipped.test.length > 0) console.log('some videos could not be read');
 */
export interface ProbeEvalResult {
  rows: ResultRow[];
  /** Items of the train and test sets whose clips could not be read (the probe ran without them). */
  skipped: { train: SkippedItem[]; test: SkippedItem[] };
}

/** The labels of the rows a features array holds (all, unless items were skipped). */
function rowLabels(labels: Int32Array, f: Features): Int32Array {
  return f.items === undefined ? labels : Int32Array.from(f.items, (i) => labels[i]);
}

/**
 * A frozen probe evaluation (`vjepa-eval probe`): features of the train and test sets (computed once,
 * cached on disk keyed by the weights + data + transform; an interrupted run resumes), then a probe
 * per task and seed (attentive by default, with the suite's protocol), mean ± std over seeds; writes
 * results.json, results.md and a confusion-matrix PNG per task. A video of an index that cannot be
 * read is skipped and named (in the log and results.json), and the probe runs on the others.
 *
 * @example
 * const { rows } = await runProbeEval({ arch, encoder: { checkpoint: 'ckpt.pth.tar' }, dataset: { kind: 'index', train: 'train.txt', test: 'test.txt' }, out: 'probe-out' });
 */
export async function runProbeEval(options: ProbeEvalOptions): Promise<ProbeEvalResult> {
  const log = options.log ?? (() => {});
  const kind = options.probe ?? 'attentive';
  const seeds = options.seeds ?? SUITE_DEFAULTS.seeds;
  const epochs = options.epochs ?? SUITE_DEFAULTS.epochs;
  const batchSize = options.batchSize ?? SUITE_DEFAULTS.batchSize;
  const lr = options.lr ?? SUITE_DEFAULTS.lr;
  if (!Number.isInteger(seeds) || seeds < 1) throw new ConfigError('--seeds', { expected: 'an integer >= 1', received: String(seeds) });
  const { train, test, tasks } = await probeSets(options.arch, options.dataset);
  const loaded = await loadEncoder(options.arch, options.encoder, log);
  const cacheDir = options.cacheDir ?? join(options.out, 'cache');
  const rows: ResultRow[] = [];
  let trainF: Features;
  let testF: Features;
  try {
    trainF = await cachedFeatures(loaded, train, { cacheDir, log, failFast: options.failFast });
    testF = await cachedFeatures(loaded, test, { cacheDir, log, failFast: options.failFast });
    for (const task of tasks) {
      const numClasses = train.numClasses[task];
      log(`probe: ${task} (${numClasses} classes), ${kind}, ${trainF.shape[0]} train / ${testF.shape[0]} test`);
      const result = await runProbe(trainF, rowLabels(train.labels[task], trainF), testF, rowLabels(test.labels[task], testF), {
        kind,
        numClasses,
        numHeads: options.arch.vit.numHeads,
        seeds,
        epochs,
        batchSize,
        lr,
        log,
      });
      rows.push({ task, encoder: loaded.description, result, chance: 1 / numClasses });
    }
  } finally {
    loaded.encoder.dispose();
  }
  const skipped = { train: trainF.skipped ?? [], test: testF.skipped ?? [] };
  const skipNote = skipped.train.length + skipped.test.length === 0 ? [] : [`skipped (unreadable): ${skipped.train.length} train and ${skipped.test.length} test item(s); listed in results.json`];
  writeReport(options.out, `Frozen ${kind} probe`, rows, {
    notes: [`encoder: ${loaded.description} (${options.arch.source})`, `train: ${train.name} (${trainF.shape[0]} of ${train.size}), test: ${test.name} (${testF.shape[0]} of ${test.size})`, `probe: ${seeds} seeds, ${epochs} epochs, batch ${batchSize}, lr ${lr}`, ...skipNote],
    json: { probe: kind, seeds, epochs, batchSize, lr, encoder: loaded.description, encoderId: loaded.id, train: train.spec.split('\n')[0], test: test.spec.split('\n')[0], skipped },
  });
  log(markdownTable(rows));
  return { rows, skipped };
}
