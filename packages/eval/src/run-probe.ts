import * as tf from '@tensorflow/tfjs-core';
import { DataError } from '@vjepa/errors';
import { AttentiveProbe, KnnClassifier, hostFeatures, LinearProbe, type Probe, accuracy, confusionMatrix, evaluateProbe, meanStd, trainProbe } from '@vjepa/probe';
import type { Features } from './feature-cache';

/**
 * Which probe reads the frozen features.
 *
 * @example
 * const kind: ProbeKind = 'attentive';
 */
export type ProbeKind = 'attentive' | 'linear' | 'knn';

/**
 * Options of {@link runProbe}; training defaults follow the reference frozen evaluation except the
 * epoch count and batch, sized for a CPU.
 *
 * @example
 * const opts: ProbeRunOptions = { kind: 'attentive', numClasses: 8, numHeads: 4, seeds: 3, epochs: 20 };
 */
export interface ProbeRunOptions {
  kind: ProbeKind;
  numClasses: number;
  /** Heads of the attentive probe (the reference uses the encoder's). */
  numHeads: number;
  /** Probe seeds (default 3); each seeds the probe init and the shuffle. */
  seeds?: number;
  /** Default 20. */
  epochs?: number;
  /** Default 64. */
  batchSize?: number;
  /** Default 1e-3. */
  lr?: number;
  /** Neighbours of the k-NN probe (default 20). */
  k?: number;
  log?: (line: string) => void;
}

/**
 * Accuracy of a probe over seeds, and the confusion matrix summed over seeds (`m[true][predicted]`).
 *
 * @example
 * const r: ProbeRunResult = await runProbe(train, trainY, test, testY, opts);
 * console.log(r.mean, r.std);
 */
export interface ProbeRunResult {
  kind: ProbeKind;
  accuracies: number[];
  mean: number;
  std: number;
  confusion: number[][];
  numClasses: number;
  trainSize: number;
  testSize: number;
}

function features(f: Features): tf.Tensor3D {
  return tf.tensor3d(f.data, f.shape, 'float32'); // [M, N, D]
}

/**
 * Trains and tests a probe on frozen features, once per seed (k-NN: once; it has no randomness).
 * Train and test class counts must agree; labels must be integers in `[0, numClasses)`. The caller
 * registers tfjs gradients (apps do it with their backend; `trainProbe` says so when they are missing).
 *
 * @example
 * const r = await runProbe(trainFeats, trainLabels, testFeats, testLabels, { kind: 'linear', numClasses: 10, numHeads: 4 });
 */
export async function runProbe(
  train: Features,
  trainLabels: Int32Array,
  test: Features,
  testLabels: Int32Array,
  options: ProbeRunOptions,
): Promise<ProbeRunResult> {
  const c = options.numClasses;
  for (const [what, y] of [['probe-train labels', trainLabels], ['probe-test labels', testLabels]] as const) {
    const bad = y.findIndex((v) => v < 0 || v >= c);
    if (bad >= 0) throw new DataError(`${what}[${bad}]`, { expected: `a class in [0, ${c})`, received: String(y[bad]) });
  }
  if (train.shape[2] !== test.shape[2]) throw new DataError('probe features', { expected: `the same width for train and test (${train.shape[2]})`, received: String(test.shape[2]) });
  const seeds = options.kind === 'knn' ? 1 : (options.seeds ?? 3);
  // k-NN works on whole tensors; the trained probes read host-side batches (no device gather)
  const xTrain = options.kind === 'knn' ? features(train) : hostFeatures(train.data, train.shape);
  const xTest = options.kind === 'knn' ? features(test) : hostFeatures(test.data, test.shape);
  const accuracies: number[] = [];
  const confusion = Array.from({ length: c }, () => new Array<number>(c).fill(0));
  try {
    for (let seed = 0; seed < seeds; seed++) {
      let predictions: Int32Array;
      if (options.kind === 'knn') {
        const knn = new KnnClassifier(xTrain as tf.Tensor3D, trainLabels, { k: options.k ?? 20, numClasses: c });
        try {
          predictions = (await knn.predict(xTest as tf.Tensor3D)).predictions;
        } finally {
          knn.dispose();
        }
      } else {
        const d = train.shape[2];
        const probe: Probe & { dispose(): void } =
          options.kind === 'attentive'
            ? new AttentiveProbe({ embedDim: d, numHeads: options.numHeads, numClasses: c, seed })
            : new LinearProbe({ embedDim: d, numClasses: c, seed });
        try {
          await trainProbe(probe, xTrain, trainLabels, { epochs: options.epochs ?? 20, batchSize: options.batchSize ?? 64, lr: options.lr ?? 1e-3, seed });
          predictions = (await evaluateProbe(probe, xTest, testLabels)).predictions;
        } finally {
          probe.dispose();
        }
      }
      const acc = accuracy(predictions, testLabels);
      accuracies.push(acc);
      const m = confusionMatrix(predictions, testLabels, c);
      for (let i = 0; i < c; i++) for (let j = 0; j < c; j++) confusion[i][j] += m[i][j];
      options.log?.(`  ${options.kind} probe seed ${seed}: ${(100 * acc).toFixed(1)}%`);
    }
  } finally {
    for (const x of [xTrain, xTest]) if (x instanceof tf.Tensor) x.dispose();
  }
  const { mean, std } = meanStd(accuracies);
  return { kind: options.kind, accuracies, mean, std, confusion, numClasses: c, trainSize: train.shape[0], testSize: test.shape[0] };
}

/**
 * One probe training: {@link runProbe}'s arguments and a name for its log lines (what a suite runs
 * per encoder and task, in this process or on a pool of workers).
 *
 * @example
 * const unit: ProbeUnit = { name: 'digit/vjepa', train, trainLabels, test, testLabels, options: { kind: 'attentive', numClasses: 10, numHeads: 4 } };
 */
export interface ProbeUnit {
  /** Prefixes the unit's log lines, e.g. `digit/vjepa`. */
  name: string;
  train: Features;
  trainLabels: Int32Array;
  test: Features;
  testLabels: Int32Array;
  options: Omit<ProbeRunOptions, 'log'>;
}

/**
 * Runs probe trainings and returns their results in the order of `units`: the suite's extension
 * point for parallelism (apps pass a pool of worker threads; the default runs them here, one after
 * the other). Every unit is seeded, so any runner gives the same numbers.
 *
 * @example
 * const sequential: ProbeRunner = (units, log) => runProbesHere(units, log);
 */
export type ProbeRunner = (units: readonly ProbeUnit[], log: (line: string) => void) => Promise<ProbeRunResult[]>;

/**
 * The default {@link ProbeRunner}: every unit in this process, one after the other.
 *
 * @example
 * const results = await runProbesHere(units, console.log);
 */
export async function runProbesHere(units: readonly ProbeUnit[], log: (line: string) => void = () => {}): Promise<ProbeRunResult[]> {
  const out: ProbeRunResult[] = [];
  for (const unit of units) {
    log(`  ${unit.name} (${unit.options.kind}, ${unit.options.numClasses} classes)`);
    out.push(await runProbe(unit.train, unit.trainLabels, unit.test, unit.testLabels, { ...unit.options, log }));
  }
  return out;
}

/**
 * Relative cost of a unit, to start the longest first on a pool: attentive and linear probes train
 * `seeds x epochs` passes over `[M, N, D]` and test once per seed; k-NN runs once.
 *
 * @example
 * probeCost(unit); // 3 * (20 * 400 + 200) * 64 * 96
 */
export function probeCost(unit: Pick<ProbeUnit, 'train' | 'test' | 'options'>): number {
  const [m, n, d] = unit.train.shape;
  if (unit.options.kind === 'knn') return (m + unit.test.shape[0]) * n * d;
  return (unit.options.seeds ?? 3) * ((unit.options.epochs ?? 20) * m + unit.test.shape[0]) * n * d;
}
