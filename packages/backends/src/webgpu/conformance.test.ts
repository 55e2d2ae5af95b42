// The WebGPU conformance suite: every op, gradient and model piece of the V-JEPA training step (and
// AdamW, the EMA update and the probe) on webgpu against cpu. Needs a WebGPU adapter: a GPU, or Mesa's
// software driver (scripts/setup-webgpu-cpu.sh); without one it is skipped with one printed line.
//
// Tolerances (stated once, used everywhere): ops and gradients |webgpu - cpu| <= 1e-4 + 1e-4 * max|cpu|;
// the official fixture within 1e-4 of the official outputs; a training step's loss within 1e-5 relative
// and weights within 1e-4 after 3 steps; 20 steps' loss curve within 1e-3 relative at every step.
import * as tf from '@tensorflow/tfjs-core';
import { readFile } from 'node:fs/promises';
import { BackendError } from '@vjepa/errors';
import { readNpy, readTorchCheckpoint, selectStateDict, toFloat32, toInt32, type StateDict } from '@vjepa/io';
import { multiblock3d } from '@vjepa/masking';
import { AttentiveProbe, loadAttentiveProbes, trainProbe } from '@vjepa/probe';
import { VJEPAPredictor, predictorConfigFor } from '@vjepa/predictor';
import { createTrainer, type StepMetrics } from '@vjepa/trainer';
import { FUSED_ADAMW_KERNEL, FUSED_EMA_KERNEL } from '@vjepa/optim';
import {
  FUSED_ATTENTION_GRAD_KERNEL,
  FUSED_ATTENTION_KERNEL,
  FUSED_GELU_GRAD_KERNEL,
  FUSED_GELU_KERNEL,
  FUSED_LAYER_NORM_GRAD_KERNEL,
  FUSED_LAYER_NORM_KERNEL,
  VisionTransformer,
  channelsFirstToLast,
} from '@vjepa/vit';
import { afterAll, describe, expect, it } from 'vitest';
import { maxAbsDiff } from '../wasm/test-helpers';
import { CONFORMANCE_CASES, runCase, seeded } from './conformance-cases';
import { FUSED_ATTENTION, FUSED_ATTENTION_GRAD } from './fused-attention';
import { FUSED_ELEMENTWISE_NAMES } from './fused-elementwise';
import { FUSED_LAYER_NORM_NAMES } from './fused-layer-norm';
import { webgpuDeviceInfo } from './load-webgpu';
import { tiledBatchMatMulConfig } from './tiled-matmul';
import { webgpuForTests } from './test-env';

const adapter = await webgpuForTests('WebGPU conformance suite');
if (adapter !== null) console.log(`WebGPU conformance suite: running on ${adapter}`);

const on = async <T>(backend: string, fn: () => Promise<T>): Promise<T> => {
  await tf.setBackend(backend);
  try {
    return await fn();
  } finally {
    await tf.setBackend('cpu');
  }
};

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string, atol = 1e-4, rtol = 1e-4): number {
  expect(got.length, `${what}: length`).toBe(want.length);
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  const diff = maxAbsDiff(got, want);
  expect(diff, `${what}: max |webgpu - cpu| (scale ${scale.toExponential(2)})`).toBeLessThanOrEqual(atol + rtol * scale);
  return diff;
}

// Kernels the conformance cases exercised (from a cpu profile of each case: the same ops call the same kernels).
const covered = new Set<string>();

describe.runIf(adapter !== null)('WebGPU conformance: ops and gradients against cpu', () => {
  afterAll(() => {
    // Leave nothing behind on either backend.
    expect(webgpuDeviceInfo()?.guard.errors ?? []).toEqual([]);
  });

  it.each(CONFORMANCE_CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    for (const backend of ['cpu', 'webgpu']) {
      const profile = await on(backend, () => tf.profile(async () => void (await runCase(c))));
      for (const k of profile.kernels) covered.add(k.name);
    }
    const cpu = await on('cpu', () => runCase(c));
    const gpu = await on('webgpu', () => runCase(c));
    cpu.outputs.forEach((want, i) => expectClose(gpu.outputs[i], want, `output ${i}`));
    cpu.grads.forEach((want, i) => expectClose(gpu.grads[i], want, `gradient ${i}`));
  });
});

it('the fused kernels carry the names @vjepa/vit and @vjepa/optim look up', () => {
  expect([FUSED_ATTENTION, FUSED_ATTENTION_GRAD]).toEqual([FUSED_ATTENTION_KERNEL, FUSED_ATTENTION_GRAD_KERNEL]);
  expect([FUSED_LAYER_NORM_NAMES.forward, FUSED_LAYER_NORM_NAMES.grad]).toEqual([FUSED_LAYER_NORM_KERNEL, FUSED_LAYER_NORM_GRAD_KERNEL]);
  const n = FUSED_ELEMENTWISE_NAMES;
  expect([n.gelu, n.geluGrad, n.adamw, n.ema]).toEqual([FUSED_GELU_KERNEL, FUSED_GELU_GRAD_KERNEL, FUSED_ADAMW_KERNEL, FUSED_EMA_KERNEL]);
});

describe.runIf(adapter !== null)('WebGPU conformance: the tiled matmul (opt-in, VJEPA_WEBGPU_MATMUL=tiled)', () => {
  it.each([
    [[130, 70], [70, 200], false, false],
    [[70, 130], [70, 200], true, false],
    [[130, 70], [200, 70], false, true],
    [[70, 130], [200, 70], true, true],
    [[3, 129, 65], [3, 65, 131], false, false],
    [[3, 65, 129], [3, 131, 65], true, true],
    [[2, 2, 100, 33], [2, 2, 33, 90], false, false],
    [[4, 100, 33], [33, 90], false, false],
    [[100, 33], [4, 33, 90], false, false],
  ] as const)('a %j x b %j (transposeA %s, transposeB %s) matches cpu, values and gradients', async (a, b, tA, tB) => {
    const c = { name: 'tiled', inputs: () => [seeded([...a], 61), seeded([...b], 62)], fn: (x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y, tA, tB), ...(a.length !== b.length ? { gradOf: [a.length > b.length ? 0 : 1] } : {}) };
    const stock = tf.getKernel('BatchMatMul', 'webgpu')!;
    tf.unregisterKernel('BatchMatMul', 'webgpu');
    tf.registerKernel(tiledBatchMatMulConfig(stock));
    try {
      const cpu = await on('cpu', () => runCase(c));
      const gpu = await on('webgpu', () => runCase(c));
      cpu.outputs.forEach((want, i) => expectClose(gpu.outputs[i], want, `output ${i}`));
      cpu.grads.forEach((want, i) => expectClose(gpu.grads[i], want, `gradient ${i}`));
    } finally {
      tf.unregisterKernel('BatchMatMul', 'webgpu');
      tf.registerKernel(stock);
    }
  });
});

// --- model level ---------------------------------------------------------------------------------

const FIXTURES = new URL('../../../../fixtures/official-parity/', import.meta.url);
const npy = async (name: string) => readNpy(new Uint8Array(await readFile(new URL(name, FIXTURES))), { file: name });

describe.runIf(adapter !== null)('WebGPU conformance: the official-parity fixture', () => {
  it('encoder, predictor and probe reproduce the official outputs within 1e-4 on webgpu', async () => {
    const arch = JSON.parse(await readFile(new URL('arch.json', FIXTURES), 'utf8')) as Record<string, number>;
    const ckpt = readTorchCheckpoint(new Uint8Array(await readFile(new URL('checkpoint.pth.tar', FIXTURES))), { file: 'checkpoint.pth.tar' });
    const probeCkpt = readTorchCheckpoint(new Uint8Array(await readFile(new URL('probe.pth.tar', FIXTURES))), { file: 'probe.pth.tar' }) as { classifier: StateDict };
    const [input, ctx, tgt, expTarget, expContext, expPred, expLogits] = await Promise.all(
      ['input', 'ctx_idx', 'tgt_idx', 'expected_target_features', 'expected_context_features', 'expected_predictions', 'expected_probe_logits'].map((n) => npy(`${n}.npy`)),
    );
    const diffs = await on('webgpu', async () => {
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
      const outs = tf.tidy(() => {
        const feats = target.apply(clip);
        const context = encoder.apply(clip, { indices: ctxIdx });
        // Each module on the official inputs, as the package parity tests do, so errors do not compound.
        const preds = predictor.apply(tf.tensor(toFloat32(expContext), expContext.shape as number[]), ctxIdx, tgtIdx, 1);
        return [feats, context, preds, probe.apply(tf.tensor3d(toFloat32(expTarget), expTarget.shape as [number, number, number]))];
      });
      const values = await Promise.all(outs.map(async (t) => t.data()));
      tf.dispose([...outs, clip, ctxIdx, tgtIdx]);
      for (const m of [target, encoder, predictor, probe]) m.dispose();
      return [expTarget, expContext, expPred, expLogits].map((e, i) => maxAbsDiff(values[i], toFloat32(e)));
    });
    expect(arch).toBeTruthy();
    for (const d of diffs) expect(d).toBeLessThan(1e-4);
    console.log(`WebGPU official parity (max abs): target ${diffs[0].toExponential(1)}, context ${diffs[1].toExponential(1)}, predictions ${diffs[2].toExponential(1)}, probe ${diffs[3].toExponential(1)}`);
  });
});

const V2 = new URL('../../../../fixtures/vjepa2-parity/', import.meta.url);
const npy2 = async (name: string) => readNpy(new Uint8Array(await readFile(new URL(name, V2))), { file: name });

describe.runIf(adapter !== null)('WebGPU conformance: the V-JEPA 2 fixture (RoPE)', () => {
  it('RoPE encoder, RoPE predictor and the V-JEPA 2 probe reproduce the official outputs within 1e-4 on webgpu', async () => {
    const ckpt = readTorchCheckpoint(new Uint8Array(await readFile(new URL('checkpoint.pt', V2))), { file: 'checkpoint.pt' });
    const probeCkpt = readTorchCheckpoint(new Uint8Array(await readFile(new URL('probe.pt', V2))), { file: 'probe.pt' });
    const [input, ctx, tgt, expTarget, expContext, expPred, expLogits] = await Promise.all(
      ['input', 'ctx_idx', 'tgt_idx', 'expected_target_features', 'expected_context_features', 'expected_predictions', 'expected_probe_logits'].map((n) => npy2(`${n}.npy`)),
    );
    const diffs = await on('webgpu', async () => {
      const cfg = { embedDim: 96, depth: 2, numHeads: 4, patchSize: 8, tubeletSize: 2, numFrames: 4, imgSize: 32, useRope: true };
      const target = new VisionTransformer(cfg, { trainable: false });
      target.loadStateDict(selectStateDict(ckpt, 'target_encoder'));
      const encoder = new VisionTransformer(cfg, { trainable: false });
      encoder.loadStateDict(selectStateDict(ckpt, 'encoder'));
      const predictor = new VJEPAPredictor(predictorConfigFor(encoder.config, { predictorEmbedDim: 48, depth: 2, numMaskTypes: 2, zeroInitMaskTokens: false }), { trainable: false });
      predictor.loadStateDict(selectStateDict(ckpt, 'predictor'));
      const [probe] = loadAttentiveProbes(probeCkpt, { numHeads: 4 });
      const clip = channelsFirstToLast(tf.tensor(toFloat32(input), input.shape as number[]));
      const ctxIdx = tf.tensor2d(toInt32(ctx), ctx.shape as [number, number], 'int32');
      const tgtIdx = tf.tensor2d(toInt32(tgt), tgt.shape as [number, number], 'int32');
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
    console.log(`WebGPU V-JEPA 2 parity (max abs): target ${diffs[0].toExponential(1)}, context ${diffs[1].toExponential(1)}, predictions ${diffs[2].toExponential(1)}, probe ${diffs[3].toExponential(1)}`);
  });
});

// A small V-JEPA setting: 4 frames of 16x16, patch 4, tubelet 2 (32 tokens), width 32, two mask types.
const VIT = { embedDim: 32, depth: 2, numHeads: 4, patchSize: 4, tubeletSize: 2, numFrames: 4, imgSize: 16 } as const;
const MASKS = () => {
  const common = { aspectRatio: [0.75, 1.5] as [number, number], temporalScale: [1, 1] as [number, number], maxTemporalKeep: 1, maxKeep: null };
  return multiblock3d([
    { ...common, numBlocks: 2, spatialScale: [0.15, 0.15] as [number, number] },
    { ...common, numBlocks: 1, spatialScale: [0.5, 0.5] as [number, number] },
  ]);
};
// Every term of the objective on (our regularisers and the reference's), clipping active from step 1.
const CONFIG = {
  optimization: { epochs: 10, ipe: 2, warmupEpochs: 0, startLr: 1e-4, lr: 1e-3, finalLr: 1e-5, ema: [0.99, 1] as [number, number], clipGrad: 1 },
  loss: { regCoeff: 1, encVarCoeff: 1, encCovCoeff: 1 },
};

interface Run {
  metrics: StepMetrics[];
  weights: Float32Array[];
}

async function train(steps: number, objective: 'features' | 'pixels' = 'features', useRope = false): Promise<Run> {
  const encoder = new VisionTransformer({ ...VIT, useRope }, { seed: 3 });
  const outDim = objective === 'pixels' ? 2 * 4 * 4 * 3 : undefined;
  // RoPE needs head width >= 6 (the predictor uses the encoder's 4 heads): 24 wide instead of 16.
  const predictorEmbedDim = useRope ? 24 : 16;
  const predictor = new VJEPAPredictor(predictorConfigFor(encoder.config, { predictorEmbedDim, depth: 1, numMaskTypes: 2, ...(outDim ? { outDim } : {}) }), { seed: 4 });
  const trainer = createTrainer({ encoder, predictor, masking: MASKS(), config: { ...CONFIG, loss: { ...CONFIG.loss, objective } }, seed: 5 });
  const metrics: StepMetrics[] = [];
  for (let s = 0; s < steps; s++) {
    const clips = tf.tidy(() => tf.add(tf.mul(seeded([2, 4, 16, 16, 3], 1000 + s), 2), tf.sin(tf.reshape(tf.range(0, 16), [1, 1, 1, 16, 1]))));
    metrics.push(await trainer.step(clips));
    clips.dispose();
  }
  const weights = await Promise.all([...encoder.variables().values(), ...predictor.variables().values()].map(async (v) => Float32Array.from(await v.data())));
  trainer.dispose();
  encoder.dispose();
  predictor.dispose();
  return { metrics, weights };
}

describe.runIf(adapter !== null)('WebGPU conformance: training', () => {
  it('3 training steps (AdamW, EMA, clipping, every loss term) match cpu: losses within 1e-5 relative, weights within 1e-4', async () => {
    const cpu = await on('cpu', () => train(3));
    const before = tf.memory().numTensors;
    const gpu = await on('webgpu', () => train(3));
    expect(tf.memory().numTensors).toBe(before);
    for (let s = 0; s < 3; s++) {
      const [c, g] = [cpu.metrics[s], gpu.metrics[s]];
      for (const key of ['loss', 'reg', 'encVar', 'encCov', 'featureSpread'] as const) {
        expect(Math.abs(g[key] - c[key]), `step ${s} ${key}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(c[key])));
      }
      expect(Math.abs(g.gradNorm.encoder - c.gradNorm.encoder) / c.gradNorm.encoder).toBeLessThan(1e-4);
      expect(g.clipped).toBe(c.clipped);
    }
    expect(cpu.metrics[2].clipped).toBe(true);
    let worst = 0;
    cpu.weights.forEach((w, i) => {
      worst = Math.max(worst, expectClose(gpu.weights[i], w, `weight ${i}`, 1e-4, 0));
    });
    console.log(`WebGPU 3 steps: max weight difference ${worst.toExponential(1)}`);
  });

  it('a V-JEPA 2 (RoPE) model trains the same on webgpu', async () => {
    const cpu = await on('cpu', () => train(2, 'features', true));
    const gpu = await on('webgpu', () => train(2, 'features', true));
    cpu.metrics.forEach((c, s) => expect(Math.abs(gpu.metrics[s].loss - c.loss) / c.loss).toBeLessThan(1e-5));
  });

  it('the pixel objective trains the same on webgpu', async () => {
    const cpu = await on('cpu', () => train(2, 'pixels'));
    const gpu = await on('webgpu', () => train(2, 'pixels'));
    cpu.metrics.forEach((c, s) => expect(Math.abs(gpu.metrics[s].loss - c.loss) / c.loss).toBeLessThan(1e-5));
  });

  it('20 steps follow the cpu loss curve within 1e-3 relative at every step', async () => {
    const cpu = await on('cpu', () => train(20));
    const gpu = await on('webgpu', () => train(20));
    const rel = cpu.metrics.map((c, s) => Math.abs(gpu.metrics[s].loss - c.loss) / Math.abs(c.loss));
    console.log(`WebGPU 20 steps: loss ${cpu.metrics[0].loss.toFixed(4)} -> ${cpu.metrics[19].loss.toFixed(4)} on cpu, worst relative difference ${Math.max(...rel).toExponential(1)}`);
    for (const r of rel) expect(r).toBeLessThan(1e-3);
  });

  it('training a probe for an epoch matches cpu', async () => {
    const run = async () => {
      const feats = tf.tidy(() => seeded([24, 6, 16], 77, 2) as tf.Tensor3D);
      const labels = Int32Array.from({ length: 24 }, (_, i) => i % 3);
      const probe = new AttentiveProbe({ embedDim: 16, numHeads: 4, numClasses: 3, seed: 8 });
      const { epochs } = await trainProbe(probe, feats, labels, { epochs: 2, batchSize: 8, seed: 1 });
      const logits = tf.tidy(() => probe.apply(feats));
      const out = Float32Array.from(await logits.data());
      tf.dispose([feats, logits]);
      probe.dispose();
      return { losses: epochs.map((e) => e.loss), out };
    };
    const cpu = await on('cpu', run);
    const gpu = await on('webgpu', run);
    cpu.losses.forEach((l, i) => expect(Math.abs(gpu.losses[i] - l) / l).toBeLessThan(1e-4));
    expectClose(gpu.out, cpu.out, 'probe logits after training', 1e-3, 1e-3);
  });

  it('every kernel the training step (both objectives) and the probe run, on cpu and webgpu, is covered by an op case above', async () => {
    const used = new Set<string>();
    const workload = async () => {
      await train(3);
      await train(1, 'pixels');
      await train(1, 'features', true);
      const feats = seeded([8, 6, 16], 9) as tf.Tensor3D;
      const probe = new AttentiveProbe({ embedDim: 16, numHeads: 4, numClasses: 3, seed: 8 });
      await trainProbe(probe, feats, Int32Array.from({ length: 8 }, (_, i) => i % 3), { epochs: 1, batchSize: 4 });
      probe.dispose();
      feats.dispose();
    };
    for (const backend of ['cpu', 'webgpu']) {
      const profile = await on(backend, () => tf.profile(workload));
      for (const k of profile.kernels) used.add(k.name);
    }
    // Profiles also list customGrad's scopes ('forward', 'unnamed scope'): keep real kernels only.
    const isKernel = (name: string) => tf.getKernel(name, 'cpu') !== undefined || tf.getKernel(name, 'webgpu') !== undefined;
    const missing = [...used].filter((k) => isKernel(k) && !covered.has(k)).sort();
    expect(missing, `kernels used by training but not in a conformance case (covered: ${[...covered].sort().join(', ')})`).toEqual([]);
  });
});

// Last: it leaves the webgpu backend refusing work, as a failed run would.
describe.runIf(adapter !== null)('WebGPU failures are loud', () => {
  it('a kernel Dawn rejects throws a BackendError naming it, the training step fails, and the device refuses all later work', async () => {
    await tf.setBackend('webgpu');
    const encoder = new VisionTransformer(VIT, { seed: 3 });
    const predictor = new VJEPAPredictor(predictorConfigFor(encoder.config, { predictorEmbedDim: 16, depth: 1, numMaskTypes: 2 }), { seed: 4 });
    const trainer = createTrainer({ encoder, predictor, masking: MASKS(), config: CONFIG, seed: 5 });
    const clips = seeded([2, 4, 16, 16, 3], 6);
    await trainer.step(clips);
    // Inject a broken kernel: GELU (fused, or its Erf when not) now runs a shader the driver rejects.
    const victim = tf.getKernel(FUSED_GELU_KERNEL, 'webgpu') ? FUSED_GELU_KERNEL : 'Erf';
    const stock = tf.getKernel(victim, 'webgpu')!;
    class BrokenGeluProgram {
      variableNames = ['x'];
      outputShape: number[];
      shaderKey = 'vjepaBrokenGelu';
      dispatchLayout = { x: [0] };
      dispatch: [number, number, number] = [1, 1, 1];
      workgroupSize: [number, number, number] = [64, 1, 1];
      size = true;
      constructor(shape: number[]) {
        this.outputShape = shape;
      }
      getUserCode() {
        return 'fn main(index : i32) { this is not WGSL }';
      }
    }
    tf.unregisterKernel(victim, 'webgpu');
    tf.registerKernel({
      kernelName: victim,
      backendName: 'webgpu',
      kernelFunc: ({ inputs, backend }) => {
        const x = inputs.x as tf.TensorInfo;
        return (backend as unknown as { runWebGPUProgram(p: object, i: tf.TensorInfo[], d: string): tf.TensorInfo }).runWebGPUProgram(new BrokenGeluProgram([...x.shape]), [x], 'float32');
      },
    });
    let error: unknown;
    try {
      error = await trainer.step(clips).catch((e: unknown) => e);
    } finally {
      tf.unregisterKernel(victim, 'webgpu');
      tf.registerKernel(stock);
    }
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toMatch(/webgpu: kernel BrokenGeluProgram failed/);
    expect((error as Error).message).toMatch(/GPUValidationError/);
    expect(trainer.iteration).toBe(1); // the failed step did not count (the error came from the forward)
    // Work queued with the broken kernel is lost, so the device refuses everything after (the run stops).
    await expect(trainer.step(clips)).rejects.toThrow(/webgpu: unusable after an earlier failure/);
    expect(trainer.iteration).toBe(1);
    await tf.setBackend('cpu');
    clips.dispose();
    trainer.dispose();
    encoder.dispose();
    predictor.dispose();
  });
});
