// The wasm training path (our kernel fixes and fused kernels) against cpu: every op case of the
// WebGPU conformance suite (the ops the V-JEPA step, AdamW, EMA and the probe are built from, with
// gradients), and the official-parity fixture. Same tolerances as the WebGPU suite: ops and gradients
// |wasm - cpu| <= 1e-4 + 1e-4 * max|cpu|; the fixture within 1e-4 of the official outputs.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { readFile } from 'node:fs/promises';
import { readNpy, readTorchCheckpoint, selectStateDict, toFloat32, toInt32, type StateDict } from '@vjepa/io';
import { AttentiveProbe } from '@vjepa/probe';
import { VJEPAPredictor, predictorConfigFor } from '@vjepa/predictor';
import { VisionTransformer, channelsFirstToLast } from '@vjepa/vit';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONFORMANCE_CASES, runCase } from '../../webgpu/conformance-cases';
import { patchWasmForTraining } from '../patch';
import { maxAbsDiff } from '../test-helpers';

beforeAll(async () => {
  await tf.setBackend('wasm');
  patchWasmForTraining();
});

const on = async <T>(backend: string, fn: () => Promise<T>): Promise<T> => {
  await tf.setBackend(backend);
  try {
    return await fn();
  } finally {
    await tf.setBackend('cpu');
  }
};

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  expect(maxAbsDiff(got, want), `${what}: max |wasm - cpu| (scale ${scale.toExponential(2)})`).toBeLessThanOrEqual(1e-4 + 1e-4 * scale);
}

describe('wasm conformance (patched, fused kernels): ops and gradients against cpu', () => {
  it.each(CONFORMANCE_CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const cpu = await on('cpu', () => runCase(c));
    const wasm = await on('wasm', () => runCase(c));
    cpu.outputs.forEach((want, i) => expectClose(wasm.outputs[i], want, `output ${i}`));
    cpu.grads.forEach((want, i) => expectClose(wasm.grads[i], want, `gradient ${i}`));
  });
});

const FIXTURES = new URL('../../../../../fixtures/official-parity/', import.meta.url);
const npy = async (name: string) => readNpy(new Uint8Array(await readFile(new URL(name, FIXTURES))), { file: name });

describe('wasm conformance: the official-parity fixture', () => {
  it('encoder, predictor and probe reproduce the official outputs within 1e-4 on wasm with the fused kernels', async () => {
    const ckpt = readTorchCheckpoint(new Uint8Array(await readFile(new URL('checkpoint.pth.tar', FIXTURES))), { file: 'checkpoint.pth.tar' });
    const probeCkpt = readTorchCheckpoint(new Uint8Array(await readFile(new URL('probe.pth.tar', FIXTURES))), { file: 'probe.pth.tar' }) as { classifier: StateDict };
    const [input, ctx, tgt, expTarget, expContext, expPred, expLogits] = await Promise.all(
      ['input', 'ctx_idx', 'tgt_idx', 'expected_target_features', 'expected_context_features', 'expected_predictions', 'expected_probe_logits'].map((n) => npy(`${n}.npy`)),
    );
    const diffs = await on('wasm', async () => {
      const vitConfig = { embedDim: 64, depth: 2, numHeads: 4, patchSize: 8, tubeletSize: 2, numFrames: 4, imgSize: 32, uniformPower: true };
      const target = new VisionTransformer(vitConfig, { trainable: false });
      target.loadStateDict(selectStateDict(ckpt, 'target_encoder'));
      const encoder = new VisionTransformer(vitConfig, { trainable: false });
      encoder.loadStateDict(selectStateDict(ckpt, 'encoder'));
      const predictor = new VJEPAPredictor(predictorConfigFor(encoder.config, { predictorEmbedDim: 32, depth: 2, numHeads: 4, numMaskTypes: 2 }), { trainable: false });
      predictor.loadStateDict(selectStateDict(ckpt, 'predictor'));
      const probe = new AttentiveProbe({ embedDim: 64, numHeads: 4, numClasses: 5 });
      probe.loadStateDict(probeCkpt.classifier);
      const clip = channelsFirstToLast(tf.tensor(toFloat32(input), input.shape as number[]));
      const ctxIdx = tf.tensor2d(toInt32(ctx), ctx.shape as [number, number], 'int32');
      const tgtIdx = tf.tensor2d(toInt32(tgt), tgt.shape as [number, number], 'int32');
      const profile = await tf.profile(() => void tf.dispose(target.apply(clip)));
      expect(profile.kernelNames).toEqual(expect.arrayContaining(['VjepaLayerNorm', 'VjepaGelu', 'VjepaFusedAttention']));
      const outs = tf.tidy(() => [
        target.apply(clip),
        encoder.apply(clip, { indices: ctxIdx }),
        predictor.apply(tf.tensor(toFloat32(expContext), expContext.shape as number[]), ctxIdx, tgtIdx, 1),
        probe.apply(tf.tensor3d(toFloat32(expTarget), expTarget.shape as [number, number, number])),
      ]);
      const values = await Promise.all(outs.map(async (t) => t.data()));
      tf.dispose([...outs, clip, ctxIdx, tgtIdx]);
      for (const m of [target, encoder, predictor, probe]) m.dispose();
      return [expTarget, expContext, expPred, expLogits].map((e, i) => maxAbsDiff(values[i], toFloat32(e)));
    });
    for (const d of diffs) expect(d).toBeLessThan(1e-4);
    console.log(`wasm (fused) official parity (max abs): target ${diffs[0].toExponential(1)}, context ${diffs[1].toExponential(1)}, predictions ${diffs[2].toExponential(1)}, probe ${diffs[3].toExponential(1)}`);
  });
});
