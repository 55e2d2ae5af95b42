import { join } from 'node:path';
import { ConfigError } from '@vjepa/errors';
import type { EvalArch } from './arch';
import { cachedFeatures } from './feature-cache';
import { type EncoderSpec, loadEncoder } from './encoder-source';
import { type ProbeDataset, probeSets } from './probe-sets';
import { type ResultRow, markdownTable, writeReport } from './report';
import { type ProbeKind, runProbe } from './run-probe';

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
  seeds?: number;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  log?: (line: string) => void;
}

/**
 * A frozen probe evaluation (`vjepa-eval probe`): features of the train and test sets (computed once,
 * cached on disk keyed by the weights + data + transform), then a probe per task and seed (attentive
 * by default), mean ± std over seeds; writes results.json, results.md and a confusion-matrix PNG per task.
 *
 * @example
 * const rows = await runProbeEval({ arch, encoder: { checkpoint: 'ckpt.pth.tar' }, dataset: { kind: 'index', train: 'train.txt', test: 'test.txt' }, out: 'probe-out' });
 */
export async function runProbeEval(options: ProbeEvalOptions): Promise<ResultRow[]> {
  const log = options.log ?? (() => {});
  const kind = options.probe ?? 'attentive';
  const seeds = options.seeds ?? 3;
  if (!Number.isInteger(seeds) || seeds < 1) throw new ConfigError('--seeds', { expected: 'an integer >= 1', received: String(seeds) });
  const { train, test, tasks } = await probeSets(options.arch, options.dataset);
  const loaded = await loadEncoder(options.arch, options.encoder, log);
  const cacheDir = options.cacheDir ?? join(options.out, 'cache');
  const rows: ResultRow[] = [];
  try {
    const trainF = await cachedFeatures(loaded, train, { cacheDir, log });
    const testF = await cachedFeatures(loaded, test, { cacheDir, log });
    for (const task of tasks) {
      const numClasses = train.numClasses[task];
      log(`probe: ${task} (${numClasses} classes), ${kind}, ${train.size} train / ${test.size} test`);
      const result = await runProbe(trainF, train.labels[task], testF, test.labels[task], {
        kind,
        numClasses,
        numHeads: options.arch.vit.numHeads,
        seeds,
        epochs: options.epochs,
        batchSize: options.batchSize,
        lr: options.lr,
        log,
      });
      rows.push({ task, encoder: loaded.description, result, chance: 1 / numClasses });
    }
  } finally {
    loaded.encoder.dispose();
  }
  writeReport(options.out, `Frozen ${kind} probe`, rows, {
    notes: [`encoder: ${loaded.description} (${options.arch.source})`, `train: ${train.name} (${train.size}), test: ${test.name} (${test.size})`],
    json: { probe: kind, seeds, epochs: options.epochs ?? 20, encoder: loaded.description, encoderId: loaded.id, train: train.spec.split('\n')[0], test: test.spec.split('\n')[0] },
  });
  log(markdownTable(rows));
  return rows;
}
