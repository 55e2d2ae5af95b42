import { ConfigError } from '@vjepa/errors';
import type { TrainConfig } from './schema';

/** Encoder sizes of the released model names (D, depth, heads); see vjepa-reference.md. */
export const MODEL_SIZES: Readonly<Record<string, { embedDim: number; depth: number; numHeads: number }>> = {
  vit_tiny: { embedDim: 192, depth: 12, numHeads: 3 },
  vit_small: { embedDim: 384, depth: 12, numHeads: 6 },
  vit_base: { embedDim: 768, depth: 12, numHeads: 12 },
  vit_large: { embedDim: 1024, depth: 24, numHeads: 16 },
  vit_huge: { embedDim: 1280, depth: 32, numHeads: 16 },
  vit_giant: { embedDim: 1408, depth: 40, numHeads: 16 },
};

/**
 * The encoder size a config asks for, from `model.model_name` or `model.embed_dim/depth/num_heads`.
 *
 * @example
 * encoderSize(config); // { embedDim: 128, depth: 4, numHeads: 4 }
 */
export function encoderSize(config: TrainConfig): { embedDim: number; depth: number; numHeads: number } {
  const m = config.model;
  if (m.model_name !== null) return MODEL_SIZES[m.model_name];
  return { embedDim: m.embed_dim as number, depth: m.depth as number, numHeads: m.num_heads as number };
}

function ordered(path: string, pair: readonly [number, number]): void {
  if (pair[0] > pair[1]) throw new ConfigError(path, { expected: '[min, max] with min <= max', received: JSON.stringify(pair) });
}

/**
 * Checks that keys agree with each other (things a per-key schema cannot see). Throws ConfigError
 * naming the key to change.
 *
 * @example
 * checkConsistency(config); // throws "data.crop_size: expected a multiple of data.patch_size (8), received 30."
 */
export function checkConsistency(config: TrainConfig): void {
  const { data, model, optimization } = config;
  if (data.crop_size % data.patch_size !== 0) {
    throw new ConfigError('data.crop_size', { expected: `a multiple of data.patch_size (${data.patch_size})`, received: String(data.crop_size) });
  }
  if (data.num_frames % data.tubelet_size !== 0) {
    throw new ConfigError('data.num_frames', { expected: `a multiple of data.tubelet_size (${data.tubelet_size})`, received: String(data.num_frames) });
  }
  const sizeKeys = [model.embed_dim, model.depth, model.num_heads];
  if (model.model_name === null) {
    const missing = (['embed_dim', 'depth', 'num_heads'] as const).filter((k) => model[k] === null);
    if (missing.length > 0) {
      throw new ConfigError(`model.${missing[0]}`, {
        expected: 'model.model_name, or all of model.embed_dim, model.depth and model.num_heads',
        received: 'null',
        hint: 'for example --set model.model_name=vit_small',
      });
    }
    if ((model.embed_dim as number) % (model.num_heads as number) !== 0) {
      throw new ConfigError('model.embed_dim', { expected: `a multiple of model.num_heads (${model.num_heads})`, received: String(model.embed_dim) });
    }
  } else if (sizeKeys.some((v) => v !== null)) {
    throw new ConfigError('model.model_name', {
      expected: 'either model.model_name or model.embed_dim/depth/num_heads, not both',
      received: `model_name ${model.model_name} with embed_dim ${model.embed_dim}, depth ${model.depth}, num_heads ${model.num_heads}`,
    });
  }
  const heads = encoderSize(config).numHeads;
  if (model.pred_embed_dim % heads !== 0) {
    throw new ConfigError('model.pred_embed_dim', { expected: `a multiple of the encoder's heads (${heads}); the predictor uses the encoder's head count`, received: String(model.pred_embed_dim) });
  }
  if (data.dataset_type !== 'moving_mnist' && data.datasets.length === 0) {
    throw new ConfigError('data.datasets', { expected: `at least one ${data.dataset_type === 'video_index' ? 'index file' : 'folder'} for dataset_type ${data.dataset_type}`, received: '[]' });
  }
  if (optimization.warmup > optimization.epochs) {
    throw new ConfigError('optimization.warmup', { expected: `at most optimization.epochs (${optimization.epochs})`, received: String(optimization.warmup) });
  }
  if (optimization.ema[0] > optimization.ema[1]) ordered('optimization.ema', optimization.ema);
  ordered('data_aug.random_resize_scale', config.data_aug.random_resize_scale);
  ordered('data_aug.random_resize_aspect_ratio', config.data_aug.random_resize_aspect_ratio);
  config.mask.forEach((m, k) => {
    ordered(`mask[${k}].spatial_scale`, m.spatial_scale);
    ordered(`mask[${k}].temporal_scale`, m.temporal_scale);
    ordered(`mask[${k}].aspect_ratio`, m.aspect_ratio);
  });
}
