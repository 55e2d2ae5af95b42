import { totalmem } from 'node:os';
import { ConfigError } from '@vjepa/errors';
import { encoderSize } from '@vjepa/vit';
import type { RunConfig } from './schema';

/**
 * A lower bound of the memory one training step of a config needs, in bytes, and its parts: what
 * cannot be avoided whatever the backend. It is deliberately an underestimate (no attention scores,
 * no saved activations of the context encoder, no allocator slack), so a config it refuses can never
 * fit; a config it accepts may still be too large (the trainer's own estimate judges that).
 *
 * @example
 * stepMemoryLowerBound(config).bytes; // 1.2e9
 */
export interface StepMemoryBound {
  bytes: number;
  /** `[B, T, H, W, 3]` float32 clip batches held at once: the one being trained on and `data.prefetch` more. */
  clipBatches: number;
  /** Encoder, target encoder, predictor, their gradients and the AdamW moments (float32). */
  weights: number;
  /** The targets and input tokens of the step: two `[B, N, D]` float32 arrays. */
  activations: number;
  /** Bytes each extra clip of the batch adds. */
  perClip: number;
}

/** Weights of a transformer of width `d`, depth `depth` and MLP ratio `mlp` (no biases or norms: a lower bound). */
const blockWeights = (d: number, depth: number, mlp: number): number => depth * (4 + 2 * mlp) * d * d;

/**
 * {@link StepMemoryBound} of a config.
 *
 * @example
 * const { bytes, perClip } = stepMemoryLowerBound(loadConfig({ set: ['data.batch_size=8'] }));
 */
export function stepMemoryLowerBound(config: RunConfig): StepMemoryBound {
  const d = config.data;
  const size = encoderSize(config.model);
  const tokens = Math.floor(d.num_frames / d.tubelet_size) * Math.floor(d.crop_size / d.patch_size) ** 2;
  const clip = d.num_frames * d.crop_size * d.crop_size * 3 * 4;
  const clipBatches = (d.prefetch + 1) * d.batch_size * clip;
  const encoder = blockWeights(size.embedDim, size.depth, size.mlpRatio) * 4;
  const pred = config.model.pred_embed_dim;
  const predictor = blockWeights(pred, config.model.pred_depth, size.mlpRatio) * 4;
  // encoder: weights, gradients, two moments, and the target copy; predictor: all but the copy
  const weights = 5 * encoder + 4 * predictor;
  const activations = 2 * d.batch_size * tokens * size.embedDim * 4;
  const perClip = (d.prefetch + 1) * clip + 2 * tokens * size.embedDim * 4;
  return { bytes: clipBatches + weights + activations, clipBatches, weights, activations, perClip };
}

const gib = (bytes: number): string => (bytes >= 2 ** 40 ? `${(bytes / 2 ** 40).toFixed(1)} TiB` : `${(bytes / 2 ** 30).toFixed(2)} GiB`);

/**
 * Refuses, before anything is allocated, a config whose training step cannot fit in memory: when
 * the {@link stepMemoryLowerBound} exceeds `memoryBytes` (default this machine's physical memory,
 * `os.totalmem()`), a ConfigError on `data.batch_size` with the estimate, the limit and the
 * largest batch that passes this bound. `data.batch_size: 1e9` is refused in microseconds instead of
 * growing to gigabytes for minutes. The CLIs call it before the backend starts; {@link runTraining}
 * calls it first thing.
 *
 * @example
 * checkRunFits(loadConfig({ set: ['data.batch_size=1e9'] })); // ConfigError: data.batch_size: expected ...
 */
export function checkRunFits(config: RunConfig, options: { memoryBytes?: number } = {}): StepMemoryBound {
  const limit = options.memoryBytes ?? totalmem();
  const bound = stepMemoryLowerBound(config);
  if (bound.bytes > limit) {
    const fixed = bound.bytes - bound.perClip * config.data.batch_size;
    const most = Math.max(0, Math.floor((limit - fixed) / bound.perClip));
    throw new ConfigError(`data.batch_size ${config.data.batch_size}`, {
      expected: `a training step that fits in this machine's ${gib(limit)} of memory`,
      received: `a step that needs at least ${gib(bound.bytes)} (clip batches ${gib(bound.clipBatches)}, weights and AdamW state ${gib(bound.weights)}, step activations ${gib(bound.activations)}; a lower bound)`,
      hint:
        most >= 1
          ? `lower data.batch_size to at most ${most} (this bound; the real need is higher), or the clip size (data.num_frames, data.crop_size)`
          : 'even one clip does not fit: use a smaller model (model.model_name / embed_dim) or clip size',
    });
  }
  return bound;
}
