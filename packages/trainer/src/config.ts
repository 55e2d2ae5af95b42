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

function num(path: string, value: unknown, range: { min?: number; max?: number; minOpen?: boolean; maxOpen?: boolean; int?: boolean }): number {
  const lo = range.min === undefined ? '-inf' : String(range.min);
  const hi = range.max === undefined ? 'inf' : String(range.max);
  const expected = `${range.int ? 'an integer' : 'a number'} in ${range.minOpen || range.min === undefined ? '(' : '['}${lo}, ${hi}${
    range.maxOpen || range.max === undefined ? ')' : ']'
  }`;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!range.int || Number.isSafeInteger(value)) &&
    (range.min === undefined || (range.minOpen ? value > range.min : value >= range.min)) &&
    (range.max === undefined || (range.maxOpen ? value < range.max : value <= range.max));
  if (!ok) throw new ConfigError(path, { expected, received: JSON.stringify(value) ?? String(value) });
  return value as number;
}

function pair(path: string, value: unknown, range: { min: number; max: number; maxOpen?: boolean }): [number, number] {
  if (!Array.isArray(value) || value.length !== 2) {
    throw new ConfigError(path, { expected: '[a, b], two numbers', received: JSON.stringify(value) ?? String(value) });
  }
  return [num(`${path}[0]`, value[0], range), num(`${path}[1]`, value[1], range)];
}

function section<T extends object>(path: string, input: unknown, defaults: T): T {
  if (input === undefined) return { ...defaults };
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ConfigError(path, { expected: 'an object', received: JSON.stringify(input) ?? String(input) });
  }
  for (const key of Object.keys(input)) {
    if (!(key in defaults)) {
      throw new ConfigError(`${path}.${key}`, { expected: `one of ${Object.keys(defaults).join(', ')}`, received: 'an unknown key' });
    }
  }
  const out = { ...defaults } as Record<string, unknown>;
  for (const [k, v] of Object.entries(input)) if (v !== undefined) out[k] = v;
  return out as T;
}

/**
 * Layers the input over the defaults, validates every key (the error names the key path and the
 * allowed range) and freezes the result. Model-dependent checks (mask types vs the predictor's mask
 * tokens, pixel output size) happen in `createTrainer`.
 *
 * @example
 * const config = resolveTrainerConfig({ optimization: { epochs: 10, ipe: 20, warmupEpochs: 1, lr: 1e-3 } });
 * resolveTrainerConfig({ optimization: { lr: -1 } }); // throws ConfigError "optimization.lr: expected a number in [0, inf)..."
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
  const o = section('optimization', input.optimization, DEFAULT_TRAINER_CONFIG.optimization);
  const epochs = num('optimization.epochs', o.epochs, { min: 1, int: true });
  const ipe = num('optimization.ipe', o.ipe, { min: 1, int: true });
  num('optimization.ipeScale', o.ipeScale, { min: 1 });
  const warmup = num('optimization.warmupEpochs', o.warmupEpochs, { min: 0, int: true });
  if (warmup > epochs) {
    throw new ConfigError('optimization.warmupEpochs', {
      expected: `an integer in [0, optimization.epochs = ${epochs}] (warmup cannot be longer than training)`,
      received: String(warmup),
    });
  }
  for (const key of ['startLr', 'lr', 'finalLr', 'weightDecay', 'finalWeightDecay'] as const) {
    num(`optimization.${key}`, o[key], { min: 0 });
  }
  pair('optimization.ema', o.ema, { min: 0, max: 1 });
  if (o.clipGrad !== null) num('optimization.clipGrad', o.clipGrad, { min: 0, minOpen: true });
  pair('optimization.betas', o.betas, { min: 0, max: 1, maxOpen: true });
  num('optimization.eps', o.eps, { min: 0, minOpen: true });

  const l = section('loss', input.loss, DEFAULT_TRAINER_CONFIG.loss);
  if (l.objective !== 'features' && l.objective !== 'pixels') {
    throw new ConfigError('loss.objective', { expected: "'features' or 'pixels'", received: JSON.stringify(l.objective) });
  }
  num('loss.lossExp', l.lossExp, { min: 0, minOpen: true });
  num('loss.regCoeff', l.regCoeff, { min: 0 });
  num('loss.encVarCoeff', l.encVarCoeff, { min: 0 });
  num('loss.encCovCoeff', l.encCovCoeff, { min: 0 });
  num('loss.targetLayerNormEps', l.targetLayerNormEps, { min: 0, minOpen: true });

  return deepFreeze({
    optimization: { ...o, ema: [o.ema[0], o.ema[1]] as const, betas: [o.betas[0], o.betas[1]] as const },
    loss: l,
  });
}
