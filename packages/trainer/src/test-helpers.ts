// Shared set-up for this package's tests (not exported from the package index).
import * as tf from '@tensorflow/tfjs-core';
import { multiblock3d, type MaskingStrategy } from '@vjepa/masking';
import { VJEPAPredictor, predictorConfigFor } from '@vjepa/predictor';
import { VisionTransformer } from '@vjepa/vit';

/** A tiny video ViT: 4 frames 16x16, patch 4, tubelet 2 -> 2x4x4 = 32 tokens, width 32. */
export const TINY_VIT = { embedDim: 32, depth: 2, numHeads: 4, patchSize: 4, tubeletSize: 2, numFrames: 4, imgSize: 16 } as const;

/** Two mask types scaled down from the released short/long-range ones. */
export function tinyMasking(): MaskingStrategy {
  const common = { aspectRatio: [0.75, 1.5] as [number, number], temporalScale: [1, 1] as [number, number], maxTemporalKeep: 1, maxKeep: null };
  return multiblock3d([
    { ...common, numBlocks: 2, spatialScale: [0.15, 0.15] as [number, number] },
    { ...common, numBlocks: 1, spatialScale: [0.5, 0.5] as [number, number] },
  ]);
}

/** Fresh encoder + predictor, seeded. `outDim` for the pixel objective. */
export function tinyModels(seed: number, outDim?: number): { encoder: VisionTransformer; predictor: VJEPAPredictor } {
  const encoder = new VisionTransformer(TINY_VIT, { seed });
  const predictor = new VJEPAPredictor(
    predictorConfigFor(encoder.config, { predictorEmbedDim: 16, depth: 1, numMaskTypes: 2, ...(outDim ? { outDim } : {}) }),
    { seed: seed + 1000 },
  );
  return { encoder, predictor };
}

/** A deterministic batch of clips [B, 4, 16, 16, 3]: smooth moving blobs plus seeded noise. */
export function tinyClips(batch: number, seed: number): tf.Tensor5D {
  return tf.tidy(() => {
    const t = tf.reshape(tf.range(0, 4), [1, 4, 1, 1, 1]);
    const y = tf.reshape(tf.range(0, 16), [1, 1, 16, 1, 1]);
    const x = tf.reshape(tf.range(0, 16), [1, 1, 1, 16, 1]);
    const phase = tf.reshape(tf.range(0, batch), [batch, 1, 1, 1, 1]);
    const wave = tf.sin(tf.add(tf.mul(tf.add(x, tf.mul(t, 2)), 0.4), tf.add(tf.mul(y, 0.3), phase))); // [B, 4, 16, 16, 1]
    const rgb = tf.concat([wave, tf.mul(wave, 0.5), tf.neg(wave)], 4); // [B, 4, 16, 16, 3]
    return tf.add(rgb, tf.randomNormal([batch, 4, 16, 16, 3], 0, 0.1, 'float32', seed)) as tf.Tensor5D;
  });
}
