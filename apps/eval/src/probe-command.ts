import { join } from 'node:path';
import { ConfigError, DataError } from '@vjepa/errors';
import type { EvalArch } from './arch-config';
import { type ClipSet, indexClips, movingMnistClips } from './clip-sets';
import { cachedFeatures } from './feature-cache';
import { type EncoderSpec, loadEncoder } from './encoder-source';
import { type ProbeKind, runProbe } from './probe-runner';
import { type ResultRow, markdownTable, writeReport } from './report';

/** Seeds of the embedded Moving MNIST evaluation sets (fixed, so caches and reports compare across runs). */
export const MOVING_MNIST_SEEDS = { 'probe-train': 1001, 'probe-test': 1002 } as const;

/**
 * The data a probe is trained and tested on: the embedded Moving MNIST tasks, or two `path label` indexes.
 *
 * @example
 * const d1: ProbeDataset = { kind: 'moving-mnist', tasks: ['digit', 'direction'], trainClips: 400, testClips: 200 };
 * const d2: ProbeDataset = { kind: 'index', train: 'train.txt', test: 'test.txt' };
 */
export type ProbeDataset =
  | { kind: 'moving-mnist'; tasks: readonly ('digit' | 'direction' | 'speed')[]; trainClips: number; testClips: number }
  | { kind: 'index'; train: string; test: string; numClasses?: number; ffmpegPath?: string };

/**
 * Options of {@link runProbeCommand}.
 *
 * @example
 * const opts: ProbeCommandOptions = { arch, encoder: { checkpoint: 'ckpt.pth.tar' }, dataset, out: 'probe-out' };
 */
export interface ProbeCommandOptions {
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
 * Train and test sets of a probe dataset plus the tasks (label names) to evaluate.
 *
 * @example
 * const { train, test, tasks } = probeSets(arch, { kind: 'index', train: 'a.txt', test: 'b.txt' });
 */
export function probeSets(arch: EvalArch, dataset: ProbeDataset): { train: ClipSet; test: ClipSet; tasks: string[] } {
  if (dataset.kind === 'moving-mnist') {
    const train = movingMnistClips(arch, { part: 'probe-train', count: dataset.trainClips, seed: MOVING_MNIST_SEEDS['probe-train'] });
    const test = movingMnistClips(arch, { part: 'probe-test', count: dataset.testClips, seed: MOVING_MNIST_SEEDS['probe-test'] });
    return { train, test, tasks: [...dataset.tasks] };
  }
  const train = indexClips(arch, dataset.train, { numClasses: dataset.numClasses, ffmpegPath: dataset.ffmpegPath });
  const test = indexClips(arch, dataset.test, { numClasses: dataset.numClasses, ffmpegPath: dataset.ffmpegPath });
  if (train.numClasses.label !== test.numClasses.label) {
    throw new DataError(`class counts of ${dataset.train} and ${dataset.test}`, {
      expected: 'the same number of classes (max label + 1) in train and test',
      received: `${train.numClasses.label} in ${dataset.train}, ${test.numClasses.label} in ${dataset.test}`,
      hint: 'check that both indexes use the same class list; pass --num-classes N if a class is absent from one of them.',
    });
  }
  const missing = [...new Set(train.labels.label)].length;
  if (missing < 2) throw new DataError(`${dataset.train}: labels`, { expected: 'at least 2 distinct classes', received: String(missing) });
  return { train, test, tasks: ['label'] };
}

/**
 * `vjepa-eval probe`: frozen features of the train and test sets (computed once, cached on disk by
 * checkpoint hash + data + transform), then a probe per task and seed (attentive by default),
 * mean ± std over seeds; writes results.json, results.md and a confusion-matrix PNG per task.
 *
 * @example
 * const rows = await runProbeCommand({ arch, encoder: { checkpoint: 'ckpt.pth.tar' }, dataset: { kind: 'index', train: 'train.txt', test: 'test.txt' }, out: 'probe-out' });
 */
export async function runProbeCommand(options: ProbeCommandOptions): Promise<ResultRow[]> {
  const log = options.log ?? (() => {});
  const kind = options.probe ?? 'attentive';
  const seeds = options.seeds ?? 3;
  if (!Number.isInteger(seeds) || seeds < 1) throw new ConfigError('--seeds', { expected: 'an integer >= 1', received: String(seeds) });
  const { train, test, tasks } = probeSets(options.arch, options.dataset);
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
