// Golden test against the fixture made with the official code (see fixtures/official-parity).
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError } from '@vjepa/errors';
import { type StateDict, readNpy, readSafetensors, readTorchCheckpoint, selectStateDict, toFloat32, toInt32 } from '@vjepa/io';
import { beforeAll, describe, expect, it } from 'vitest';
import { channelsFirstToLast } from './layout';
import { VisionTransformer } from './vision-transformer';
import { maxAbsDiff, useCpu } from './test-utils';

const dir = new URL('../../../fixtures/official-parity/', import.meta.url);
const bytes = (f: string) => new Uint8Array(readFileSync(new URL(f, dir)));
const npy = (f: string) => readNpy(bytes(f), { file: f });
// arch.json is read with the rest of the fixture in beforeAll: a missing fixture fails the tests that need it, not the file
let arch: any;

function configFromArch() {
  return {
    embedDim: arch.model.embed_dim,
    depth: arch.model.depth,
    numHeads: arch.model.num_heads,
    mlpRatio: arch.model.mlp_ratio,
    uniformPower: arch.model.uniform_power,
    layerNormEps: arch.model.layer_norm_eps,
    patchSize: arch.data.patch_size,
    tubeletSize: arch.data.tubelet_size,
    numFrames: arch.data.num_frames,
    imgSize: arch.data.crop_size,
  };
}

let safetensors: StateDict;
let torch: unknown;
let input: tf.Tensor;
let ctxIdx: tf.Tensor;

beforeAll(async () => {
  await useCpu();
  arch = JSON.parse(readFileSync(new URL('arch.json', dir), 'utf8'));
  safetensors = readSafetensors(bytes('weights.safetensors'), { file: 'weights.safetensors' }).tensors;
  torch = readTorchCheckpoint(bytes('checkpoint.pth.tar'), { file: 'checkpoint.pth.tar' });
  const x = npy('input.npy');
  input = tf.tidy(() => channelsFirstToLast(tf.tensor(toFloat32(x), [...x.shape])));
  const c = npy('ctx_idx.npy');
  ctxIdx = tf.tensor2d(toInt32(c), [c.shape[0], c.shape[1]], 'int32');
});

async function expectClose(y: tf.Tensor, file: string): Promise<void> {
  const e = npy(file);
  expect(y.shape).toEqual(e.shape);
  expect(maxAbsDiff(await y.data(), toFloat32(e))).toBeLessThan(1e-4);
}

describe.each([
  ['weights.safetensors', () => safetensors],
  ['checkpoint.pth.tar', () => torch],
])('official parity from %s', (file, source) => {
  it('target_encoder(input) reproduces expected_target_features', async () => {
    const vit = new VisionTransformer(configFromArch(), { trainable: false });
    const report = vit.loadStateDict(selectStateDict(source(), 'target_encoder', { file }), { file });
    expect(report.loaded).toContain('pos_embed');
    expect(report.missing).toEqual([]);
    const y = tf.tidy(() => vit.apply(input));
    await expectClose(y, 'expected_target_features.npy');
    y.dispose();
    vit.dispose();
  });

  it('encoder(input, masks=[ctx_idx]) reproduces expected_context_features', async () => {
    const vit = new VisionTransformer(configFromArch());
    vit.loadStateDict(selectStateDict(source(), 'encoder', { file }), { file });
    const y = tf.tidy(() => vit.apply(input, { indices: ctxIdx }));
    await expectClose(y, 'expected_context_features.npy');
    y.dispose();
    vit.dispose();
  });
});

describe('official weights: state dict round trip and refusals', () => {
  it('load -> stateDict() -> load is bit-identical (pos_embed included)', async () => {
    const sd = selectStateDict(safetensors, 'target_encoder', { file: 'weights.safetensors' });
    const a = new VisionTransformer(configFromArch());
    a.loadStateDict(sd);
    const out = await a.stateDict();
    expect(Object.keys(out).sort()).toEqual(Object.keys(sd).sort());
    for (const k of Object.keys(sd)) {
      expect(out[k].shape).toEqual(sd[k].shape);
      expect(Buffer.from(out[k].data.buffer, out[k].data.byteOffset, out[k].data.byteLength).equals(
        Buffer.from(sd[k].data.buffer, sd[k].data.byteOffset, sd[k].data.byteLength))).toBe(true);
    }
    const b = new VisionTransformer(configFromArch(), { seed: 99 });
    b.loadStateDict(out);
    const again = await b.stateDict();
    for (const k of Object.keys(out)) expect(maxAbsDiff(again[k].data as Float32Array, out[k].data as Float32Array)).toBe(0);
    a.dispose();
    b.dispose();
  });

  it('refuses missing, unexpected and mis-shaped keys together, and loads nothing', async () => {
    const sd = { ...selectStateDict(safetensors, 'target_encoder') };
    delete sd['blocks.1.mlp.fc2.bias'];
    sd['blocks.0.norm1.weight'] = { dtype: 'float32', shape: [63], data: new Float32Array(63) };
    sd['head.weight'] = { dtype: 'float32', shape: [2], data: new Float32Array(2) };
    const vit = new VisionTransformer(configFromArch(), { seed: 1 });
    const before = await vit.variables().get('norm.weight')!.data();
    let err: unknown;
    try {
      vit.loadStateDict(sd, { file: 'weights.safetensors' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CheckpointError);
    const msg = (err as Error).message;
    expect(msg).toContain('blocks.1.mlp.fc2.bias');
    expect(msg).toContain('head.weight');
    expect(msg).toMatch(/blocks\.0\.norm1\.weight: expected \[64\], received \[63\]/);
    expect(Array.from(await vit.variables().get('norm.weight')!.data())).toEqual(Array.from(before));
    const report = vit.loadStateDict(sd, { allowPartial: true });
    expect(report.missing).toEqual(['blocks.1.mlp.fc2.bias']);
    expect(report.unexpected).toEqual(['head.weight']);
    expect(report.mismatched.map((m) => m.key)).toEqual(['blocks.0.norm1.weight']);
    vit.dispose();
  });

  it('refuses a pos_embed that is not our fixed table (e.g. wrong uniformPower)', () => {
    const sd = selectStateDict(safetensors, 'target_encoder');
    const vit = new VisionTransformer({ ...configFromArch(), uniformPower: false });
    expect(() => vit.loadStateDict(sd, { file: 'weights.safetensors' })).toThrow(/pos_embed.*uniformPower false/s);
    vit.dispose();
  });
});
