// The WebGPU conformance cases (test helper, not exported): every op the V-JEPA training step, AdamW,
// the EMA update and the probe are built from, each run on a backend with seeded inputs, returning the
// op's outputs and the gradients of a weighted sum of them with respect to every float input.
import * as tf from '@tensorflow/tfjs-core';
import { AttentiveProbe } from '@vjepa/probe';
import { AdamW, emaUpdate } from '@vjepa/optim';
import { encoderVarianceCovariance, featureSpread, meanSquaredError, normalizedPixelTargets, regressionLoss, varianceRegulariser } from '@vjepa/trainer';
import { VJEPAPredictor, predictorConfigFor } from '@vjepa/predictor';
import { Block, PatchEmbed3D, ParamStore, VisionTransformer, gatherTokens, gelu, layerNorm, linear, scaledDotProductAttention } from '@vjepa/vit';
import { seededValues } from '../wasm/test-helpers';

/** One conformance case: inputs built fresh on the active backend, and the op under test. */
export interface ConformanceCase {
  readonly name: string;
  readonly inputs: () => tf.Tensor[];
  readonly fn: (...inputs: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
  /** Indices of the inputs to differentiate with respect to (default: every float32 input). */
  readonly gradOf?: readonly number[];
}

const size = (shape: readonly number[]) => shape.reduce((p, s) => p * s, 1);

/** A seeded float tensor with values in [-scale, scale). */
export function seeded(shape: number[], seed: number, scale = 1): tf.Tensor {
  return tf.tensor(seededValues(size(shape), seed).map((v) => v * scale), shape);
}

const ints = (values: number[], shape: number[]) => tf.tensor(values, shape, 'int32');

/** Builds a module's variables from `seed` inside the run (so they live on the backend under test). */
function withStore<T>(seed: number, make: (store: ParamStore) => T): T {
  return make(new ParamStore({ seed, trainable: false }));
}

const matMulCases: ConformanceCase[] = [];
for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
  const [m, k, n] = [5, 7, 6];
  const a2 = tA ? [k, m] : [m, k];
  const b2 = tB ? [n, k] : [k, n];
  for (const [label, a, b] of [
    ['2-D', a2, b2],
    ['batched', [3, ...a2], [3, ...b2]],
    ['rank 4 (attention heads)', [2, 3, ...a2], [2, 3, ...b2]],
    ['batched a, shared b', [4, ...a2], b2],
  ] as const) {
    matMulCases.push({
      name: `matMul ${label} transposeA ${tA} transposeB ${tB}`,
      inputs: () => [seeded([...a], 11), seeded([...b], 12)],
      fn: (x, y) => tf.matMul(x, y, tA, tB),
      // tfjs-core's BatchMatMul gradient does not reduce a broadcast b (wrong shape on every backend);
      // the models never broadcast b under a gradient (linear() folds the batch into rows).
      ...(a.length !== b.length ? { gradOf: [0] } : {}),
    });
  }
}

/** Every conformance case. */
export const CONFORMANCE_CASES: readonly ConformanceCase[] = [
  ...matMulCases,
  { name: 'linear (x W^T + b)', inputs: () => [seeded([2, 5, 7], 1), seeded([6, 7], 2, 0.3), seeded([6], 3)], fn: (x, w, b) => linear(x, w, b) },
  {
    name: 'layerNorm with gain and bias (eps 1e-6)',
    inputs: () => [seeded([3, 4, 16], 4, 3), seeded([16], 5), seeded([16], 6)],
    fn: (x, g, b) => layerNorm(x, g, b, 1e-6),
  },
  { name: 'layerNorm without parameters (eps 1e-5, the targets)', inputs: () => [seeded([2, 8, 16], 7, 2)], fn: (x) => layerNorm(x, null, null, 1e-5) },
  { name: 'GELU (erf)', inputs: () => [seeded([4, 33], 8, 4)], fn: (x) => gelu(x) },
  { name: 'softmax over the last axis', inputs: () => [seeded([4, 3, 9], 9, 6)], fn: (x) => tf.softmax(x, -1) },
  {
    name: 'scaledDotProductAttention',
    inputs: () => [seeded([2, 3, 6, 8], 10), seeded([2, 3, 6, 8], 11), seeded([2, 3, 6, 8], 12)],
    fn: (q, k, v) => scaledDotProductAttention(q, k, v, 1 / Math.sqrt(8)),
  },
  {
    name: 'scaledDotProductAttention, cross (M != N), several tiles, head dim 24',
    inputs: () => [seeded([2, 3, 70, 24], 40, 2), seeded([2, 3, 45, 24], 41, 2), seeded([2, 3, 45, 24], 42)],
    fn: (q, k, v) => scaledDotProductAttention(q, k, v, 1 / Math.sqrt(24)),
  },
  {
    name: 'scaledDotProductAttention, one query (the probe), head dim 16',
    inputs: () => [seeded([3, 4, 1, 16], 43), seeded([3, 4, 37, 16], 44), seeded([3, 4, 37, 16], 45)],
    fn: (q, k, v) => scaledDotProductAttention(q, k, v, 0.25),
  },
  {
    name: 'transformer block (qkv split, rank-5 transpose, attention, MLP, residuals)',
    inputs: () => [seeded([2, 6, 16], 13)],
    fn: (x) => withStore(14, (s) => new Block(s, 'b', { dim: 16, numHeads: 4 })).apply(x),
  },
  {
    name: 'V-JEPA 2 RoPE encoder on kept tokens (rotations, positions from indices)',
    inputs: () => [seeded([2, 4, 16, 16, 3], 51), ints([0, 3, 5, 8, 13, 21, 30, 31, 1, 2, 9, 10, 17, 18, 25, 26], [2, 8])],
    fn: (clip, idx) => {
      const vit = new VisionTransformer({ embedDim: 48, depth: 1, numHeads: 2, patchSize: 4, tubeletSize: 2, numFrames: 4, imgSize: 16, useRope: true }, { seed: 52, trainable: false });
      const y = vit.apply(clip, { indices: idx, checkIndices: false });
      return y;
    },
    gradOf: [0],
  },
  {
    name: 'V-JEPA 2 RoPE predictor (tokens sorted by position, order restored)',
    inputs: () => [seeded([2, 5, 48], 53), ints([0, 4, 9, 20, 31, 1, 2, 3, 16, 17], [2, 5]), ints([5, 6, 7, 2, 3, 4, 5, 6], [2, 4])],
    fn: (ctx, ctxIdx, tgtIdx) => {
      const enc = { embedDim: 48, depth: 1, numHeads: 2, patchSize: 4, tubeletSize: 2, numFrames: 4, imgSize: 16, useRope: true };
      const pred = new VJEPAPredictor(predictorConfigFor(new VisionTransformer(enc, { trainable: false }).config, { predictorEmbedDim: 24, depth: 1, numMaskTypes: 2 }), { seed: 54, trainable: false });
      return pred.apply(ctx, ctxIdx, tgtIdx, 1, { checkIndices: false });
    },
    gradOf: [0],
  },
  {
    name: '3-D patch embedding (tubelet 2, patch 4) plus a broadcast position table',
    inputs: () => [seeded([1, 4, 8, 8, 3], 15), seeded([8, 12], 16)],
    fn: (clip, pos) => tf.add(withStore(17, (s) => new PatchEmbed3D(s, 'pe', { embedDim: 12, patchSize: 4, tubeletSize: 2, inChans: 3, video: true })).apply(clip), pos),
  },
  {
    name: 'gatherTokens (gather; its gradient is UnsortedSegmentSum)',
    inputs: () => [seeded([2, 6, 4], 18), ints([0, 2, 5, 1, 1, 4], [2, 3])],
    fn: (x, idx) => gatherTokens(x, idx),
    gradOf: [0],
  },
  { name: 'regressionLoss p = 1 (L1)', inputs: () => [seeded([2, 5, 8], 19), seeded([2, 5, 8], 20)], fn: (p, t) => regressionLoss(p, t, 1) },
  { name: 'regressionLoss p = 2 (pow)', inputs: () => [seeded([2, 5, 8], 21), seeded([2, 5, 8], 22)], fn: (p, t) => regressionLoss(p, t, 2) },
  { name: 'meanSquaredError (pixel objective)', inputs: () => [seeded([2, 5, 8], 23), seeded([2, 5, 8], 24)], fn: (p, t) => meanSquaredError(p, t) },
  {
    name: 'normalizedPixelTargets (pixel objective targets)',
    inputs: () => [seeded([2, 4, 8, 8, 3], 25)],
    fn: (clip) => normalizedPixelTargets(clip, 2, 4),
    gradOf: [],
  },
  {
    name: 'varianceRegulariser and featureSpread',
    inputs: () => [seeded([2, 7, 8], 26, 0.3), seeded([2, 5, 8], 27, 2)],
    fn: (a, b) => [varianceRegulariser([a, b]), featureSpread([a, b])],
  },
  {
    name: 'encoderVarianceCovariance (pooled covariance, transposed matmul)',
    inputs: () => [seeded([2, 7, 8], 28, 0.5), seeded([2, 5, 8], 29)],
    fn: (a, b) => {
      const { variance, covariance } = encoderVarianceCovariance([a, b]);
      return [variance, covariance];
    },
  },
  {
    name: 'addN of 40 inputs (more than a WebGPU stage binds: summed in chunks)',
    inputs: () => Array.from({ length: 40 }, (_, i) => seeded([3, 5], 100 + i)),
    fn: (...xs) => tf.addN(xs),
  },
  {
    name: 'concat, stack, unstack and split',
    inputs: () => [seeded([2, 3, 4], 30), seeded([2, 3, 4], 31)],
    fn: (a, b) => {
      const [u0, u1] = tf.unstack(tf.stack([a, b], 0), 0);
      const [s0, s1] = tf.split(tf.concat([u0, u1], 2), [3, 5], 2);
      return [tf.mul(s0, 2), s1];
    },
  },
  {
    name: 'slice and pad (and their gradients), zerosLike, sin',
    inputs: () => [seeded([3, 6, 4], 38)],
    fn: (x) => [tf.slice(x, [1, 2, 0], [2, 3, 4]), tf.pad(x, [[0, 0], [1, 2], [0, 0]], 0.5), tf.add(tf.zerosLike(x), tf.sin(x))],
  },
  {
    name: 'argMax and equal (probe accuracy)',
    inputs: () => [seeded([6, 5], 39), ints([0, 4, 2, 2, 1, 3], [6])],
    fn: (logits, labels) => tf.cast(tf.equal(tf.argMax(logits, -1), labels), 'float32'),
    gradOf: [],
  },
  {
    name: 'norms and clipping arithmetic (sqrt, square, sum, minimum, div)',
    inputs: () => [seeded([5, 6], 32, 3)],
    fn: (g) => {
      const norm = tf.sqrt(tf.sum(tf.square(g)));
      return [norm, tf.mul(g, tf.minimum(tf.div(1, tf.add(norm, 1e-6)), 1))];
    },
  },
  {
    name: 'AdamW (3 steps, decay and no-decay groups) and the EMA update',
    inputs: () => [seeded([4, 6], 46), seeded([6], 47), ...[48, 49, 50].flatMap((s) => [seeded([4, 6], s, 0.5), seeded([6], s + 10, 0.5)])],
    fn: (w0, b0, ...grads) => {
      const w = tf.variable(w0, true, undefined);
      const b = tf.variable(b0, true, undefined);
      const target = tf.variable(tf.mul(w0, 0.5), false, undefined);
      const opt = new AdamW(
        [
          { name: 'decay', params: new Map([['w', w]]) },
          { name: 'no decay', params: new Map([['b', b]]), weightDecay: 0, wdExclude: true },
        ],
        { lr: 1e-2, weightDecay: 0.05 },
      );
      for (let s = 0; s < 3; s++) {
        opt.applyGradients(new Map([['w', grads[2 * s]], ['b', grads[2 * s + 1]]]));
        emaUpdate(new Map([['w', target]]), new Map([['w', w]]), 0.9);
      }
      const out = [tf.clone(w), tf.clone(b), tf.clone(target)];
      opt.dispose();
      tf.dispose([w, b, target]);
      return out;
    },
    gradOf: [],
  },
  {
    name: 'attentive probe, fused single-query attention (apply)',
    inputs: () => [seeded([3, 6, 16], 33)],
    fn: (x) => new AttentiveProbe({ embedDim: 16, numHeads: 4, numClasses: 5, seed: 34 }).apply(x),
  },
  {
    name: 'attentive probe, reference multi-head attention, depth 2 (apply)',
    inputs: () => [seeded([3, 6, 16], 35)],
    fn: (x) => new AttentiveProbe({ embedDim: 16, numHeads: 4, numClasses: 5, depth: 2, attention: 'reference', seed: 36 }).apply(x),
  },
  {
    name: 'cross-entropy on logits (logSoftmax, oneHot, cast)',
    inputs: () => [seeded([6, 5], 37, 3), ints([0, 4, 2, 2, 1, 3], [6])],
    fn: (logits, labels) => tf.neg(tf.mean(tf.sum(tf.mul(tf.cast(tf.oneHot(labels, 5), 'float32'), tf.logSoftmax(logits)), -1))),
    gradOf: [0],
  },
];

/** The outputs and gradients of one case on the active backend, read back as arrays (no tensors left). */
export async function runCase(c: ConformanceCase, weightSeed = 500): Promise<{ outputs: Float32Array[]; grads: Float32Array[] }> {
  const result = tf.tidy(() => {
    const inputs = c.inputs();
    const gradOf = c.gradOf ?? inputs.map((t, i) => (t.dtype === 'float32' ? i : -1)).filter((i) => i >= 0);
    const outputs = ([] as tf.Tensor[]).concat(c.fn(...inputs));
    let grads: tf.Tensor[] = [];
    if (gradOf.length > 0) {
      // Gradients of a seeded weighted sum of every output, so no gradient is trivially all ones.
      const loss = (...xs: tf.Tensor[]) => {
        const all = inputs.map((t, i) => (gradOf.includes(i) ? xs[gradOf.indexOf(i)] : t));
        const outs = ([] as tf.Tensor[]).concat(c.fn(...all));
        return tf.addN(outs.map((o, j) => tf.sum(tf.mul(o, seeded(o.shape, weightSeed + j))))) as tf.Scalar;
      };
      grads = tf.grads(loss)(gradOf.map((i) => inputs[i]));
    }
    return { outputs, grads };
  });
  const read = (ts: tf.Tensor[]) => Promise.all(ts.map(async (t) => Float32Array.from(await t.data())));
  const out = { outputs: await read(result.outputs), grads: await read(result.grads) };
  tf.dispose([...result.outputs, ...result.grads]);
  return out;
}
