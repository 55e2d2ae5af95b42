// V-JEPA 2 checkpoints in @vjepa/eval: lazy reading, release presets, architecture from the weights,
// the two model families told apart (fixtures/vjepa2-parity: official V-JEPA 2 classes).
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointError } from '@vjepa/errors';
import { readTorchCheckpoint, selectStateDict, tensorData, toHfVjepa2, writeSafetensors, writeTorchCheckpoint } from '@vjepa/io';
import { VisionTransformer } from '@vjepa/vit';
import { beforeAll, describe, expect, it } from 'vitest';
import { archFromConfig, archFromPreset } from './arch';
import { detectArch } from './detect-arch';
import { loadEncoder } from './encoder-source';
import { readEncoderWeights, readPredictorWeights, readProbeCheckpoint } from './weights-file';

const FIXTURES = new URL('../../../fixtures/vjepa2-parity/', import.meta.url);
const fixture = (name: string) => new URL(name, FIXTURES).pathname;
const archJson = JSON.parse(readFileSync(fixture('arch.json'), 'utf8'));
const arch = archFromConfig({ model: archJson.model, data: archJson.data }, 'arch.json');
const dir = mkdtempSync(join(tmpdir(), 'vjepa-eval-v2-'));
const ckpt = readTorchCheckpoint(new Uint8Array(readFileSync(fixture('checkpoint.pt'))), { file: 'checkpoint.pt' });
const target = selectStateDict(ckpt, 'target_encoder');

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('reading V-JEPA 2 weights', () => {
  it('reads only the state dict it needs from a .pt: a corrupt optimizer entry elsewhere is never read', async () => {
    const marker = new Float32Array(4096).fill(1234.5);
    const bytes = writeTorchCheckpoint({ target_encoder: target, predictor: selectStateDict(ckpt, 'predictor'), opt: { state: tensorData('float32', [4096], marker) }, epoch: 3 });
    const at = Buffer.from(bytes).indexOf(Buffer.from(marker.buffer, 0, 64));
    expect(at).toBeGreaterThan(0);
    bytes[at + 100] ^= 0xff; // the optimizer storage no longer matches its CRC-32
    const file = join(dir, 'corrupt-opt.pt');
    writeFileSync(file, bytes);
    expect(() => readTorchCheckpoint(bytes, { file })).toThrow(CheckpointError); // reading everything trips over it
    const read = await readEncoderWeights({ checkpoint: file });
    expect([read.description, read.format, Object.keys(read.sd).length]).toEqual(['corrupt-opt.pt[target_encoder]', 'torch', Object.keys(target).length]);
    expect((await readPredictorWeights({ checkpoint: file })).description).toBe('corrupt-opt.pt[predictor]');
    await expect(readEncoderWeights({ checkpoint: file, key: 'encoder' })).rejects.toThrow(/corrupt-opt\.pt: key "encoder": expected one of the available keys: target_encoder, predictor, opt, epoch/);
  });

  it('reads Hugging Face V-JEPA 2 names (detected) and the probe checkpoint\'s classifiers', async () => {
    const file = join(dir, 'model.safetensors');
    writeFileSync(file, writeSafetensors(toHfVjepa2({ encoder: target, predictor: selectStateDict(ckpt, 'predictor') })));
    const read = await readEncoderWeights({ checkpoint: file, defaultKey: 'encoder' }); // one encoder: the default key does not apply
    expect(read.format).toBe('hf-vjepa2');
    expect(Object.keys(read.sd).sort()).toEqual(Object.keys(target).sort());
    expect((await readPredictorWeights({ checkpoint: file })).format).toBe('hf-vjepa2');
    const probe = await readProbeCheckpoint(fixture('probe.pt'));
    expect([probe.format, probe.classifiers.length]).toEqual(['torch', 1]);
    await expect(readProbeCheckpoint(fixture('checkpoint.pt'))).rejects.toThrow(/checkpoint\.pt: expected a "classifiers" list \(V-JEPA 2 evals\) or a "classifier" state dict/);
  });
});

describe('the architecture of a V-JEPA 2 checkpoint', () => {
  it('the release presets are RoPE at their resolution, drop the files\' unused pos_embed, and name the probe and predictor heads', () => {
    const vitg = archFromPreset('vitg-384', { numFrames: 16 });
    expect([vitg.vit.useRope, vitg.vit.embedDim, vitg.vit.numHeads, vitg.vit.imgSize, vitg.vit.numFrames]).toEqual([true, 1408, 22, 384, 16]);
    expect([vitg.ignorePosEmbed, vitg.probeHeads, vitg.predictorHeads, vitg.source]).toEqual([true, 16, 12, 'V-JEPA 2 release vitg-384']);
    expect(archFromPreset('vit_large_rope').vit).toMatchObject({ useRope: true, imgSize: 256, numFrames: 64 });
    expect(() => archFromPreset('vitx')).toThrow(/--preset: expected one of tiny, .*vitl, vith, vitg, vitg-384/);
  });

  it('detects RoPE from the weights; the sizes no preset has need the heads', async () => {
    const { arch: found, spec } = await detectArch({ checkpoint: fixture('checkpoint.pt') }, { numHeads: 4, numFrames: 4, imgSize: 32 });
    expect(found.vit).toEqual(arch.vit);
    expect(found.source).toBe('checkpoint.pt[target_encoder], detected: V-JEPA 2 (RoPE: no pos_embed), 4 heads given');
    expect(spec.weights.description).toBe('checkpoint.pt[target_encoder]');
    await expect(detectArch({ checkpoint: fixture('checkpoint.pt') })).rejects.toThrow(/--num-heads N/);
    const { encoder } = await loadEncoder(found, spec); // the weights already read are used
    expect(encoder.config.useRope).toBe(true);
    encoder.dispose();
  });

  it('tells the families apart before building: a V-JEPA 2 state dict under a sin-cos arch, a pos_embed under RoPE (unless a release drops it)', async () => {
    const sincos = { ...arch, vit: { ...arch.vit, useRope: false }, source: 'v1.yaml' };
    await expect(loadEncoder(sincos, { checkpoint: fixture('checkpoint.pt') })).rejects.toThrow(/checkpoint\.pt\[target_encoder\] is a V-JEPA 2 \(RoPE\) encoder, but v1\.yaml describes a V-JEPA \(sin-cos\) one/);
    const v1 = new VisionTransformer(sincos.vit);
    const withTable = { ...target, pos_embed: (await v1.stateDict()).pos_embed };
    v1.dispose();
    const file = join(dir, 'released-like.pt');
    writeFileSync(file, writeTorchCheckpoint({ target_encoder: withTable }));
    await expect(loadEncoder(arch, { checkpoint: file })).rejects.toThrow(/is a V-JEPA \(sin-cos\) encoder, but arch\.json describes a V-JEPA 2 \(RoPE\) one.*--preset vitl\|vith\|vitg\|vitg-384/s);
    const lines: string[] = [];
    const { encoder } = await loadEncoder({ ...arch, ignorePosEmbed: true }, { checkpoint: file }, (l) => lines.push(l));
    expect(lines).toEqual(['released-like.pt[target_encoder]: dropped its unused pos_embed [1, 32, 96] (a released V-JEPA 2 file; the model uses RoPE)']);
    const { encoder: plain } = await loadEncoder(arch, { checkpoint: fixture('checkpoint.pt') });
    const x = tf.randomNormal([1, 4, 32, 32, 3], 0, 1, 'float32', 3);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(encoder.apply(x), plain.apply(x)))).dataSync()[0]);
    expect(diff).toBe(0);
    tf.dispose(x);
    encoder.dispose();
    plain.dispose();
  });
});
