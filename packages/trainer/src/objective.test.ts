import '@tensorflow/tfjs-backend-cpu';
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import { readNpy, readSafetensors, selectStateDict, toFloat32, toInt32 } from '@vjepa/io';
import { VJEPAPredictor } from '@vjepa/predictor';
import { VisionTransformer, channelsFirstToLast } from '@vjepa/vit';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeJepaLoss, computeObjective, featureTargets } from './objective';
import { gatherTokens } from '@vjepa/vit';
import { layerNormNoParams } from './tokens';

const FIXTURE = new URL('../../../fixtures/official-parity/', import.meta.url);
const bytes = async (name: string) => new Uint8Array(await readFile(new URL(name, FIXTURE)));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('V-JEPA objective against the official fixture', () => {
  it('gives the reference L1 loss for mask index 1 (arch.json check) within 1e-5', async () => {
    const arch = JSON.parse(new TextDecoder().decode(await bytes('arch.json')));
    const m = arch.model;
    const d = arch.data;
    const vitConfig = {
      embedDim: m.embed_dim,
      depth: m.depth,
      numHeads: m.num_heads,
      mlpRatio: m.mlp_ratio,
      uniformPower: m.uniform_power,
      layerNormEps: m.layer_norm_eps,
      patchSize: d.patch_size,
      tubeletSize: d.tubelet_size,
      numFrames: d.num_frames,
      imgSize: d.crop_size,
    };
    const weights = readSafetensors(await bytes('weights.safetensors'), { file: 'weights.safetensors' }).tensors;
    const encoder = new VisionTransformer(vitConfig, { seed: 1 });
    const targetEncoder = new VisionTransformer(vitConfig, { seed: 2, trainable: false });
    const s = d.crop_size / d.patch_size;
    const predictor = new VJEPAPredictor({
      grid: { t: d.num_frames / d.tubelet_size, h: s, w: s },
      embedDim: m.embed_dim,
      predictorEmbedDim: m.pred_embed_dim,
      depth: m.pred_depth,
      numHeads: m.pred_num_heads,
      numMaskTypes: m.num_mask_tokens,
      mlpRatio: m.mlp_ratio,
      layerNormEps: m.layer_norm_eps,
    });
    encoder.loadStateDict(selectStateDict(weights, 'encoder'), { file: 'weights.safetensors' });
    targetEncoder.loadStateDict(selectStateDict(weights, 'target_encoder'), { file: 'weights.safetensors' });
    predictor.loadStateDict(selectStateDict(weights, 'predictor'), { file: 'weights.safetensors' });

    const input = readNpy(await bytes('input.npy'));
    const ctxNpy = readNpy(await bytes('ctx_idx.npy'));
    const tgtNpy = readNpy(await bytes('tgt_idx.npy'));
    const clipsCf = tf.tensor(toFloat32(input), [...input.shape], 'float32'); // [B, 3, T, H, W]
    const clips = channelsFirstToLast(clipsCf); // [B, T, H, W, 3]
    const context = tf.tensor2d(toInt32(ctxNpy), [ctxNpy.shape[0], ctxNpy.shape[1]], 'int32');
    const target = tf.tensor2d(toInt32(tgtNpy), [tgtNpy.shape[0], tgtNpy.shape[1]], 'int32');
    const maskIndex = arch.check.mask_index_used_by_predictor as number;

    const out = computeJepaLoss({ encoder, predictor, targetEncoder, clips, masks: [{ context, target, maskIndex }] });
    const loss = (await out.total.data())[0];
    expect(Math.abs(loss - arch.check.loss_l1_pred_vs_layernormed_target)).toBeLessThan(1e-5);
    expect((await out.perType[0].data())[0]).toBeCloseTo(loss, 7);
    tf.dispose([out.total, ...out.perType, out.reg, out.spread, out.encVar, out.encCov]);
    // After the first call (which builds the models' cached position tables) nothing accumulates.
    const before = tf.memory().numTensors;
    const again = computeJepaLoss({ encoder, predictor, targetEncoder, clips, masks: [{ context, target, maskIndex }] });
    expect((await again.total.data())[0]).toBe(loss);
    tf.dispose([again.total, ...again.perType, again.reg, again.spread, again.encVar, again.encCov]);
    expect(tf.memory().numTensors).toBe(before);

    // The same number from the building blocks, with the fixture's expected target features.
    const expTgt = readNpy(await bytes('expected_target_features.npy'));
    const expPred = readNpy(await bytes('expected_predictions.npy'));
    const manual = tf.tidy(() => {
      const h = layerNormNoParams(tf.tensor(toFloat32(expTgt), [...expTgt.shape]), 1e-5);
      const pred = tf.tensor(toFloat32(expPred), [...expPred.shape]);
      return tf.mean(tf.abs(tf.sub(pred, gatherTokens(h, target))));
    });
    expect(Math.abs((await manual.data())[0] - arch.check.loss_l1_pred_vs_layernormed_target)).toBeLessThan(1e-6);

    // featureTargets + computeObjective (what Trainer.step uses) give the same number.
    const targets = featureTargets(targetEncoder, clips, [{ context, target, maskIndex }], 1e-5);
    expect(targets[0].shape).toEqual([2, target.shape[1], m.embed_dim]);
    const viaObjective = computeObjective(encoder, predictor, clips, [{ context, target, maskIndex }], targets, {
      objective: 'features',
      lossExp: 1,
      regCoeff: 0,
    });
    expect((await viaObjective.total.data())[0]).toBeCloseTo(loss, 6);
    tf.dispose([manual, ...targets, viaObjective.total, ...viaObjective.perType, viaObjective.reg, viaObjective.spread, viaObjective.encVar, viaObjective.encCov]);
    tf.dispose([clipsCf, clips, context, target]);
    encoder.dispose();
    targetEncoder.dispose();
    predictor.dispose();
  });
});
