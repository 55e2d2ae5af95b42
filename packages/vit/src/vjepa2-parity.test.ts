// Golden test against the V-JEPA 2 fixture made with the official classes (see fixtures/vjepa2-parity).
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError } from '@vjepa/errors';
import { readNpy, readTorchCheckpoint, selectStateDict, toFloat32, toInt32 } from '@vjepa/io';
import { beforeAll, describe, expect, it } from 'vitest';
import { channelsFirstToLast } from './layout';
import { VisionTransformer } from './vision-transformer';
import { vitConfigFromStateDict } from './config-from-state-dict';
import { loadVisionTransformer } from './load-vision-transformer';
import { VJEPA2_RELEASES, vjepa2ReleaseConfig } from './vjepa2-releases';
import { maxAbsDiff, useCpu } from './test-utils';

const dir = new URL('../../../fixtures/vjepa2-parity/', import.meta.url);
const bytes = (f: string) => new Uint8Array(readFileSync(new URL(f, dir)));
const npy = (f: string) => readNpy(bytes(f), { file: f });
// arch.json is read with the rest of the fixture in beforeAll: a missing fixture fails the tests that need it, not the file
const configOf = (arch: any) => ({
  embedDim: arch.model.embed_dim,
  depth: arch.model.depth,
  numHeads: arch.model.num_heads,
  mlpRatio: arch.model.mlp_ratio,
  layerNormEps: arch.model.layer_norm_eps,
  useRope: arch.model.use_rope,
  patchSize: arch.data.patch_size,
  tubeletSize: arch.data.tubelet_size,
  numFrames: arch.data.num_frames,
  imgSize: arch.data.crop_size,
});

let config: ReturnType<typeof configOf>;
let ckpt: unknown;
let input: tf.Tensor;
let ctxIdx: tf.Tensor;

beforeAll(useCpu);

let fixture: Promise<void> | undefined;
/** Reads the fixture once, for the describes whose tests use it. */
const loadFixture = () => (fixture ??= readFixture());
async function readFixture(): Promise<void> {
  config = configOf(JSON.parse(readFileSync(new URL('arch.json', dir), 'utf8')));
  ckpt = readTorchCheckpoint(bytes('checkpoint.pt'), { file: 'checkpoint.pt' });
  const x = npy('input.npy');
  input = tf.tidy(() => channelsFirstToLast(tf.tensor(toFloat32(x), [...x.shape])));
  const c = npy('ctx_idx.npy');
  ctxIdx = tf.tensor2d(toInt32(c), [c.shape[0], c.shape[1]], 'int32');
}

/** Max abs difference against an expected .npy (shapes must agree). */
async function diffTo(y: tf.Tensor, file: string): Promise<number> {
  const e = npy(file);
  expect(y.shape).toEqual(e.shape);
  return maxAbsDiff(await y.data(), toFloat32(e));
}

describe('V-JEPA 2 parity (checkpoint.pt, RoPE encoder)', () => {
  beforeAll(loadFixture);

  it('target_encoder(input) reproduces expected_target_features', async () => {
    const vit = new VisionTransformer(config, { trainable: false });
    const report = vit.loadStateDict(selectStateDict(ckpt, 'target_encoder', { file: 'checkpoint.pt' }), { file: 'checkpoint.pt' });
    expect(report.missing).toEqual([]);
    expect(report.loaded).not.toContain('pos_embed');
    const y = tf.tidy(() => vit.apply(input));
    const d = await diffTo(y, 'expected_target_features.npy');
    console.log(`vjepa2 target features max abs diff ${d.toExponential(2)}`);
    expect(d).toBeLessThan(1e-4);
    y.dispose();
    vit.dispose();
  });

  it('encoder(input, masks=[ctx_idx]) reproduces expected_context_features (positions from the kept indices)', async () => {
    const vit = new VisionTransformer(config);
    vit.loadStateDict(selectStateDict(ckpt, 'encoder', { file: 'checkpoint.pt' }), { file: 'checkpoint.pt' });
    const y = tf.tidy(() => vit.apply(input, { indices: ctxIdx }));
    const d = await diffTo(y, 'expected_context_features.npy');
    console.log(`vjepa2 context features max abs diff ${d.toExponential(2)}`);
    expect(d).toBeLessThan(1e-4);
    y.dispose();
    vit.dispose();
  });

  it('without RoPE the same weights do not reproduce the features (the rotation matters)', async () => {
    const vit = new VisionTransformer({ ...config, useRope: false });
    const sd = selectStateDict(ckpt, 'target_encoder');
    vit.loadStateDict({ ...sd, pos_embed: (await vit.stateDict()).pos_embed });
    const y = tf.tidy(() => vit.apply(input));
    expect(await diffTo(y, 'expected_target_features.npy')).toBeGreaterThan(1e-2);
    y.dispose();
    vit.dispose();
  });

  it('a V-JEPA 2 state dict into a V-JEPA (sin-cos) encoder is refused naming V-JEPA 2, and the reverse naming V-JEPA', async () => {
    const v2 = selectStateDict(ckpt, 'target_encoder', { file: 'checkpoint.pt' });
    const sincos = new VisionTransformer({ ...config, useRope: false });
    expect(() => sincos.loadStateDict(v2, { file: 'checkpoint.pt' })).toThrow(CheckpointError);
    expect(() => sincos.loadStateDict(v2, { file: 'checkpoint.pt' })).toThrow(/V-JEPA 2 \(RoPE\).*useRope: true/s);
    const v1 = await sincos.stateDict(); // a V-JEPA layout: pos_embed included
    const rope = new VisionTransformer(config);
    expect(() => rope.loadStateDict(v1, { file: 'v1.safetensors' })).toThrow(/v1\.safetensors.*pos_embed.*V-JEPA \(sin-cos\) encoder.*useRope: false/s);
    // released V-JEPA 2 files carry an unused pos_embed: opt in to drop it
    const report = rope.loadStateDict({ ...v2, pos_embed: v1.pos_embed }, { ignorePosEmbed: true });
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
    // allowPartial reports instead of refusing
    expect(rope.loadStateDict(v1, { allowPartial: true }).unexpected).toEqual(['pos_embed']);
    expect(sincos.loadStateDict(v2, { allowPartial: true }).loaded).not.toContain('pos_embed');
    sincos.dispose();
    rope.dispose();
  });

  it('stateDict() of a RoPE encoder is the official V-JEPA 2 layout (no pos_embed) and loads back bit-identically', async () => {
    const sd = selectStateDict(ckpt, 'target_encoder');
    const a = new VisionTransformer(config);
    a.loadStateDict(sd);
    const out = await a.stateDict();
    expect(Object.keys(out).sort()).toEqual(Object.keys(sd).sort());
    const b = new VisionTransformer(config, { seed: 5 });
    b.loadStateDict(out);
    for (const [k, v] of b.variables()) expect(maxAbsDiff(await v.data(), toFloat32(sd[k]))).toBe(0);
    a.dispose();
    b.dispose();
  });
});

describe('V-JEPA 2 architecture from the state dict', () => {
  beforeAll(loadFixture);

  it('detects RoPE, width, depth, MLP, patch and tubelet; heads come from numHeads (no preset has this size)', async () => {
    const sd = selectStateDict(ckpt, 'target_encoder');
    expect(() => vitConfigFromStateDict(sd, { file: 'checkpoint.pt' })).toThrow(/checkpoint\.pt: encoder numHeads.*RoPE encoder of width 96, depth 2/s);
    const { config: found, preset } = vitConfigFromStateDict(sd, { numHeads: 4, numFrames: 4, imgSize: 32 });
    expect(preset).toBeNull();
    expect(found).toMatchObject(config);
    const { encoder, report } = loadVisionTransformer(sd, { numHeads: 4, numFrames: 4, imgSize: 32, file: 'checkpoint.pt' });
    expect(report.missing).toEqual([]);
    const y = tf.tidy(() => encoder.apply(input));
    expect(await diffTo(y, 'expected_target_features.npy')).toBeLessThan(1e-4);
    y.dispose();
    encoder.dispose();
  });

  it('a sin-cos state dict is detected as V-JEPA (grid from pos_embed); a named preset or release is checked against the weights', async () => {
    const v1 = new VisionTransformer({ ...config, useRope: false });
    const sd = await v1.stateDict();
    v1.dispose();
    const found = vitConfigFromStateDict(sd, { numHeads: 4, numFrames: 4 }).config;
    expect([found.useRope, found.imgSize, found.numFrames]).toEqual([false, 32, 4]);
    // the V-JEPA 2 release names a 1024-wide encoder: every mis-shaped key is listed
    expect(() => loadVisionTransformer(selectStateDict(ckpt, 'target_encoder'), { preset: 'vitl', file: 'checkpoint.pt' })).toThrow(
      /checkpoint\.pt.*blocks\.0\.attn\.qkv\.weight: expected \[3072, 1024\], received \[288, 96\]/s,
    );
    expect(() => loadVisionTransformer(sd, { preset: 'vit_enormous' })).toThrow(/one of tiny, .*vitg-384/);
  });
});

describe('V-JEPA 2 releases', () => {
  it('the release table names the four V-JEPA 2 checkpoints with their resolutions', () => {
    expect(Object.keys(VJEPA2_RELEASES)).toEqual(['vitl', 'vith', 'vitg', 'vitg-384']);
    const g = vjepa2ReleaseConfig('vitg-384');
    expect([g.embedDim, g.numHeads, g.imgSize, g.numFrames, g.useRope, g.patchSize, g.tubeletSize]).toEqual([1408, 22, 384, 64, true, 16, 2]);
    expect(vjepa2ReleaseConfig('vitl', { numFrames: 16 }).numFrames).toBe(16);
    expect(VJEPA2_RELEASES.vith.predictor).toEqual({ predictorEmbedDim: 384, depth: 12, numHeads: 12, numMaskTypes: 10 });
  });
});
