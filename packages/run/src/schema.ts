import { ConfigError } from '@vjepa/errors';
import { type z as Z, nonNegativeInt, positiveInt, z } from '@vjepa/config';
import { checkDataSection, checkPretrainingData, dataAugSection, dataSection } from '@vjepa/data';
import { checkMaskSection, maskSection } from '@vjepa/masking';
import { checkPredictorModelSection, predictorModelKeys } from '@vjepa/predictor';
import { checkOptimization, lossSection, optimizationSection } from '@vjepa/trainer';
import { checkVitModelSection, encoderSize, usesRope, vitModelKeys } from '@vjepa/vit';

/**
 * Backends a run can ask for (`meta.backend`; the CLI sets it up with `@vjepa/backends`).
 *
 * @example
 * BACKENDS.includes('wasm'); // true
 */
export const BACKENDS = ['auto', 'tfjs-node-gpu', 'webgpu', 'tfjs-node', 'wasm', 'cpu'] as const;

/**
 * The `meta` section (this package owns it): `seed`, `load_checkpoint` (ours: resume from the run
 * folder's latest checkpoint), `read_checkpoint` (a checkpoint to start from: our checkpoint directory,
 * or an official training checkpoint file, `*.pth.tar`, continued with its AdamW state), ours `backend` and
 * `objective` (`pixels` is the paper's comparison); `eval_freq`, `use_sdpa`, `dtype` are accepted from
 * the official configs.
 *
 * @example
 * parseConfig(metaSection, raw.meta, ['meta']);
 */
export const metaSection = z
  .object({
    seed: nonNegativeInt,
    load_checkpoint: z.boolean(), // ours: true resumes from the latest checkpoint in logging.folder
    read_checkpoint: z.string().min(1).nullable(), // a checkpoint to start from when the folder has none: one of our checkpoint directories, or an official training checkpoint file (*.pth.tar)
    backend: z.enum(BACKENDS), // ours
    replicas: positiveInt, // ours: data-parallel replicas of the training on worker threads (the apps' @vjepa/train-pool)
    objective: z.enum(['features', 'pixels']), // ours: pixels is the paper's comparison baseline
    // accepted from the official configs
    eval_freq: positiveInt,
    use_sdpa: z.boolean(),
    dtype: z.enum(['float32', 'bfloat16', 'float16']),
  })
  .strict();

/**
 * The `logging` section (this package owns it): `folder`, `write_tag` (official) and ours
 * `checkpoint_every` (steps) and `log_every` (progress lines when not a terminal).
 *
 * @example
 * parseConfig(loggingSection, raw.logging, ['logging']);
 */
export const loggingSection = z
  .object({
    folder: z.string().min(1),
    write_tag: z.string().min(1).regex(/^[\w.-]+$/, 'letters, digits, _, . or -'),
    checkpoint_every: positiveInt, // ours: steps between checkpoints (and one at the end)
    log_every: positiveInt, // ours: steps between progress lines when stdout is not a terminal
  })
  .strict();

/**
 * The whole config of a run, composed from the sections their packages own, under the official
 * section names: `data`, `data_aug` (`@vjepa/data`), `mask` (`@vjepa/masking`), `model` (the encoder
 * keys of `@vjepa/vit` and the predictor keys of `@vjepa/predictor`), `optimization`, `loss`
 * (`@vjepa/trainer`), `meta`, `logging` (this package), plus ours `mask_strategy_module`. Strict
 * everywhere: an unknown key is an error naming its full path. Cross-section checks are in
 * {@link checkRunConfig}.
 *
 * @example
 * const config = validateConfig(mergeLayers(DEFAULT_CONFIG, { optimization: { lr: 1e-3 } }));
 */
export const runConfigSchema = z
  .object({
    data: dataSection,
    data_aug: dataAugSection,
    mask: maskSection,
    mask_strategy_module: z.string().min(1).nullable(), // ours: "path/to/file.js#exportName"
    model: z.object({ ...vitModelKeys, ...predictorModelKeys }).strict(),
    optimization: optimizationSection,
    loss: lossSection,
    meta: metaSection,
    logging: loggingSection,
    // accepted from the official configs (cluster layout)
    app: z.string().optional(),
    nodes: positiveInt.optional(),
    tasks_per_node: positiveInt.optional(),
  })
  .strict();

/**
 * A validated, frozen run config (the official section names and keys).
 *
 * @example
 * const config: RunConfig = loadConfig({ preset: 'tiny-cpu' });
 * config.optimization.lr; // 5e-4
 */
export type RunConfig = Z.output<typeof runConfigSchema>;

/**
 * Checks keys against each other, each check by the section's owner (what a per-key schema cannot
 * see): crop a multiple of patch and frames of tubelet (`@vjepa/data`), `model_name` xor explicit
 * sizes and RoPE head widths (`@vjepa/vit`), the predictor width against its heads (and their width
 * under RoPE) and `num_mask_tokens` against the mask types (`@vjepa/predictor`), datasets and augmentation ranges (`@vjepa/data`), warmup and EMA
 * (`@vjepa/trainer`), mask ranges (`@vjepa/masking`). Throws ConfigError naming the key to change.
 *
 * @example
 * checkRunConfig(config); // throws "data.crop_size: expected a multiple of data.patch_size (8), received 30."
 */
export function checkRunConfig(config: RunConfig): void {
  checkDataSection(config.data);
  checkVitModelSection(config.model);
  const numMaskTypes = config.mask_strategy_module === null ? config.mask.length : undefined;
  checkPredictorModelSection(config.model, { encoderHeads: encoderSize(config.model).numHeads, numMaskTypes, useRope: usesRope(config.model) });
  checkPretrainingData(config.data, config.data_aug);
  checkOptimization(config.optimization);
  checkMaskSection(config.mask);
  if (config.data.batch_size % config.meta.replicas !== 0) {
    throw new ConfigError('meta.replicas', {
      expected: `a divisor of data.batch_size (${config.data.batch_size}): each replica trains on an equal share of every batch`,
      received: String(config.meta.replicas),
    });
  }
}
