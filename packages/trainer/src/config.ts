import { type z as Z, nonNegative, nonNegativeInt, parseConfig, positive, positiveInt, z } from '@vjepa/config';
import { ConfigError } from '@vjepa/errors';

/**
 * Optimisation section (official names in comments). Defaults are the released V-JEPA recipe.
 *
 * @example
 * const o: OptimizationConfig = { ...DEFAULT_TRAINER_CONFIG.optimization, epochs: 10, ipe: 50 };
 */
export interface OptimizationConfig {
  /** `num_epochs`: training stops after `epochs * ipe` steps. Default 300. */
  readonly epochs: number;
  /** `ipe`: iterations per epoch. Default 300. */
  readonly ipe: number;
  /** `ipe_scale`: the schedules run over `int(ipeScale * epochs * ipe)` steps. Default 1.25. */
  readonly ipeScale: number;
  /** `warmup`: LR warmup length in epochs; also the epoch after which clipping starts. Default 40. */
  readonly warmupEpochs: number;
  /** `start_lr`. Default 2e-4. */
  readonly startLr: number;
  /** `lr`: the peak LR at the end of warmup. Default 6.25e-4. */
  readonly lr: number;
  /** `final_lr`. Default 1e-6. */
  readonly finalLr: number;
  /** `weight_decay` at step 0. Default 0.04. */
  readonly weightDecay: number;
  /** `final_weight_decay`. Default 0.4. */
  readonly finalWeightDecay: number;
  /** `ema`: target-encoder momentum from `ema[0]` to `ema[1]`, linearly. Default [0.998, 1.0]. */
  readonly ema: readonly [number, number];
  /** `clip_grad`: per-module gradient-norm clip, applied only when `epoch > warmupEpochs`; null disables. Default 10. */
  readonly clipGrad: number | null;
  /** AdamW betas. Default [0.9, 0.999]. */
  readonly betas: readonly [number, number];
  /** AdamW eps. Default 1e-8. */
  readonly eps: number;
}

/**
 * Loss section.
 *
 * @example
 * const l: LossConfig = { ...DEFAULT_TRAINER_CONFIG.loss, regCoeff: 1 };
 */
export interface LossConfig {
  /** `'features'` (V-JEPA) or `'pixels'` (normalised-pixel MSE, VideoMAE-style, for comparison). */
  readonly objective: 'features' | 'pixels';
  /** `loss_exp` p: per-type loss `mean(|pred - target|^p) / p`. Default 1. */
  readonly lossExp: number;
  /** `reg_coeff`: weight of the variance regulariser. Default 0. */
  readonly regCoeff: number;
  /**
   * Weight of a VICReg-style variance hinge on the context encoder's output tokens (our anti-collapse
   * extension, not in the reference). Default 0: off, the reference loss.
   */
  readonly encVarCoeff: number;
  /** Weight of the matching covariance term (our extension). Default 0: off. */
  readonly encCovCoeff: number;
  /** eps of the parameter-free layer norm on the targets (PyTorch's `F.layer_norm` default). Default 1e-5. */
  readonly targetLayerNormEps: number;
}

/**
 * The resolved, validated and frozen trainer configuration.
 *
 * @example
 * const config: TrainerConfig = resolveTrainerConfig({ optimization: { epochs: 2, ipe: 10, warmupEpochs: 1 } });
 */
export interface TrainerConfig {
  readonly optimization: OptimizationConfig;
  readonly loss: LossConfig;
}

/**
 * What users pass: any subset of each section; the rest comes from {@link DEFAULT_TRAINER_CONFIG}.
 *
 * @example
 * const input: TrainerConfigInput = { optimization: { lr: 1e-3 }, loss: { regCoeff: 1 } };
 */
export interface TrainerConfigInput {
  readonly optimization?: Partial<OptimizationConfig>;
  readonly loss?: Partial<LossConfig>;
}

/**
 * The released V-JEPA recipe (ViT-L/H 300 epochs): warmup 40, LR 2e-4 -> 6.25e-4 -> 1e-6, WD 0.04 -> 0.4,
 * EMA 0.998 -> 1.0, clip 10, L1 loss, no regulariser.
 *
 * @example
 * resolveTrainerConfig({}).optimization.lr === DEFAULT_TRAINER_CONFIG.optimization.lr; // true
 */
export const DEFAULT_TRAINER_CONFIG: TrainerConfig = deepFreeze({
  optimization: {
    epochs: 300,
    ipe: 300,
    ipeScale: 1.25,
    warmupEpochs: 40,
    startLr: 2e-4,
    lr: 6.25e-4,
    finalLr: 1e-6,
    weightDecay: 0.04,
    finalWeightDecay: 0.4,
    ema: [0.998, 1.0] as const,
    clipGrad: 10,
    betas: [0.9, 0.999] as const,
    eps: 1e-8,
  },
  loss: { objective: 'features', lossExp: 1, regCoeff: 0, encVarCoeff: 0, encCovCoeff: 0, targetLayerNormEps: 1e-5 },
});

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value as object)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/*
 * One table per section: each field's official key (null: ours, not in the official configs) and its
 * schema. Both the official sections apps read from YAML (`optimization.warmup`, ...) and this
 * package's own camelCase config (`optimization.warmupEpochs`, ...) are built from it, so they accept
 * exactly the same values.
 */
type Field = { readonly official: string | null; readonly schema: Z.ZodTypeAny };
const pairOf = (item: Z.ZodNumber) => z.tuple([item, item]);

const OPTIMIZATION_FIELDS: Record<keyof OptimizationConfig, Field> = {
  epochs: { official: 'epochs', schema: positiveInt },
  ipe: { official: 'ipe', schema: positiveInt },
  ipeScale: { official: 'ipe_scale', schema: z.number().min(1) },
  warmupEpochs: { official: 'warmup', schema: nonNegativeInt }, // whole epochs, as the reference
  startLr: { official: 'start_lr', schema: nonNegative },
  lr: { official: 'lr', schema: positive },
  finalLr: { official: 'final_lr', schema: nonNegative },
  weightDecay: { official: 'weight_decay', schema: nonNegative },
  finalWeightDecay: { official: 'final_weight_decay', schema: nonNegative },
  ema: { official: 'ema', schema: pairOf(z.number().min(0).max(1)) },
  clipGrad: { official: 'clip_grad', schema: positive.nullable() },
  betas: { official: null, schema: pairOf(z.number().min(0).lt(1)) },
  eps: { official: null, schema: positive },
};

const LOSS_FIELDS: Record<keyof LossConfig, Field> = {
  objective: { official: null, schema: z.enum(['features', 'pixels']) }, // the apps' meta.objective
  lossExp: { official: 'loss_exp', schema: positive },
  regCoeff: { official: 'reg_coeff', schema: nonNegative },
  // ours (not in the reference): VICReg-style anti-collapse terms on the context encoder's tokens
  encVarCoeff: { official: 'enc_var_coeff', schema: nonNegative },
  encCovCoeff: { official: 'enc_cov_coeff', schema: nonNegative },
  targetLayerNormEps: { official: null, schema: positive },
};

function shape(fields: Record<string, Field>, names: 'official' | 'camel'): Record<string, Z.ZodTypeAny> {
  const out: Record<string, Z.ZodTypeAny> = {};
  for (const [camel, f] of Object.entries(fields)) {
    const key = names === 'camel' ? camel : f.official;
    if (key !== null) out[key] = f.schema;
  }
  return out;
}

/**
 * The official `optimization` section (this package owns it): `ipe, ipe_scale, epochs, warmup`
 * (whole epochs)`, start_lr, lr, final_lr, weight_decay, final_weight_decay, ema, clip_grad`. Strict.
 *
 * @example
 * parseConfig(optimizationSection, raw.optimization, ['optimization']);
 */
export const optimizationSection = z.object(shape(OPTIMIZATION_FIELDS, 'official')).strict() as unknown as Z.ZodObject<
  {
    ipe: typeof positiveInt;
    ipe_scale: Z.ZodNumber;
    epochs: typeof positiveInt;
    warmup: typeof nonNegativeInt;
    start_lr: Z.ZodNumber;
    lr: Z.ZodNumber;
    final_lr: Z.ZodNumber;
    weight_decay: Z.ZodNumber;
    final_weight_decay: Z.ZodNumber;
    ema: Z.ZodTuple<[Z.ZodNumber, Z.ZodNumber]>;
    clip_grad: Z.ZodNullable<Z.ZodNumber>;
  },
  'strict'
>;

/**
 * The official `loss` section (this package owns it): `loss_exp, reg_coeff` and ours `enc_var_coeff,
 * enc_cov_coeff` (0 = the reference objective). Strict.
 *
 * @example
 * parseConfig(lossSection, raw.loss, ['loss']);
 */
export const lossSection = z.object(shape(LOSS_FIELDS, 'official')).strict() as unknown as Z.ZodObject<
  { loss_exp: Z.ZodNumber; reg_coeff: Z.ZodNumber; enc_var_coeff: Z.ZodNumber; enc_cov_coeff: Z.ZodNumber },
  'strict'
>;

/**
 * A validated official `optimization` section.
 *
 * @example
 * const o: OptimizationSection = config.optimization;
 */
export type OptimizationSection = Z.output<typeof optimizationSection>;

/**
 * A validated official `loss` section.
 *
 * @example
 * const l: LossSection = config.loss;
 */
export type LossSection = Z.output<typeof lossSection>;

const trainerConfigSchema = z
  .object({ optimization: z.object(shape(OPTIMIZATION_FIELDS, 'camel')).strict(), loss: z.object(shape(LOSS_FIELDS, 'camel')).strict() })
  .strict();

/**
 * Checks the `optimization` keys against each other: warmup no longer than training, EMA momentum
 * not decreasing. `names` says how the keys are spelt in the message (official for config files,
 * camelCase for this package's config). Throws ConfigError naming the key.
 *
 * @example
 * checkOptimization({ epochs: 10, warmup: 20, ema: [0.99, 1] }); // optimization.warmup: expected an integer in [0, optimization.epochs = 10] ...
 */
export function checkOptimization(o: { epochs: number; warmup: number; ema: readonly [number, number] }, names: 'official' | 'camel' = 'official'): void {
  const warmup = names === 'official' ? 'optimization.warmup' : 'optimization.warmupEpochs';
  if (o.warmup > o.epochs) {
    throw new ConfigError(warmup, { expected: `an integer in [0, optimization.epochs = ${o.epochs}] (warmup cannot be longer than training)`, received: String(o.warmup) });
  }
  if (o.ema[0] > o.ema[1]) throw new ConfigError('optimization.ema', { expected: '[start, end] with start <= end', received: JSON.stringify(o.ema) });
}

/**
 * The trainer config of the official `optimization` and `loss` sections and the objective (the
 * apps' `meta.objective`): every key mapped, none accepted and then ignored.
 *
 * @example
 * createTrainer({ encoder, predictor, masking, config: trainerConfigFromSections(config, config.meta.objective) });
 */
export function trainerConfigFromSections(sections: { optimization: OptimizationSection; loss: LossSection }, objective: LossConfig['objective'] = 'features'): TrainerConfigInput {
  const rename = (fields: Record<string, Field>, section: Record<string, unknown>) => {
    const out: Record<string, unknown> = {};
    for (const [camel, f] of Object.entries(fields)) if (f.official !== null && f.official in section) out[camel] = section[f.official];
    return out;
  };
  return {
    optimization: rename(OPTIMIZATION_FIELDS, sections.optimization) as Partial<OptimizationConfig>,
    loss: { ...(rename(LOSS_FIELDS, sections.loss) as Partial<LossConfig>), objective },
  };
}

function section(path: string, input: unknown, defaults: object): Record<string, unknown> {
  if (input === undefined) return { ...defaults };
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ConfigError(path, { expected: 'an object', received: JSON.stringify(input) ?? String(input) });
  }
  const out: Record<string, unknown> = { ...defaults };
  for (const [k, v] of Object.entries(input)) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * Layers the input over the defaults, validates every key with the same schemas as the official
 * sections (ConfigError with the key path, what was expected and received) and freezes the result.
 * Model-dependent checks (mask types vs the predictor's mask tokens, pixel output size) happen in
 * `createTrainer`.
 *
 * @example
 * const config = resolveTrainerConfig({ optimization: { epochs: 10, ipe: 20, warmupEpochs: 1, lr: 1e-3 } });
 * resolveTrainerConfig({ optimization: { lr: -1 } }); // throws ConfigError "optimization.lr: expected a number > 0, received -1."
 */
export function resolveTrainerConfig(input: TrainerConfigInput = {}): TrainerConfig {
  if (input === null || typeof input !== 'object') {
    throw new ConfigError('trainer config', { expected: 'an object', received: String(input) });
  }
  for (const key of Object.keys(input)) {
    if (!(key in DEFAULT_TRAINER_CONFIG)) {
      throw new ConfigError(key, { expected: 'one of optimization, loss', received: 'an unknown section' });
    }
  }
  const merged = {
    optimization: section('optimization', input.optimization, DEFAULT_TRAINER_CONFIG.optimization),
    loss: section('loss', input.loss, DEFAULT_TRAINER_CONFIG.loss),
  };
  const parsed = parseConfig(trainerConfigSchema, merged) as unknown as TrainerConfig;
  const o = parsed.optimization;
  checkOptimization({ epochs: o.epochs, warmup: o.warmupEpochs, ema: o.ema }, 'camel');
  return deepFreeze(parsed);
}
