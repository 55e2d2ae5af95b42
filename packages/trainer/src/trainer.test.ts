import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { ConfigError, DegenerateStepError, NonFiniteLossError, ShapeError } from '@vjepa/errors';
import { fullContext } from '@vjepa/masking';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTrainer } from './trainer';
import { tinyClips, tinyMasking, tinyModels } from './test-helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SMALL = { epochs: 4, ipe: 10, warmupEpochs: 1, startLr: 1e-4, lr: 1e-3, finalLr: 1e-5, ema: [0.99, 1] as [number, number] };

async function values(v: tf.Tensor): Promise<Float32Array> {
  return (await v.data()) as Float32Array;
}

describe('Trainer.step', () => {
  it('starts the target encoder as an exact copy, then moves it by exactly the scheduled momentum', async () => {
    const { encoder, predictor } = tinyModels(3);
    const trainer = createTrainer({ encoder, predictor, masking: tinyMasking(), config: { optimization: SMALL }, seed: 5 });
    const target = trainer.targetEncoder!;
    const names = [...encoder.variables().keys()];
    for (const name of names.slice(0, 4)) {
      expect(await values(target.variables().get(name)!)).toEqual(await values(encoder.variables().get(name)!));
      expect(target.variables().get(name)!.trainable).toBe(false);
    }
    const name = 'blocks.0.attn.qkv.weight';
    const t0 = new Float32Array(await values(target.variables().get(name)!));
    const clips = tinyClips(2, 1);
    const bias0 = new Float32Array(await values(encoder.variables().get('patch_embed.proj.bias')!));
    const m = await trainer.step(clips);
    // A bias has no weight decay, so its change proves the loss gradient reached the encoder.
    const bias1 = await values(encoder.variables().get('patch_embed.proj.bias')!);
    expect(Math.max(...bias1.map((v, i) => Math.abs(v - bias0[i])))).toBeGreaterThan(1e-6);
    const e1 = await values(encoder.variables().get(name)!);
    const t1 = await values(target.variables().get(name)!);
    expect(m.momentum).toBe(0.99); // iteration 0 uses ema[0]
    let moved = 0;
    for (let i = 0; i < t1.length; i++) {
      expect(t1[i]).toBeCloseTo(0.99 * t0[i] + 0.01 * e1[i], 6);
      moved = Math.max(moved, Math.abs(t1[i] - t0[i]));
    }
    expect(moved).toBeGreaterThan(0); // the encoder did change, so the EMA did something
    clips.dispose();
    trainer.dispose();
    encoder.dispose();
    predictor.dispose();
  });

  it('reports the scheduled lr/wd, mask sizes, grad norms and spread, and keeps the tensor count flat', async () => {
    const { encoder, predictor } = tinyModels(4);
    const trainer = createTrainer({ encoder, predictor, masking: tinyMasking(), config: { optimization: SMALL }, seed: 1 });
    const clips = tinyClips(2, 2);
    const first = await trainer.step(clips);
    expect(first.iteration).toBe(0);
    expect(first.lr).toBeCloseTo(1e-4 + (1 / 10) * (1e-3 - 1e-4), 12); // counter 1 of a 10-step warmup
    expect(first.wd).toBeGreaterThan(0.04);
    expect(first.lossPerType).toHaveLength(2);
    expect(first.loss).toBeCloseTo((first.lossPerType[0] + first.lossPerType[1]) / 2, 6);
    expect(first.lossJepa).toBe((first.lossPerType[0] + first.lossPerType[1]) / 2);
    expect(Number.isFinite(first.encVar) && Number.isFinite(first.encCov)).toBe(true); // computed at weight 0 too
    expect(first.contextSizes.every((k, i) => k > 0 && k + first.targetSizes[i] <= 32)).toBe(true);
    expect(first.gradNorm.encoder).toBeGreaterThan(0);
    expect(first.gradNorm.predictor).toBeGreaterThan(0);
    expect(first.featureSpread).toBeGreaterThan(0);
    expect(first.clipped).toBe(false);
    const counts: number[] = [];
    for (let i = 0; i < 4; i++) counts.push((await trainer.step(clips)).numTensors);
    expect(new Set(counts).size).toBe(1);
    expect(counts[0]).toBe(first.numTensors);
    clips.dispose();
    trainer.dispose();
    encoder.dispose();
    predictor.dispose();
  });

  it('lowers the loss on a fixed tiny batch over a few dozen steps', async () => {
    const { encoder, predictor } = tinyModels(7);
    const trainer = createTrainer({
      encoder,
      predictor,
      masking: tinyMasking(),
      config: { optimization: { epochs: 4, ipe: 10, warmupEpochs: 0, startLr: 2e-3, lr: 2e-3, finalLr: 2e-3, ema: [0.99, 0.999] } },
      seed: 2,
    });
    const clips = tinyClips(2, 3);
    const losses: number[] = [];
    for (let i = 0; i < 24; i++) losses.push((await trainer.step(clips)).loss);
    const head = (losses[0] + losses[1] + losses[2]) / 3;
    const tail = (losses[21] + losses[22] + losses[23]) / 3;
    expect(tail).toBeLessThan(head * 0.8); // measured: ~0.89 -> ~0.37
    clips.dispose();
    trainer.dispose();
    encoder.dispose();
    predictor.dispose();
  });

  it('clips per module only after warmup (epoch > warmupEpochs)', async () => {
    const { encoder, predictor } = tinyModels(8);
    const trainer = createTrainer({
      encoder,
      predictor,
      masking: tinyMasking(),
      config: { optimization: { ...SMALL, epochs: 3, ipe: 1, warmupEpochs: 1, clipGrad: 1e-3 } },
    });
    const clips = tinyClips(2, 4);
    const clipped: boolean[] = [];
    for (let i = 0; i < 3; i++) clipped.push((await trainer.step(clips)).clipped);
    expect(clipped).toEqual([false, false, true]); // epochs 0 and 1 are not > 1
    clips.dispose();
    trainer.dispose();
    encoder.dispose();
    predictor.dispose();
  });

  it('trains the pixel objective with the predictor outDim = tubelet*p*p*3 and no target encoder', async () => {
    const { encoder, predictor } = tinyModels(9, 2 * 4 * 4 * 3);
    const trainer = createTrainer({ encoder, predictor, masking: tinyMasking(), config: { optimization: SMALL, loss: { objective: 'pixels' } } });
    expect(trainer.targetEncoder).toBeNull();
    const clips = tinyClips(2, 5);
    const first = await trainer.step(clips);
    // Normalised pixels have unit variance per patch, so an untrained predictor starts near MSE 1.
    expect(first.loss).toBeGreaterThan(0.5);
    expect(first.loss).toBeLessThan(2);
    expect(first.momentum).toBe(1);
    clips.dispose();
    trainer.dispose();
    encoder.dispose();
    predictor.dispose();
  });

  it('throws NonFiniteLossError naming the step, LR and grad norms, and leaves the state as before the step', async () => {
    const { encoder, predictor } = tinyModels(10);
    const trainer = createTrainer({ encoder, predictor, masking: tinyMasking(), config: { optimization: SMALL } });
    const good = tinyClips(2, 6);
    await trainer.step(good);
    const bad = tf.fill([2, 4, 16, 16, 3], Number.NaN);
    const before = await trainer.snapshot();
    const masksBefore = trainer.peekMasks({ t: 2, h: 4, w: 4 }, 2);
    const error = await trainer.step(bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonFiniteLossError);
    const err = error as NonFiniteLossError;
    expect(err.step).toBe(1);
    expect(err.message).toMatch(/non-finite loss at step 1/);
    expect(err.message).toMatch(/"loss":"NaN"/);
    expect(err.message).toMatch(/"lr":/);
    expect(err.message).toMatch(/"gradNorm":/);
    expect(trainer.iteration).toBe(1); // the failed step did not count
    const after = await trainer.snapshot();
    // weights untouched, masking generator rewound: the state a crash checkpoint should hold
    expect(after.rng).toEqual(before.rng);
    expect(Array.from(after.weights.encoder['norm.weight'].data as Float32Array)).toEqual(Array.from(before.weights.encoder['norm.weight'].data as Float32Array));
    expect(Array.from(after.weights.predictor['predictor_proj.weight'].data as Float32Array)).toEqual(Array.from(before.weights.predictor['predictor_proj.weight'].data as Float32Array));
    expect(trainer.peekMasks({ t: 2, h: 4, w: 4 }, 2)).toEqual(masksBefore);
    // the next good step draws the masks the failed one drew, and training goes on
    const next = await trainer.step(good);
    expect(next.iteration).toBe(1);
    tf.dispose([good, bad]);
    trainer.dispose();
    encoder.dispose();
    predictor.dispose();
  });

  it('rewinds the masking generator whatever the step throws (a clip the models cannot take)', async () => {
    const { encoder, predictor } = tinyModels(13);
    const trainer = createTrainer({ encoder, predictor, masking: tinyMasking(), config: { optimization: SMALL } });
    const rng = (await trainer.snapshot()).rng;
    const wrongChannels = tf.zeros([2, 4, 16, 16, 4]);
    await expect(trainer.step(wrongChannels)).rejects.toThrow();
    expect((await trainer.snapshot()).rng).toEqual(rng);
    wrongChannels.dispose();
    trainer.dispose();
    encoder.dispose();
    predictor.dispose();
  });
});

describe('Trainer.step on a backend that fails silently', () => {
  it('throws DegenerateStepError when a kernel returns zeros, before the weights change', async () => {
    // The failure WebGPU showed: a rejected kernel leaves zeros, so loss and gradients are exactly 0.
    const { encoder, predictor } = tinyModels(12);
    const trainer = createTrainer({ encoder, predictor, masking: tinyMasking(), config: { optimization: SMALL } });
    const clips = tinyClips(2, 7);
    await trainer.step(clips); // a good step first
    const stock = tf.getKernel('BatchMatMul', 'cpu')!;
    tf.unregisterKernel('BatchMatMul', 'cpu');
    tf.registerKernel({
      ...stock,
      kernelFunc: (args) => {
        const out = stock.kernelFunc(args) as tf.TensorInfo; // the shape is right, the values are not
        const data = (args.backend as unknown as { data: { get(id: object): { values: Float32Array } } }).data;
        data.get(out.dataId).values.fill(0);
        return out;
      },
    });
    const weightBefore = new Float32Array(await values(encoder.variables().get('blocks.0.attn.qkv.weight')!));
    const rngBefore = (await trainer.snapshot()).rng;
    let error: unknown;
    try {
      error = await trainer.step(clips).catch((e: unknown) => e);
    } finally {
      tf.unregisterKernel('BatchMatMul', 'cpu');
      tf.registerKernel(stock);
    }
    expect(error).toBeInstanceOf(DegenerateStepError);
    expect((error as DegenerateStepError).step).toBe(1);
    expect((error as Error).message).toMatch(/step 1 computed nothing usable \(.*gradient norm 0/);
    expect(trainer.iteration).toBe(1);
    expect(await values(encoder.variables().get('blocks.0.attn.qkv.weight')!)).toEqual(weightBefore);
    expect((await trainer.snapshot()).rng).toEqual(rngBefore); // rewound, as for a non-finite loss
    await trainer.step(clips); // the backend is healthy again: training goes on
    expect(trainer.iteration).toBe(2);
    clips.dispose();
    trainer.dispose();
    encoder.dispose();
    predictor.dispose();
  });
});

describe('createTrainer validation', () => {
  it('rejects mask types vs mask tokens, a wrong pixel outDim, and clips that do not fit the models', async () => {
    const { encoder, predictor } = tinyModels(11);
    expect(() => createTrainer({ encoder, predictor, masking: fullContext() })).toThrow(ConfigError);
    expect(() => createTrainer({ encoder, predictor, masking: fullContext() })).toThrow(/numMaskTypes: expected 1/);
    expect(() => createTrainer({ encoder, predictor, masking: tinyMasking(), config: { loss: { objective: 'pixels' } } })).toThrow(/outDim: expected 96/);
    const trainer = createTrainer({ encoder, predictor, masking: tinyMasking() });
    const wrongSize = tf.zeros([1, 4, 32, 32, 3]);
    await expect(trainer.step(wrongSize)).rejects.toThrow(/predictor's 2x4x4/);
    const channelsFirst = tf.zeros([1, 3, 4, 16, 16]);
    await expect(trainer.step(channelsFirst)).rejects.toThrow(ShapeError);
    tf.dispose([wrongSize, channelsFirst]);
    trainer.dispose();
    encoder.dispose();
    predictor.dispose();
  });
});
