// Shared by our side's benchmark processes (bench/ours-step.ts, bench/data-parallel/replica.ts):
// the trainer settings, model construction and loading a workload folder into tensors / masks.
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { readNpy, readSafetensors } from '@vjepa/io';
import type { IndexBatch, MaskPair, MaskingStrategy } from '@vjepa/masking';
import { VJEPAPredictor, predictorConfigFor } from '@vjepa/predictor';
import type { TrainerConfigInput } from '@vjepa/trainer';
import { VisionTransformer, resolveVitConfig } from '@vjepa/vit';
import { type BenchConfig, type WorkloadFile, workloadPaths } from './workload';

/**
 * The trainer settings both sides follow: released schedules, regularisers and clipping off.
 *
 * @example
 * createTrainer({ encoder, predictor, masking, config: trainerConfig(BENCH_CONFIGS.tiny) });
 */
export function trainerConfig(c: BenchConfig): TrainerConfigInput {
  const steps = c.warmup + c.timed;
  return {
    // Warm-up epoch 1 of 10 with `steps` iterations per epoch: every benchmark step is in the LR
    // warm-up, where the reference does not clip either (clipping starts after warm-up).
    optimization: { epochs: 10, ipe: steps, warmupEpochs: 1, clipGrad: null },
    loss: { objective: 'features', lossExp: 1, regCoeff: 0, encVarCoeff: 0, encCovCoeff: 0 },
  };
}

/**
 * Encoder and predictor of a benchmark config (the predictor gets `predNumHeads`).
 *
 * @example
 * const { encoder, predictor } = buildModels(BENCH_CONFIGS.tiny, 0);
 */
export function buildModels(c: BenchConfig, seed: number): { encoder: VisionTransformer; predictor: VJEPAPredictor } {
  const vit = resolveVitConfig({
    embedDim: c.embedDim,
    depth: c.depth,
    numHeads: c.numHeads,
    patchSize: c.patchSize,
    tubeletSize: c.tubeletSize,
    numFrames: c.numFrames,
    imgSize: c.imgSize,
    uniformPower: true,
  });
  const encoder = new VisionTransformer(vit, { seed: seed + 1 });
  const predictor = new VJEPAPredictor(
    predictorConfigFor(vit, { predictorEmbedDim: c.predEmbedDim, depth: c.predDepth, numHeads: c.predNumHeads, numMaskTypes: 2 }),
    { seed: seed + 2 },
  );
  return { encoder, predictor };
}

/**
 * The token grid of a config.
 *
 * @example
 * gridOf(BENCH_CONFIGS.tiny); // { t: 4, h: 4, w: 4 }
 */
export function gridOf(c: BenchConfig) {
  return { t: c.numFrames / c.tubeletSize, h: c.imgSize / c.patchSize, w: c.imgSize / c.patchSize };
}

/**
 * A strategy that returns the stored masks of each step (sampling excluded from the timing).
 *
 * @example
 * createTrainer({ encoder, predictor, masking: replayMasks(masks) });
 */
export function replayMasks(masks: readonly MaskPair[][]): MaskingStrategy {
  return {
    specificationVersion: 'v1',
    name: 'replay',
    numMaskTypes: masks[0].length,
    sample: ({ step }) => masks[step % masks.length],
  };
}

/**
 * An int32 `[B, K]` .npy file as an IndexBatch.
 *
 * @example
 * const ctx = readIndexBatch(workloadPaths.mask(dir, 0, 0, 'context'));
 */
export function readIndexBatch(path: string): IndexBatch {
  const t = readNpy(new Uint8Array(readFileSync(path)));
  return { data: t.data as Int32Array, batchSize: t.shape[0], length: t.shape[1] };
}

/**
 * Loads a workload's initial weights into fresh models, its masks (per step, per type) and its
 * clip batches as raw arrays (the caller makes tensors, possibly of a slice of the batch).
 *
 * @example
 * const { encoder, predictor, masks, clips } = loadWorkload(dir, w);
 */
export function loadWorkload(dir: string, w: WorkloadFile) {
  const { encoder, predictor } = buildModels(w.config, 12345); // values replaced just below
  encoder.loadStateDict(readSafetensors(new Uint8Array(readFileSync(workloadPaths.encoder(dir)))).tensors);
  predictor.loadStateDict(readSafetensors(new Uint8Array(readFileSync(workloadPaths.predictor(dir)))).tensors);
  const masks: MaskPair[][] = Array.from({ length: w.steps }, (_, s) =>
    Array.from({ length: w.numMaskTypes }, (_, k) => ({
      context: readIndexBatch(workloadPaths.mask(dir, s, k, 'context')),
      target: readIndexBatch(workloadPaths.mask(dir, s, k, 'target')),
    })),
  );
  const clips = Array.from({ length: w.config.numBatches }, (_, j) => {
    const t = readNpy(new Uint8Array(readFileSync(workloadPaths.clips(dir, j))));
    return { data: t.data as Float32Array, shape: [...t.shape] };
  });
  return { encoder, predictor, masks, clips };
}

/**
 * Rows [from, to) of every sample-major array of a batch: clips [B, ...] and index batches [B, K].
 *
 * @example
 * const half = sliceRows(indexBatch, 0, 4);
 */
export function sliceRows(b: IndexBatch, from: number, to: number): IndexBatch {
  return { data: b.data.slice(from * b.length, to * b.length), batchSize: to - from, length: b.length };
}

/**
 * A clip batch (or rows of it) as a tensor `[b, T, H, W, 3]`.
 *
 * @example
 * const x = clipTensor(clips[0], 0, 8);
 */
export function clipTensor(c: { data: Float32Array; shape: number[] }, from: number, to: number): tf.Tensor {
  const row = c.shape.slice(1).reduce((a, b) => a * b, 1);
  return tf.tensor(c.data.subarray(from * row, to * row), [to - from, ...c.shape.slice(1)], 'float32');
}
