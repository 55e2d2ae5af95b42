import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { CheckpointError, ConfigError, MaskError, ShapeError } from '@vjepa/errors';
import { type StateDict, readNpy, readSafetensors, readTorchCheckpoint, selectStateDict, toFloat32, toInt32 } from '@vjepa/io';
import { VisionTransformer } from '@vjepa/vit';
import { beforeAll, describe, expect, it } from 'vitest';
import { predictorConfigFor } from './config';
import { VJEPAPredictor } from './predictor';

const dir = new URL('../../../fixtures/official-parity/', import.meta.url);
const bytes = (f: string) => new Uint8Array(readFileSync(new URL(f, dir)));
const npy = (f: string) => readNpy(bytes(f), { file: f });
// arch.json is read with the rest of the fixture in beforeAll: a missing fixture fails the tests that need it, not the file
let arch: any;

const encoderConfigOf = () => ({
  embedDim: arch.model.embed_dim,
  depth: arch.model.depth,
  numHeads: arch.model.num_heads,
  uniformPower: arch.model.uniform_power,
  layerNormEps: arch.model.layer_norm_eps,
  patchSize: arch.data.patch_size,
  tubeletSize: arch.data.tubelet_size,
  numFrames: arch.data.num_frames,
  imgSize: arch.data.crop_size,
});
const fixtureConfig = () =>
  predictorConfigFor(new VisionTransformer(encoderConfigOf()).config, {
    predictorEmbedDim: arch.model.pred_embed_dim,
    depth: arch.model.pred_depth,
    numHeads: arch.model.pred_num_heads,
    mlpRatio: arch.model.mlp_ratio,
    numMaskTypes: arch.model.num_mask_tokens,
  });

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = a.length === b.length ? 0 : Infinity;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

let encoderConfig: ReturnType<typeof encoderConfigOf>;
let safetensors: StateDict;
let torch: unknown;
let ctx: tf.Tensor;
let ctxIdx: tf.Tensor;
let tgtIdx: tf.Tensor;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

let fixture: Promise<void> | undefined;
/** Reads the fixture once, for the describes whose tests use it. */
const loadFixture = () => (fixture ??= readFixture());
async function readFixture(): Promise<void> {
  arch = JSON.parse(readFileSync(new URL('arch.json', dir), 'utf8'));
  encoderConfig = encoderConfigOf();
  safetensors = readSafetensors(bytes('weights.safetensors'), { file: 'weights.safetensors' }).tensors;
  torch = readTorchCheckpoint(bytes('checkpoint.pth.tar'), { file: 'checkpoint.pth.tar' });
  const c = npy('expected_context_features.npy');
  ctx = tf.tensor(toFloat32(c), [...c.shape]);
  const ci = npy('ctx_idx.npy');
  const ti = npy('tgt_idx.npy');
  ctxIdx = tf.tensor2d(toInt32(ci), [ci.shape[0], ci.shape[1]], 'int32');
  tgtIdx = tf.tensor2d(toInt32(ti), [ti.shape[0], ti.shape[1]], 'int32');
}

describe.each([
  ['weights.safetensors', () => safetensors],
  ['checkpoint.pth.tar', () => torch],
])('official parity from %s', (file, source) => {
  beforeAll(loadFixture);

  it('predictor(context, ctx_idx, tgt_idx, mask_index=1) reproduces expected_predictions', async () => {
    const pred = new VJEPAPredictor(fixtureConfig());
    const report = pred.loadStateDict(selectStateDict(source(), 'predictor', { file }), { file });
    expect(report.loaded).toContain('predictor_pos_embed');
    expect(report.loaded).toContain('mask_tokens.1');
    const y = tf.tidy(() => pred.apply(ctx, ctxIdx, tgtIdx, arch.check.mask_index_used_by_predictor));
    const e = npy('expected_predictions.npy');
    expect(y.shape).toEqual(e.shape);
    expect(maxAbsDiff(await y.data(), toFloat32(e))).toBeLessThan(1e-4);
    // the other mask token gives a different prediction (mask_index matters)
    const y0 = tf.tidy(() => pred.apply(ctx, ctxIdx, tgtIdx, 0));
    expect(maxAbsDiff(await y0.data(), toFloat32(e))).toBeGreaterThan(1e-3);
    tf.dispose([y, y0]);
    pred.dispose();
  });
});

describe('VJEPAPredictor with the official weights', () => {
  beforeAll(loadFixture);

  it('end to end from the official checkpoint: encoder + predictor give the recorded L1 objective', async () => {
    const file = 'checkpoint.pth.tar';
    const enc = new VisionTransformer(encoderConfig);
    const tgtEnc = new VisionTransformer(encoderConfig);
    const pred = new VJEPAPredictor(fixtureConfig());
    enc.loadStateDict(selectStateDict(torch, 'encoder', { file }), { file });
    tgtEnc.loadStateDict(selectStateDict(torch, 'target_encoder', { file }), { file });
    pred.loadStateDict(selectStateDict(torch, 'predictor', { file }), { file });
    const x = npy('input.npy');
    const loss = tf.tidy(() => {
      const clip = tf.transpose(tf.tensor(toFloat32(x), [...x.shape]), [0, 2, 3, 4, 1]);
      const h = tgtEnc.apply(clip); // [B, N, D]
      const mean = tf.mean(h, -1, true);
      const normed = tf.div(tf.sub(h, mean), tf.sqrt(tf.add(tf.mean(tf.square(tf.sub(h, mean)), -1, true), 1e-5)));
      const [b, n, d] = h.shape as [number, number, number];
      const flat = tf.reshape(normed, [-1, d]);
      const offs = tf.reshape(tf.mul(tf.range(0, b, 1, 'int32'), tf.scalar(n, 'int32')), [-1, 1]);
      const target = tf.gather(flat, tf.add(tgtIdx, offs));
      const z = pred.apply(enc.apply(clip, { indices: ctxIdx }), ctxIdx, tgtIdx, 1);
      return tf.mean(tf.abs(tf.sub(z, target)));
    });
    expect(Math.abs((await loss.data())[0] - arch.check.loss_l1_pred_vs_layernormed_target)).toBeLessThan(1e-4);
    loss.dispose();
    [enc, tgtEnc, pred].forEach((m) => m.dispose());
  });

  it('round trip load -> stateDict() -> load is bit-identical', async () => {
    const sd = selectStateDict(safetensors, 'predictor');
    const a = new VJEPAPredictor(fixtureConfig());
    a.loadStateDict(sd);
    const out = await a.stateDict();
    expect(Object.keys(out).sort()).toEqual(Object.keys(sd).sort());
    for (const k of Object.keys(sd)) expect(maxAbsDiff(out[k].data as Float32Array, toFloat32(sd[k]))).toBe(0);
    const b = new VJEPAPredictor(fixtureConfig(), { seed: 7 });
    b.loadStateDict(out);
    const again = await b.stateDict();
    for (const k of Object.keys(out)) expect(maxAbsDiff(again[k].data as Float32Array, out[k].data as Float32Array)).toBe(0);
    a.dispose();
    b.dispose();
  });

  it('refuses a missing or mis-shaped key listing all problems', () => {
    const sd = { ...selectStateDict(safetensors, 'predictor') };
    delete sd['mask_tokens.1'];
    sd['predictor_proj.weight'] = { dtype: 'float32', shape: [64, 31], data: new Float32Array(64 * 31) };
    const pred = new VJEPAPredictor(fixtureConfig());
    expect(() => pred.loadStateDict(sd, { file: 'w.safetensors' })).toThrow(CheckpointError);
    expect(() => pred.loadStateDict(sd, { file: 'w.safetensors' })).toThrow(/mask_tokens\.1.*predictor_proj\.weight: expected \[64, 32\], received \[64, 31\]/s);
    pred.dispose();
  });
});

describe('VJEPAPredictor', () => {
  it('defaults: zero mask tokens, outDim = D; outDim option changes predictor_proj', async () => {
    const base = { grid: { t: 2, h: 2, w: 2 }, embedDim: 16, predictorEmbedDim: 8, depth: 1, numHeads: 2 };
    const p = new VJEPAPredictor(base, { seed: 1 });
    expect(Array.from(await p.variables().get('mask_tokens.0')!.data()).every((v) => v === 0)).toBe(true);
    expect(p.expectedShapes()['predictor_proj.weight']).toEqual([16, 8]);
    expect(p.expectedShapes()['predictor_pos_embed']).toEqual([1, 8, 8]);
    const pix = new VJEPAPredictor({ ...base, outDim: 2 * 4 * 4 * 3, zeroInitMaskTokens: false }, { seed: 1 });
    expect(pix.expectedShapes()['predictor_proj.weight']).toEqual([96, 8]);
    expect(Array.from(await pix.variables().get('mask_tokens.1')!.data()).some((v) => v !== 0)).toBe(true);
    const c = tf.ones([1, 3, 16]);
    const y = pix.apply(c, [[0, 1, 2]], [[5, 7]], 1);
    expect(y.shape).toEqual([1, 2, 96]);
    tf.dispose([c, y]);
    p.dispose();
    pix.dispose();
  });

  it('validates inputs: features shape, index shapes and range, mask index', () => {
    const p = new VJEPAPredictor({ grid: { t: 2, h: 2, w: 2 }, embedDim: 16, predictorEmbedDim: 8, depth: 1, numHeads: 2 });
    const c = tf.zeros([2, 3, 16]);
    expect(() => p.apply(tf.zeros([2, 3, 15]), [[0, 1, 2], [0, 1, 2]], [[3], [4]])).toThrow(/contextFeatures: expected \[B, Kc, 16\], received \[2, 3, 15\]/);
    expect(() => p.apply(c, [[0, 1], [0, 1]], [[3], [4]])).toThrow(ShapeError);
    expect(() => p.apply(c, [[0, 1, 2], [0, 1, 2]], [[3], [8]])).toThrow(MaskError);
    expect(() => p.apply(c, [[0, 1, 2], [0, 1, 2]], [[3], [4]], 2)).toThrow(ConfigError);
    expect(() => new VJEPAPredictor({ grid: { t: 2, h: 2, w: 2 }, embedDim: 16, predictorEmbedDim: 8, depth: 1, numHeads: 3 })).toThrow(/numHeads/);
    c.dispose();
    p.dispose();
  });

  it('does not leak across repeated calls, and gradients reach every variable', () => {
    const p = new VJEPAPredictor({ grid: { t: 2, h: 2, w: 2 }, embedDim: 16, predictorEmbedDim: 8, depth: 2, numHeads: 2, zeroInitMaskTokens: false });
    const c = tf.randomNormal([2, 3, 16], 0, 1, 'float32', 3);
    const ci = tf.tensor2d([0, 1, 2, 3, 4, 5], [2, 3], 'int32');
    const ti = tf.tensor2d([6, 7, 0, 1], [2, 2], 'int32');
    const run = () => {
      tf.dispose(p.apply(c, ci, ti, 1));
      tf.dispose(p.apply(c, [[0, 1, 2], [3, 4, 5]], [[6, 7], [0, 1]], 0));
    };
    run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) run();
    expect(tf.memory().numTensors).toBe(before);
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(p.apply(c, ci, ti, 1))) as tf.Scalar, p.trainableVariables());
    // mask_tokens.0 is unused for mask type 1 (no gradient); every other variable gets a non-zero one
    const zero = p.trainableVariables().filter((v) => !grads[v.name] || tf.max(tf.abs(grads[v.name])).dataSync()[0] === 0);
    expect(zero.map((v) => v.name.split('/')[1])).toEqual(['mask_tokens.0']);
    tf.dispose([value, c, ci, ti, ...Object.values(grads).filter((g) => g)]);
    p.dispose();
  });

  it('clone is exact and independent', async () => {
    const p = new VJEPAPredictor({ grid: { t: 2, h: 2, w: 2 }, embedDim: 16, predictorEmbedDim: 8, depth: 1, numHeads: 2 }, { seed: 4 });
    const q = p.clone({ trainable: false });
    expect(q.trainableVariables()).toHaveLength(0);
    const c = tf.ones([1, 2, 16]);
    const [a, b] = [p.apply(c, [[0, 1]], [[2, 3]]), q.apply(c, [[0, 1]], [[2, 3]])];
    expect(maxAbsDiff(await a.data(), await b.data())).toBe(0);
    tf.dispose([c, a, b]);
    p.dispose();
    q.dispose();
  });
});
