import { z } from 'zod';

/*
 * The resolved training config: the official section names (data, data_aug, mask, model,
 * optimization, loss, meta, logging) with the official key names inside them, plus our own keys
 * where the official code has none (marked "ours"). Every object is strict: an unknown key is an
 * error that names its full path. Keys the official YAMLs carry that have no meaning here (cluster,
 * workers, dtype) are accepted so released configs load, and are ignored (marked "accepted").
 */

const positiveInt = z.number().int().min(1);
const nonNegativeInt = z.number().int().min(0);
const positive = z.number().gt(0);
const nonNegative = z.number().min(0);
const unitInterval = z.number().gt(0).max(1);
const range = (item: z.ZodNumber) => z.tuple([item, item]);

/** Dataset kinds the app can read. `moving_mnist` is generated from the embedded MNIST digits. */
export const DATASET_TYPES = ['moving_mnist', 'video_index', 'video_folder'] as const;
/** Backends `@vjepa/backends` can set up. */
export const BACKENDS = ['auto', 'tfjs-node-gpu', 'webgpu', 'wasm', 'cpu'] as const;
/** Released encoder sizes, by official `model_name`. */
export const MODEL_NAMES = ['vit_tiny', 'vit_small', 'vit_base', 'vit_large', 'vit_huge', 'vit_giant'] as const;

const dataSchema = z
  .object({
    dataset_type: z.enum(DATASET_TYPES), // ours (official: VideoDataset)
    datasets: z.array(z.string().min(1)), // index files (video_index) or folders (video_folder)
    batch_size: positiveInt,
    num_frames: positiveInt,
    crop_size: positiveInt,
    patch_size: positiveInt,
    tubelet_size: positiveInt,
    frame_step: positiveInt,
    num_clips: positiveInt,
    num_videos: positiveInt, // ours: how many Moving MNIST sequences to generate
    // accepted from the official configs, no effect here
    datasets_weights: z.array(nonNegative).nullable(),
    clip_duration: positive.nullable(),
    decode_one_clip: z.boolean(),
    filter_short_videos: z.boolean(),
    num_workers: nonNegativeInt,
    pin_mem: z.boolean(),
    prefetch: nonNegativeInt, // ours: batches the loader prepares ahead
  })
  .strict();

const dataAugSchema = z
  .object({
    random_resize_scale: range(unitInterval),
    random_resize_aspect_ratio: range(positive),
    horizontal_flip: z.boolean(), // ours: the official pretraining flips with p 0.5
    // accepted from the official configs
    auto_augment: z.boolean(),
    motion_shift: z.boolean(),
    reprob: nonNegative,
  })
  .strict();

const maskTypeSchema = z
  .object({
    num_blocks: positiveInt,
    spatial_scale: range(unitInterval),
    temporal_scale: range(unitInterval),
    aspect_ratio: range(positive),
    max_temporal_keep: unitInterval.default(1),
    max_keep: positiveInt.nullable().default(null),
  })
  .strict();

const modelSchema = z
  .object({
    model_name: z.enum(MODEL_NAMES).nullable(),
    embed_dim: positiveInt.nullable(), // ours: with depth and num_heads instead of model_name
    depth: positiveInt.nullable(),
    num_heads: positiveInt.nullable(),
    pred_depth: positiveInt,
    pred_embed_dim: positiveInt,
    uniform_power: z.boolean(),
    // accepted from the official configs
    use_mask_tokens: z.boolean(),
    zero_init_mask_tokens: z.boolean(),
  })
  .strict();

const optimizationSchema = z
  .object({
    ipe: positiveInt,
    ipe_scale: z.number().min(1),
    epochs: positiveInt,
    warmup: nonNegativeInt, // epochs (the trainer takes whole epochs, as the official code)
    start_lr: nonNegative,
    lr: positive,
    final_lr: nonNegative,
    weight_decay: nonNegative,
    final_weight_decay: nonNegative,
    ema: range(z.number().min(0).max(1)),
    clip_grad: positive.nullable(),
  })
  .strict();

const lossSchema = z
  .object({
    loss_exp: positive,
    reg_coeff: nonNegative,
    // ours (not in the reference): VICReg-style anti-collapse terms on the context encoder's tokens
    enc_var_coeff: nonNegative,
    enc_cov_coeff: nonNegative,
  })
  .strict();

const metaSchema = z
  .object({
    seed: nonNegativeInt,
    load_checkpoint: z.boolean(), // ours: true resumes from the latest checkpoint in logging.folder
    read_checkpoint: z.string().min(1).nullable(), // a checkpoint file to start from
    backend: z.enum(BACKENDS), // ours
    objective: z.enum(['features', 'pixels']), // ours: pixels is the paper's comparison baseline
    // accepted from the official configs
    eval_freq: positiveInt,
    use_sdpa: z.boolean(),
    dtype: z.enum(['float32', 'bfloat16', 'float16']),
  })
  .strict();

const loggingSchema = z
  .object({
    folder: z.string().min(1),
    write_tag: z.string().min(1).regex(/^[\w.-]+$/, 'letters, digits, _, . or -'),
    checkpoint_every: positiveInt, // ours: steps between checkpoints (and one at the end)
    log_every: positiveInt, // ours: steps between progress lines when stdout is not a terminal
  })
  .strict();

/**
 * The zod schema of a whole training config. Unknown keys anywhere are errors.
 *
 * @example
 * const result = trainConfigSchema.safeParse(merged);
 * if (!result.success) console.error(result.error.issues);
 */
export const trainConfigSchema = z
  .object({
    data: dataSchema,
    data_aug: dataAugSchema,
    mask: z.array(maskTypeSchema).min(1),
    mask_strategy_module: z.string().min(1).nullable(), // ours: "path/to/file.js#exportName"
    model: modelSchema,
    optimization: optimizationSchema,
    loss: lossSchema,
    meta: metaSchema,
    logging: loggingSchema,
    // accepted from the official configs (cluster layout)
    app: z.string().optional(),
    nodes: positiveInt.optional(),
    tasks_per_node: positiveInt.optional(),
  })
  .strict();

/**
 * A validated, frozen training config.
 *
 * @example
 * const config: TrainConfig = loadConfig({ preset: 'tiny-cpu' });
 * config.optimization.lr; // 2e-4
 */
export type TrainConfig = z.infer<typeof trainConfigSchema>;
