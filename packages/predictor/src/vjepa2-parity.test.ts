// Golden test against the V-JEPA 2 fixture (official VisionTransformerPredictor with use_rope=True).
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { CheckpointError } from '@vjepa/errors';
import { readNpy, readTorchCheckpoint, selectStateDict, toFloat32, toInt32 } from '@vjepa/io';
import { VisionTransformer } from '@vjepa/vit';
import { beforeAll, describe, expect, it } from 'vitest';
import { predictorConfigFor } from './config';
import { loadPredictor, predictorConfigFromStateDict } from './load-predictor';
import { VJEPAPredictor } from './predictor';

const dir = new URL('../../../fixtures/vjepa2-parity/', import.meta.url);
const bytes = (f: string) => new Uint8Array(readFileSync(new URL(f, dir)));
const npy = (f: string) => readNpy(bytes(f), { file: f });
// arch.json is read with the rest of the fixture in beforeAll: a missing fixture fails the tests that need it, not the file
let arch: any;
const file = 'checkpoint.pt';

const encoderConfigOf = () => ({
  embedDim: arch.model.embed_dim,
  depth: arch.model.depth,
  numHeads: arch.model.num_heads,
  mlpRatio: arch.model.mlp_ratio,
  layerNormEps: arch.model.layer_norm_eps,
  useRope: true,
  patchSize: arch.data.patch_size,
  tubeletSize: arch.data.tubelet_size,
  numFrames: arch.data.num_frames,
  imgSize: arch.data.crop_size,
});
// pred_num_heads is not set: the reference then uses the encoder's heads
const fixtureConfig = () =>
  predictorConfigFor(new VisionTransformer(encoderConfigOf()).config, {
    predictorEmbedDim: arch.model.pred_embed_dim,
    depth: arch.model.pred_depth,
    mlpRatio: arch.model.mlp_ratio,
    numMaskTypes: arch.model.num_mask_tokens,
    zeroInitMaskTokens: arch.model.zero_init_mask_tokens,
  });
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = a.length === b.length ? 0 : Infinity;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
let encoderConfig: ReturnType<typeof encoderConfigOf>;
let maskIndex: number;
let ckpt: unknown;
let ctx: tf.Tensor;
let ctxIdx: number[][];
let tgtIdx: number[][];
let expected: Float32Array;

beforeAll(async () => {
  await tf.setBackend('cpu');
  arch = JSON.parse(readFileSync(new URL('arch.json', dir), 'utf8'));
  encoderConfig = encoderConfigOf();
  maskIndex = arch.check.mask_index_used_by_predictor;
  ckpt = readTorchCheckpoint(bytes(file), { file });
  const c = npy('expected_context_features.npy');
  ctx = tf.tensor(toFloat32(c), [...c.shape]);
  const rows = (f: string) => {
    const t = npy(f);
    const v = Array.from(toInt32(t));
    return Array.from({ length: t.shape[0] }, (_, b) => v.slice(b * t.shape[1], (b + 1) * t.shape[1]));
  };
  ctxIdx = rows('ctx_idx.npy');
  tgtIdx = rows('tgt_idx.npy');
  expected = toFloat32(npy('expected_predictions.npy'));
});

describe('V-JEPA 2 parity (checkpoint.pt, RoPE predictor)', () => {
  it('predictor(context, ctx_idx, tgt_idx, mask_index=1) reproduces expected_predictions', async () => {
    const pred = new VJEPAPredictor(fixtureConfig());
    const report = pred.loadStateDict(selectStateDict(ckpt, 'predictor', { file }), { file });
    expect(report.missing).toEqual([]);
    const y = tf.tidy(() => pred.apply(ctx, ctxIdx, tgtIdx, maskIndex));
    expect(y.shape).toEqual([2, 16, 96]);
    const d = maxAbsDiff(await y.data(), expected);
    console.log(`vjepa2 predictions max abs diff ${d.toExponential(2)}`);
    expect(d).toBeLessThan(1e-4);
    y.dispose();
    pred.dispose();
  });

  it('end to end: the RoPE encoder on the context tokens, then the predictor', async () => {
    const enc = new VisionTransformer(encoderConfig);
    enc.loadStateDict(selectStateDict(ckpt, 'encoder', { file }), { file });
    const pred = new VJEPAPredictor(fixtureConfig());
    pred.loadStateDict(selectStateDict(ckpt, 'predictor', { file }), { file });
    const x = npy('input.npy');
    const y = tf.tidy(() => {
      const clip = tf.transpose(tf.tensor(toFloat32(x), [...x.shape]), [0, 2, 3, 4, 1]);
      return pred.apply(enc.apply(clip, { indices: ctxIdx }), ctxIdx, tgtIdx, maskIndex);
    });
    expect(maxAbsDiff(await y.data(), expected)).toBeLessThan(1e-4);
    y.dispose();
    enc.dispose();
    pred.dispose();
  });

  it('positions, not the order tokens arrive in, decide: shuffled context gives the same predictions, shuffled targets follow', async () => {
    const pred = new VJEPAPredictor(fixtureConfig());
    pred.loadStateDict(selectStateDict(ckpt, 'predictor'));
    const permC = [...Array(16).keys()].reverse();
    const permT = [3, 0, 15, 7, 1, 12, 9, 2, 14, 5, 11, 4, 8, 13, 6, 10];
    const y = tf.tidy(() => {
      const shuffledCtx = tf.gather(ctx, tf.tensor1d(permC, 'int32'), 1);
      return pred.apply(shuffledCtx, ctxIdx.map((r) => permC.map((i) => r[i])), tgtIdx.map((r) => permT.map((i) => r[i])), maskIndex);
    });
    const expectedShuffled = tf.tidy(() => tf.gather(tf.tensor3d(expected, [2, 16, 96]), tf.tensor1d(permT, 'int32'), 1));
    expect(maxAbsDiff(await y.data(), await expectedShuffled.data())).toBeLessThan(1e-4);
    tf.dispose([y, expectedShuffled]);
    pred.dispose();
  });

  it('leaks no tensors, and gradients reach every variable but the unused mask token', () => {
    const pred = new VJEPAPredictor(fixtureConfig());
    pred.loadStateDict(selectStateDict(ckpt, 'predictor'));
    const ci = tf.tensor2d(ctxIdx, [2, 16], 'int32');
    const ti = tf.tensor2d(tgtIdx, [2, 16], 'int32');
    const run = () => tf.dispose([pred.apply(ctx, ci, ti, 1), pred.apply(ctx, ctxIdx, tgtIdx, 0)]);
    run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) run();
    expect(tf.memory().numTensors).toBe(before);
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(pred.apply(ctx, ci, ti, 1))) as tf.Scalar, pred.trainableVariables());
    const zero = pred.trainableVariables().filter((v) => !grads[v.name] || tf.max(tf.abs(grads[v.name])).dataSync()[0] === 0);
    expect(zero.map((v) => v.name.split('/')[1])).toEqual(['mask_tokens.0']);
    tf.dispose([value, ci, ti, ...Object.values(grads)]);
    pred.dispose();
  });

  it('refuses a V-JEPA 2 predictor into a sin-cos config naming V-JEPA 2, and the reverse naming V-JEPA', async () => {
    const v2 = selectStateDict(ckpt, 'predictor', { file });
    const sincos = new VJEPAPredictor({ ...fixtureConfig(), useRope: false });
    expect(() => sincos.loadStateDict(v2, { file })).toThrow(CheckpointError);
    expect(() => sincos.loadStateDict(v2, { file })).toThrow(/checkpoint\.pt: predictor.*predictor_pos_embed.*V-JEPA 2 \(RoPE\) predictor.*useRope: true/s);
    const v1 = await sincos.stateDict();
    const rope = new VJEPAPredictor(fixtureConfig());
    expect(() => rope.loadStateDict(v1, { file: 'v1.safetensors' })).toThrow(/v1\.safetensors.*predictor_pos_embed.*V-JEPA \(sin-cos\) predictor/s);
    expect(rope.loadStateDict({ ...v2, predictor_pos_embed: v1.predictor_pos_embed }, { ignorePosEmbed: true }).unexpected).toEqual([]);
    expect(rope.expectedShapes().predictor_pos_embed).toBeUndefined();
    expect(Object.keys(await rope.stateDict()).sort()).toEqual(Object.keys(v2).sort());
    sincos.dispose();
    rope.dispose();
  });

  it('detects the predictor architecture from the weights and the encoder config', async () => {
    const sd = selectStateDict(ckpt, 'predictor');
    const enc = new VisionTransformer(encoderConfig);
    const cfg = predictorConfigFromStateDict(sd, enc.config);
    expect(cfg).toEqual(fixtureConfig());
    const { predictor } = loadPredictor(sd, enc.config, { file });
    const y = tf.tidy(() => predictor.apply(ctx, ctxIdx, tgtIdx, maskIndex));
    expect(maxAbsDiff(await y.data(), expected)).toBeLessThan(1e-4);
    expect(() => predictorConfigFromStateDict(sd, enc.config, { numHeads: 5 })).toThrow(/numHeads.*divisor of the predictor width 48/s);
    expect(() => loadPredictor(sd, { ...enc.config, embedDim: 64 })).toThrow(/predictor_embed\.weight.*\[Dp, 64\]/s);
    y.dispose();
    predictor.dispose();
    enc.dispose();
  });
});
