import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, MaskError, ShapeError } from '@vjepa/errors';
import { beforeAll, describe, expect, it } from 'vitest';
import { VIT_PRESETS, vitPreset } from './config';
import { imageAsVideo } from './layout';
import { VisionTransformer } from './vision-transformer';
import { maxAbsDiff, seededValues, useCpu } from './test-utils';

beforeAll(useCpu);

const cfg = { embedDim: 16, depth: 2, numHeads: 2, patchSize: 4, tubeletSize: 2, numFrames: 4, imgSize: 8 };
const clip = (b = 2, t = 4, h = 8, w = 8, c = 3, seed = 1) => tf.tensor(seededValues(b * t * h * w * c, seed), [b, t, h, w, c]);

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

describe('VisionTransformer', () => {
  it('has official names and shapes, and init follows the reference (std 0.02, zero bias, LN 1/0)', async () => {
    const vit = new VisionTransformer({ ...cfg, embedDim: 64, numHeads: 4 }, { seed: 0 });
    const shapes = vit.expectedShapes();
    expect(shapes['patch_embed.proj.weight']).toEqual([64, 3, 2, 4, 4]);
    expect(shapes['blocks.1.attn.qkv.weight']).toEqual([192, 64]);
    expect(shapes['blocks.0.mlp.fc1.weight']).toEqual([256, 64]);
    expect(shapes['pos_embed']).toEqual([1, 8, 64]);
    expect(Object.keys(shapes)).toHaveLength(4 + 2 * 12 + 1);
    const fc1 = Array.from(await vit.variables().get('blocks.0.mlp.fc1.weight')!.data());
    const mean = fc1.reduce((a, b) => a + b, 0) / fc1.length;
    const std = Math.sqrt(fc1.reduce((a, b) => a + (b - mean) ** 2, 0) / fc1.length);
    expect(Math.abs(mean)).toBeLessThan(0.002);
    expect(std).toBeGreaterThan(0.018);
    expect(std).toBeLessThan(0.022);
    expect(Array.from(await vit.variables().get('blocks.0.mlp.fc1.bias')!.data()).every((v) => v === 0)).toBe(true);
    expect(Array.from(await vit.variables().get('norm.weight')!.data()).every((v) => v === 1)).toBe(true);
    expect(vit.trainableVariables()).toHaveLength(vit.variables().size);
    vit.dispose();
  });

  it('is deterministic given the seed, and different seeds differ', async () => {
    const a = new VisionTransformer(cfg, { seed: 5 });
    const b = new VisionTransformer(cfg, { seed: 5 });
    const c = new VisionTransformer(cfg, { seed: 6 });
    const w = (m: VisionTransformer) => m.variables().get('blocks.1.attn.qkv.weight')!.data();
    expect(maxAbsDiff(await w(a), await w(b))).toBe(0);
    expect(maxAbsDiff(await w(a), await w(c))).toBeGreaterThan(0.001);
    [a, b, c].forEach((m) => m.dispose());
  });

  it('apply gives [B, N, D], or [B, K, D] for kept indices (dropped tokens take no part in attention)', async () => {
    const vit = new VisionTransformer(cfg, { seed: 1 });
    const x = clip();
    const full = vit.apply(x);
    expect(full.shape).toEqual([2, 8, 16]);
    const kept = vit.apply(x, { indices: [[0, 3, 5], [1, 2, 7]] });
    expect(kept.shape).toEqual([2, 3, 16]);
    // Attention mixes only kept tokens: different from the full forward at the same positions.
    const fromFull = tf.gather(tf.reshape(full, [16, 16]), tf.tensor1d([0, 3, 5, 9, 10, 15], 'int32'));
    expect(maxAbsDiff(await kept.data(), await fromFull.data())).toBeGreaterThan(1e-3);
    tf.dispose([x, full, kept, fromFull]);
    vit.dispose();
  });

  it('clone({ trainable: false }) is an exact, independent, non-trainable copy', async () => {
    const vit = new VisionTransformer(cfg, { seed: 2 });
    const target = vit.clone({ trainable: false });
    expect(target.trainableVariables()).toHaveLength(0);
    const x = clip();
    const [y1, y2] = [vit.apply(x), target.apply(x)];
    expect(maxAbsDiff(await y1.data(), await y2.data())).toBe(0);
    vit.variables().get('norm.bias')!.assign(tf.onesLike(vit.variables().get('norm.bias')!));
    const y3 = target.apply(x);
    expect(maxAbsDiff(await y2.data(), await y3.data())).toBe(0);
    tf.dispose([x, y1, y2, y3]);
    vit.dispose();
    target.dispose();
  });

  it('images are repeated along time (image-as-video)', async () => {
    const vit = new VisionTransformer(cfg, { seed: 3 });
    const img = tf.tensor(seededValues(2 * 8 * 8 * 3, 4), [2, 8, 8, 3]);
    const video = imageAsVideo(img, 4);
    const [a, b] = [vit.apply(img), vit.apply(video)];
    expect(a.shape).toEqual([2, 8, 16]);
    expect(maxAbsDiff(await a.data(), await b.data())).toBe(0);
    tf.dispose([img, video, a, b]);
    vit.dispose();
  });

  it('other clip sizes use the interpolated table', async () => {
    const vit = new VisionTransformer(cfg, { seed: 3 });
    const x = clip(1, 8, 16, 12);
    const y = vit.apply(x);
    expect(y.shape).toEqual([1, 4 * 4 * 3, 16]);
    expect(vit.posEmbed({ t: 4, h: 4, w: 3 }).shape).toEqual([1, 48, 16]);
    tf.dispose([x, y]);
    vit.dispose();
  });

  it('the 2-D (numFrames 1) model takes images with a [D, 3, p, p] patch weight', () => {
    const vit = new VisionTransformer({ ...cfg, numFrames: 1 });
    expect(vit.expectedShapes()['patch_embed.proj.weight']).toEqual([16, 3, 4, 4]);
    const x = tf.zeros([2, 8, 8, 3]);
    const y = vit.apply(x);
    expect(y.shape).toEqual([2, 4, 16]);
    expect(() => vit.apply(tf.zeros([1, 2, 8, 8, 3]))).toThrow(ShapeError);
    tf.dispose([x, y]);
    vit.dispose();
  });

  it('bad shapes give ShapeError naming the input, expected and received', () => {
    const vit = new VisionTransformer(cfg);
    const frames = errorOf(() => vit.apply(tf.zeros([1, 3, 8, 8, 3])));
    expect(frames).toBeInstanceOf(ShapeError);
    expect(frames.message).toBe('vit input frames (axis 1): expected a positive multiple of tubeletSize 2, received 3 in [1, 3, 8, 8, 3].');
    const crop = errorOf(() => vit.apply(tf.zeros([1, 4, 10, 8, 3])));
    expect(crop.message).toMatch(/height \(axis 2\): expected a positive multiple of patchSize 4, received 10/);
    const chans = errorOf(() => vit.apply(tf.zeros([1, 3, 4, 8, 8])));
    expect(chans).toBeInstanceOf(ShapeError);
    expect(chans.message).toMatch(/channels.*expected 3, received 8.*channelsFirstToLast/);
    expect(() => vit.apply(tf.zeros([4, 8, 3]))).toThrow(/rank 5/);
    expect(() => vit.apply(tf.zeros([1, 4, 8, 8, 3], 'int32'))).toThrow(/dtype: expected float32/);
    vit.dispose();
  });

  it('bad indices are refused: dtype, shape and range', () => {
    const vit = new VisionTransformer(cfg);
    const x = tf.zeros([2, 4, 8, 8, 3]);
    expect(() => vit.apply(x, { indices: tf.zeros([2, 3]) })).toThrow(/indices dtype: expected int32/);
    expect(() => vit.apply(x, { indices: tf.zeros([1, 3], 'int32') })).toThrow(ShapeError);
    const range = errorOf(() => vit.apply(x, { indices: tf.tensor2d([0, 1, 2, 8], [2, 2], 'int32') }));
    expect(range).toBeInstanceOf(MaskError);
    expect(range.message).toBe('vit indices[1][1]: expected a token index in [0, 8), received 8.');
    expect(() => vit.apply(x, { indices: [[0, 1], [2]] })).toThrow(/row 1/);
    x.dispose();
    vit.dispose();
  });

  it('does not leak tensors across repeated forwards (full, masked, interpolated) or on errors', () => {
    const vit = new VisionTransformer(cfg);
    const x = clip();
    const big = clip(1, 8, 8, 8);
    const idx = tf.tensor2d([0, 1, 2, 3, 4, 5], [2, 3], 'int32');
    const run = () => {
      tf.dispose(vit.apply(x));
      tf.dispose(vit.apply(x, { indices: idx }));
      tf.dispose(vit.apply(x, { indices: [[1, 2], [3, 4]] }));
      tf.dispose(vit.apply(big));
      try {
        vit.apply(x, { indices: [[0, 99], [1, 2]] });
      } catch {
        // expected
      }
    };
    run(); // warm-up builds the cached position tables
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) run();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, big, idx]);
    vit.dispose();
  });

  it('gradients reach every trainable variable through the masked forward', () => {
    const vit = new VisionTransformer(cfg, { seed: 4 });
    const x = clip();
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(vit.apply(x, { indices: [[0, 2], [5, 7]] }))) as tf.Scalar, vit.trainableVariables());
    expect(Object.keys(grads)).toHaveLength(vit.trainableVariables().length);
    for (const g of Object.values(grads)) expect(g.shape.length).toBeGreaterThan(0);
    const qkv = vit.variables().get('blocks.0.attn.qkv.weight')!;
    expect(tf.max(tf.abs(grads[qkv.name])).dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([value, x, ...Object.values(grads)]);
    vit.dispose();
  });

  it('presets carry the reference sizes; config errors name the key', () => {
    expect(VIT_PRESETS.large).toEqual({ embedDim: 1024, depth: 24, numHeads: 16, mlpRatio: 4 });
    const g = vitPreset('giant', { imgSize: 224 });
    expect([g.embedDim, g.depth, g.numHeads, g.patchSize, g.tubeletSize, g.numFrames]).toEqual([1408, 40, 16, 16, 2, 16]);
    expect(g.mlpRatio).toBeCloseTo(48 / 11, 12);
    const tiny = new VisionTransformer(vitPreset('tiny', { imgSize: 32, numFrames: 2 }));
    expect(tiny.expectedShapes()['blocks.11.mlp.fc1.weight']).toEqual([768, 192]);
    tiny.dispose();
    expect(() => vitPreset('enormous' as never)).toThrow(ConfigError);
    expect(() => new VisionTransformer({ ...cfg, imgSize: 10 })).toThrow(/imgSize: expected a multiple of patchSize 4/);
    expect(() => new VisionTransformer({ ...cfg, numHeads: 3 })).toThrow(/numHeads/);
    expect(() => new VisionTransformer({ ...cfg, numFrames: 3 })).toThrow(/numFrames/);
  });
});
