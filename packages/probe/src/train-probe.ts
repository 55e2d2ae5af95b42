import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, DataError, NonFiniteLossError } from '@vjepa/errors';
import { AdamW, WarmupCosineSchedule, assertGradientsRegistered, clipGradNorm, vjepaParamGroups } from '@vjepa/optim';
import { checkSourceWidth, fetchBatch, sourceSize, type FeatureSource } from './features';
import { evaluateProbe } from './evaluate-probe';
import { checkLabels } from './labels';
import type { Probe } from './probe';
import { createRng } from '@vjepa/rng';

/**
 * Options of `trainProbe`; defaults are the reference frozen evaluation (AdamW, lr 1e-3 cosine to 0,
 * wd 0.01 on weights only, 20 epochs, batch 256, gradient clipping at 1.0).
 *
 * @example
 * const opts: TrainProbeOptions = { epochs: 20, batchSize: 256, lr: 1e-3, wd: 0.01, seed: 0 };
 */
export interface TrainProbeOptions {
  /** Default 20. */
  epochs?: number;
  /** Default 256. */
  batchSize?: number;
  /** Peak learning rate. Default 1e-3. */
  lr?: number;
  /** Weight decay of weights (not biases and 1-D parameters). Default 0.01. */
  wd?: number;
  /** Linear warmup length in epochs (may be fractional). Default 0 (no warmup). */
  warmup?: number;
  /** LR at the start of warmup. Default 0. */
  startLr?: number;
  /** LR at the end of the cosine. Default 0. */
  finalLr?: number;
  /** Max global gradient norm; 0 disables clipping. Default 1.0. */
  clip?: number;
  /** Seed of the per-epoch shuffle. Default 0. */
  seed?: number;
  /** Evaluated after each epoch (accuracy reported as `valAccuracy`). */
  validation?: { features: FeatureSource; labels: ArrayLike<number> };
  /** Called after each epoch with its metrics. */
  onEpoch?: (metrics: EpochMetrics) => void | Promise<void>;
}

/**
 * Metrics of one epoch, read back once at its end.
 *
 * @example
 * const { loss, trainAccuracy } = result.epochs.at(-1)!;
 */
export interface EpochMetrics {
  epoch: number;
  /** Mean cross-entropy over the epoch's samples. */
  loss: number;
  /** Accuracy of the training predictions made during the epoch. */
  trainAccuracy: number;
  /** LR of the epoch's last step. */
  lr: number;
  /** Pre-clip global gradient norm of the epoch's last step. */
  gradNorm: number;
  /** Accuracy on `validation`, when given. */
  valAccuracy?: number;
}

/**
 * What `trainProbe` returns.
 *
 * @example
 * const { epochs, steps } = await trainProbe(probe, feats, labels);
 */
export interface TrainProbeResult {
  epochs: EpochMetrics[];
  steps: number;
}

/**
 * Train a probe on frozen features with cross-entropy, AdamW (no decay on biases and 1-D
 * parameters) and the reference schedule (linear warmup, then cosine to `finalLr`, stepped every
 * iteration over `epochs * ceil(N / batchSize)` steps). Deterministic given the probe's init seed
 * and `seed`. Leaves no tensors behind besides the probe's variables.
 *
 * @example
 * const probe = new AttentiveProbe({ embedDim: 64, numHeads: 4, numClasses: 5, seed: 0 });
 * const { epochs } = await trainProbe(probe, features, labels, { epochs: 20, seed: 0 });
 */
export async function trainProbe(probe: Probe, features: FeatureSource, labels: ArrayLike<number>, options: TrainProbeOptions = {}): Promise<TrainProbeResult> {
  const o = resolveOptions(options);
  assertGradientsRegistered('trainProbe');
  const n = sourceSize(features, 'trainProbe features');
  if (n === 0) throw new DataError('trainProbe features', { expected: 'at least one sample', received: '0' });
  checkSourceWidth(features, probe.embedDim, 'trainProbe features');
  const y = checkLabels(labels, { what: 'trainProbe labels', count: n, numClasses: probe.numClasses });
  if (o.validation !== undefined) {
    const vn = sourceSize(o.validation.features, 'trainProbe validation.features');
    checkSourceWidth(o.validation.features, probe.embedDim, 'trainProbe validation.features');
    checkLabels(o.validation.labels, { what: 'trainProbe validation.labels', count: vn, numClasses: probe.numClasses });
  }

  const vars = probe.trainableVariables();
  const names = [...vars.keys()];
  const varList = [...vars.values()];
  const officialName = new Map(varList.map((v, i) => [v.name, names[i]]));
  const opt = new AdamW(vjepaParamGroups(vars), { lr: o.lr, weightDecay: o.wd });
  const ipe = Math.ceil(n / o.batchSize);
  const totalSteps = o.epochs * ipe;
  const schedule = new WarmupCosineSchedule({ warmupSteps: Math.trunc(o.warmup * ipe), startLr: o.startLr, refLr: o.lr, finalLr: o.finalLr, totalSteps });
  const rng = createRng(o.seed);
  const result: TrainProbeResult = { epochs: [], steps: 0 };

  try {
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      const order = Int32Array.from(rng.shuffle(Array.from({ length: n }, (_, i) => i)));
      let lossSum: tf.Scalar = tf.scalar(0);
      let correct: tf.Scalar = tf.scalar(0);
      let lastNorm: tf.Scalar = tf.scalar(0);
      let lr = 0;
      try {
        for (let start = 0; start < n; start += o.batchSize) {
          const idx = order.subarray(start, Math.min(n, start + o.batchSize));
          const x = await fetchBatch(features, idx, probe.embedDim, 'trainProbe features');
          lr = schedule.forIteration(result.steps);
          opt.setLearningRate(lr);
          const step = trainStep(probe, opt, varList, officialName, x, y, idx, o.clip);
          x.dispose();
          const [l, c] = [lossSum, correct];
          lossSum = tf.tidy(() => tf.add(l, tf.mul(step.loss, idx.length)));
          correct = tf.tidy(() => tf.add(c, step.correct));
          tf.dispose([l, c, step.loss, step.correct, lastNorm]);
          lastNorm = step.norm;
          result.steps++;
        }
        const [ls, cs, gn] = await Promise.all([lossSum.data(), correct.data(), lastNorm.data()]);
        const metrics: EpochMetrics = { epoch, loss: ls[0] / n, trainAccuracy: cs[0] / n, lr, gradNorm: gn[0] };
        if (!Number.isFinite(metrics.loss)) throw new NonFiniteLossError(result.steps, { epoch, lr });
        if (o.validation !== undefined) {
          metrics.valAccuracy = (await evaluateProbe(probe, o.validation.features, o.validation.labels, { batchSize: o.batchSize })).accuracy;
        }
        result.epochs.push(metrics);
        await o.onEpoch?.(metrics);
      } finally {
        tf.dispose([lossSum, correct, lastNorm]);
      }
    }
  } finally {
    opt.dispose();
  }
  return result;
}

function trainStep(
  probe: Probe,
  opt: AdamW,
  varList: tf.Variable[],
  officialName: Map<string, string>,
  x: tf.Tensor,
  labels: Int32Array,
  idx: Int32Array,
  clip: number,
): { loss: tf.Scalar; correct: tf.Scalar; norm: tf.Scalar } {
  return tf.tidy(() => {
    const batchLabels = tf.tensor1d(Int32Array.from(idx, (i) => labels[i]), 'int32'); // [b]
    let correct: tf.Scalar | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const logits = probe.apply(x); // [b, C]
      correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), batchLabels), 'float32')) as tf.Scalar);
      const oneHot = tf.oneHot(batchLabels, probe.numClasses); // [b, C]
      // cross-entropy: logsumexp(logits) - logit of the true class, averaged over the batch
      return tf.mean(tf.sub(tf.logSumExp(logits, 1), tf.sum(tf.mul(logits, oneHot), 1))) as tf.Scalar;
    }, varList);
    const named = new Map<string, tf.Tensor>();
    for (const [varName, g] of Object.entries(grads)) named.set(officialName.get(varName)!, g);
    let norm: tf.Scalar;
    if (clip > 0) {
      const clipped = clipGradNorm(named, clip);
      opt.applyGradients(clipped.grads);
      norm = clipped.totalNorm;
    } else {
      opt.applyGradients(named);
      norm = tf.sqrt(tf.addN([...named.values()].map((g) => tf.sum(tf.square(g))))) as tf.Scalar;
    }
    return { loss: value as tf.Scalar, correct: correct!, norm };
  });
}

interface Resolved {
  epochs: number;
  batchSize: number;
  lr: number;
  wd: number;
  warmup: number;
  startLr: number;
  finalLr: number;
  clip: number;
  seed: number;
  validation?: TrainProbeOptions['validation'];
  onEpoch?: TrainProbeOptions['onEpoch'];
}

function resolveOptions(options: TrainProbeOptions): Resolved {
  const o: Resolved = {
    epochs: options.epochs ?? 20,
    batchSize: options.batchSize ?? 256,
    lr: options.lr ?? 1e-3,
    wd: options.wd ?? 0.01,
    warmup: options.warmup ?? 0,
    startLr: options.startLr ?? 0,
    finalLr: options.finalLr ?? 0,
    clip: options.clip ?? 1.0,
    seed: options.seed ?? 0,
    validation: options.validation,
    onEpoch: options.onEpoch,
  };
  const int = (key: 'epochs' | 'batchSize', min: number) => {
    if (!Number.isInteger(o[key]) || o[key] < min) throw new ConfigError(`trainProbe option ${key}`, { expected: `an integer >= ${min}`, received: String(o[key]) });
  };
  const nonNeg = (key: 'lr' | 'wd' | 'warmup' | 'startLr' | 'finalLr' | 'clip') => {
    if (typeof o[key] !== 'number' || !Number.isFinite(o[key]) || o[key] < 0) throw new ConfigError(`trainProbe option ${key}`, { expected: 'a finite number >= 0', received: String(o[key]) });
  };
  int('epochs', 1);
  int('batchSize', 1);
  (['lr', 'wd', 'warmup', 'startLr', 'finalLr', 'clip'] as const).forEach(nonNeg);
  if (o.warmup > o.epochs) throw new ConfigError('trainProbe option warmup', { expected: `at most epochs (${o.epochs})`, received: String(o.warmup) });
  if (!Number.isInteger(o.seed)) throw new ConfigError('trainProbe option seed', { expected: 'an integer', received: String(o.seed) });
  return o;
}
