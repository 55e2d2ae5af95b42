// The second source of V-JEPA 2 weights: a Hugging Face transformers VJEPA2Model model.safetensors.
// Built here from the fixture with io's toHfVjepa2 (transformers' conversion, step by step), then read
// back with fromHfVjepa2 and run: the outputs must be the official ones.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { fromHfVjepa2, readNpy, readSafetensors, readTorchCheckpoint, selectStateDict, toFloat32, toHfVjepa2, toInt32, writeSafetensors } from '@vjepa/io';
import { loadVisionTransformer } from '@vjepa/vit';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPredictor } from './load-predictor';

const dir = new URL('../../../fixtures/vjepa2-parity/', import.meta.url);
const bytes = (f: string) => new Uint8Array(readFileSync(new URL(f, dir)));
const npy = (f: string) => readNpy(bytes(f), { file: f });
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = a.length === b.length ? 0 : Infinity;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('V-JEPA 2 from Hugging Face names (model.safetensors)', () => {
  it('encoder features and predictions equal the official fixture', async () => {
    const ckpt = readTorchCheckpoint(bytes('checkpoint.pt'), { file: 'checkpoint.pt' });
    const hfBytes = writeSafetensors(toHfVjepa2({ encoder: selectStateDict(ckpt, 'target_encoder'), predictor: selectStateDict(ckpt, 'predictor') }), { format: 'pt' });
    const file = 'model.safetensors';
    const parts = fromHfVjepa2(readSafetensors(hfBytes, { file }).tensors, { file });
    const { encoder } = loadVisionTransformer(parts.encoder, { numHeads: 4, numFrames: 4, imgSize: 32, file });
    expect(encoder.config.useRope).toBe(true);
    const { predictor } = loadPredictor(parts.predictor!, encoder.config, { file });
    const x = npy('input.npy');
    const ci = npy('ctx_idx.npy');
    const ti = npy('tgt_idx.npy');
    const [feats, preds] = tf.tidy(() => {
      const clip = tf.transpose(tf.tensor(toFloat32(x), [...x.shape]), [0, 2, 3, 4, 1]);
      const ctxIdx = tf.tensor2d(toInt32(ci), [2, 16], 'int32');
      const tgtIdx = tf.tensor2d(toInt32(ti), [2, 16], 'int32');
      const ctx = tf.tensor(toFloat32(npy('expected_context_features.npy')), [2, 16, 96]);
      return [encoder.apply(clip), predictor.apply(ctx, ctxIdx, tgtIdx, 1)];
    });
    const df = maxAbsDiff(await feats.data(), toFloat32(npy('expected_target_features.npy')));
    const dp = maxAbsDiff(await preds.data(), toFloat32(npy('expected_predictions.npy')));
    console.log(`from HF names: target features ${df.toExponential(2)}, predictions ${dp.toExponential(2)}`);
    expect(df).toBeLessThan(1e-4);
    expect(dp).toBeLessThan(1e-4);
    tf.dispose([feats, preds]);
    encoder.dispose();
    predictor.dispose();
  });
});
