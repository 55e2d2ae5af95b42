import { MemoryLimitError } from '@vjepa/errors';
import { type MaskingStrategy, createRng } from '@vjepa/masking';
import { encoderSize } from '@vjepa/vit';
import { gridOf } from './masking-strategy';
import type { RunConfig } from './schema';

/**
 * What {@link estimateTrainingMemory} needs to know about one training step.
 *
 * @example
 * const facts: TrainingMemoryFacts = { batchSize: 16, tokens: 256, encoder: { embedDim: 192, depth: 6, numHeads: 3, hidden: 768, params: 2.9e6 }, predictor: { embedDim: 96, depth: 4, numHeads: 3, hidden: 384, params: 0.5e6 }, contextSizes: [90, 20], targetSizes: [160, 230], clipFloats: 16 * 8 * 64 * 64 * 3, recompute: false, targetEncoder: true };
 */
export interface TrainingMemoryFacts {
  batchSize: number;
  /** Tokens of a whole clip (the target encoder's input). */
  tokens: number;
  encoder: { embedDim: number; depth: number; numHeads: number; hidden: number; params: number };
  predictor: { embedDim: number; depth: number; numHeads: number; hidden: number; params: number };
  /** Context and target tokens per sample of each mask type (from the first step's masks). */
  contextSizes: readonly number[];
  targetSizes: readonly number[];
  /** Floats of one clip batch. */
  clipFloats: number;
  /** Activation checkpointing (`model.use_activation_checkpointing`). */
  recompute: boolean;
  /** An EMA target encoder (the features objective). */
  targetEncoder: boolean;
}

/**
 * An estimate of a training step's peak memory, by part (bytes).
 *
 * @example
 * const { bytes, summary } = estimateTrainingMemory(facts);
 */
export interface MemoryEstimate {
  bytes: number;
  parts: { weights: number; optimizer: number; gradients: number; activations: number; workspace: number };
  summary: string;
}

const F32 = 4;
/** Floats autograd keeps per token and block, in units of the width, with the fused kernels (measured on the D192 step). */
const SAVED_PER_TOKEN = 26;
/** Allocator slack and fragmentation of the wasm heap over live tensors (measured: ~15%). */
const SLACK = 1.15;

/** Bytes as GiB with one decimal (MiB below 1 GiB). */
export function formatBytes(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

/**
 * Peak memory of one training step, estimated from the model sizes, the batch and the masks: weights
 * (encoder, its EMA copy, predictor), AdamW moments, gradients (and their clipped copies), what
 * autograd keeps for the backward pass (the context encoder's and predictor's blocks: ~26 floats per
 * token and width with the fused kernels, or one when blocks are recomputed), and the largest
 * transient (the target encoder's MLP, one block of attention scores, a recomputed block and its
 * gradients), plus allocator slack. It matches the measured wasm heap within ~15% on the benchmark
 * configurations; it exists to refuse a run that cannot fit before it starts, not to the byte.
 *
 * @example
 * const estimate = estimateTrainingMemory(facts);
 * if (estimate.bytes > limit) throw memoryLimitError(estimate, { bytes: limit, what: 'the wasm heap' }, 'vit_large, batch 1');
 */
export function estimateTrainingMemory(f: TrainingMemoryFacts): MemoryEstimate {
  const { batchSize: b, encoder: e, predictor: p } = f;
  const trainable = e.params + p.params;
  const weights = (e.params * (f.targetEncoder ? 2 : 1) + p.params) * F32 + f.clipFloats * F32;
  const optimizer = 2 * trainable * F32;
  const gradients = 2 * trainable * F32; // the gradients and their clipped copies
  let saved = 0;
  let largestBlock = 0;
  f.contextSizes.forEach((kc, i) => {
    const encTokens = b * kc;
    const predTokens = b * (kc + (f.targetSizes[i] ?? 0));
    const perEncBlock = encTokens * e.embedDim * SAVED_PER_TOKEN * F32;
    const perPredBlock = predTokens * p.embedDim * SAVED_PER_TOKEN * F32;
    saved += f.recompute ? (encTokens * e.embedDim * e.depth + predTokens * p.embedDim * p.depth) * F32 : perEncBlock * e.depth + perPredBlock * p.depth;
    largestBlock = Math.max(largestBlock, perEncBlock, perPredBlock);
  });
  const full = b * f.tokens;
  const targetPass = f.targetEncoder ? full * (3 * e.hidden + 6 * e.embedDim) * F32 : 0; // one block's temporaries
  const scores = 2 * b * e.numHeads * f.tokens * f.tokens * F32; // fused attention's scores and probabilities, one block
  const workspace = Math.max(targetPass + scores, (f.recompute ? largestBlock : 0) + 3 * full * e.hidden * F32 * 0.5);
  const bytes = (weights + optimizer + gradients + saved + workspace) * SLACK;
  const parts = { weights, optimizer, gradients, activations: saved, workspace };
  const summary = `estimated peak ${formatBytes(bytes)} (weights ${formatBytes(weights)}, AdamW ${formatBytes(optimizer)}, gradients ${formatBytes(gradients)}, activations ${formatBytes(saved)}${f.recompute ? ' with recomputation' : ''}, workspace ${formatBytes(workspace)})`;
  return { bytes, parts, summary };
}

/**
 * A backend's memory ceiling, as the app found it (`@vjepa/backends`' `memoryLimit()`).
 *
 * @example
 * const limit: MemoryLimit = { bytes: 4 * 2 ** 30, what: 'the wasm heap (32-bit addresses)' };
 */
export interface MemoryLimit {
  bytes: number;
  what: string;
}

/**
 * The error for a run that cannot fit: the estimate, the limit, and what to change.
 *
 * @example
 * throw memoryLimitError(estimate, limit, 'training vit_large at batch 1');
 */
export function memoryLimitError(estimate: MemoryEstimate, limit: MemoryLimit, what: string, facts: Pick<TrainingMemoryFacts, 'batchSize' | 'recompute'>): MemoryLimitError {
  const p = estimate.parts;
  const fixed = (p.weights + p.optimizer + p.gradients) * SLACK;
  const bigger = 'a backend with more memory (--backend tfjs-node-gpu or webgpu on a GPU; tfjs-node or cpu, limited by RAM only)';
  const changes =
    fixed > limit.bytes
      ? [`the weights, AdamW moments and gradients alone need ${formatBytes(fixed)}, so no batch, crop or recomputation setting fits: a smaller model.model_name`, bigger]
      : [
          facts.batchSize > 1 ? 'lower data.batch_size' : null,
          'lower data.crop_size or data.num_frames (fewer tokens)',
          facts.recompute ? null : 'set model.use_activation_checkpointing=true (blocks recomputed: activations shrink ~25x)',
          'a smaller model.model_name',
          bigger,
        ].filter(Boolean);
  return new MemoryLimitError(what, {
    expected: `at most ${formatBytes(limit.bytes)} (${limit.what})`,
    received: estimate.summary,
    hint: `Stopped before the first step. To fit: ${changes.join('; ')}.`,
  });
}

/** Trainable parameters of a pre-norm block of width d and MLP width h (norms, qkv, proj, fc1, fc2). */
const blockParams = (d: number, h: number) => 4 * d + (3 * d * d + 3 * d) + (d * d + d) + (d * h + h) + (h * d + d);

/**
 * The facts of {@link estimateTrainingMemory} from a config alone, before any weight exists:
 * parameter counts from the sizes (the reference's modules), token counts from one draw of the
 * masking strategy (a throwaway generator; the run's own is untouched).
 *
 * @example
 * const estimate = estimateTrainingMemory(trainingMemoryFacts(config, strategy));
 */
export function trainingMemoryFacts(config: RunConfig, strategy: MaskingStrategy): TrainingMemoryFacts {
  const d = config.data;
  const m = config.model;
  const size = encoderSize(m);
  const grid = gridOf(config);
  const tokens = grid.t * grid.h * grid.w;
  const e = size.embedDim;
  const eh = Math.floor(e * size.mlpRatio + 1e-9);
  const pd = m.pred_embed_dim;
  const ph = Math.floor(pd * size.mlpRatio + 1e-9);
  const tubelet = d.num_frames > 1 ? d.tubelet_size : 1;
  const patchIn = tubelet * d.patch_size * d.patch_size * 3;
  const outDim = config.meta.objective === 'pixels' ? patchIn : e;
  const encoderParams = patchIn * e + e + size.depth * blockParams(e, eh) + 2 * e;
  const predictorParams = e * pd + pd + strategy.numMaskTypes * pd + m.pred_depth * blockParams(pd, ph) + 2 * pd + pd * outDim + outDim;
  const pairs = strategy.sample({ grid, batchSize: d.batch_size, rng: createRng(config.meta.seed), step: 0 });
  return {
    batchSize: d.batch_size,
    tokens,
    encoder: { embedDim: e, depth: size.depth, numHeads: size.numHeads, hidden: eh, params: encoderParams },
    predictor: { embedDim: pd, depth: m.pred_depth, numHeads: m.pred_num_heads ?? size.numHeads, hidden: ph, params: predictorParams },
    contextSizes: pairs.map((p) => p.context.length),
    targetSizes: pairs.map((p) => p.target.length),
    clipFloats: d.batch_size * d.num_frames * d.crop_size * d.crop_size * 3,
    recompute: m.use_activation_checkpointing === true,
    targetEncoder: config.meta.objective === 'features',
  };
}
