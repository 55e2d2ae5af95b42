import { ConfigError } from '@vjepa/errors';

// V-JEPA's three schedules, as pure functions of the step so that resuming a run needs nothing but
// the step counter. The reference steps its LR and WD schedulers *before* reading them, so training
// iteration i (0-based) uses the scheduler value at counter i + 1; the EMA momentum is read from a
// generator whose first value (i = 0) is used by the first iteration. `forIteration(i)` hides that.

function finite(what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ConfigError(what, { expected: 'a finite number', received: String(value) });
  }
  return value;
}

function nonNegativeInt(what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new ConfigError(what, { expected: 'an integer >= 0', received: String(value) });
  }
  return value;
}

function checkStep(what: string, step: number): void {
  if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) {
    throw new ConfigError(what, { expected: 'an integer step >= 0', received: String(step) });
  }
}

/**
 * The schedules' horizon: `int(ipeScale * epochs * ipe)` steps, while training stops after
 * `epochs * ipe` (the reference stretches the schedules by `ipe_scale`, 1.25 in every release).
 *
 * @example
 * scheduleLength({ epochs: 300, ipe: 300, ipeScale: 1.25 }); // 112500
 */
export function scheduleLength(options: { epochs: number; ipe: number; ipeScale: number }): number {
  const epochs = finite('scheduleLength: epochs', options.epochs);
  const ipe = finite('scheduleLength: ipe', options.ipe);
  const ipeScale = finite('scheduleLength: ipeScale', options.ipeScale);
  // Same float product order as the reference: ipe_scale * num_epochs * ipe.
  return Math.trunc(ipeScale * epochs * ipe);
}

/**
 * Options of {@link WarmupCosineSchedule}.
 *
 * @example
 * const o: WarmupCosineOptions = { warmupSteps: 12000, startLr: 2e-4, refLr: 6.25e-4, finalLr: 1e-6, totalSteps: 112500 };
 */
export interface WarmupCosineOptions {
  /** Linear warmup length in steps (`warmup_epochs * ipe`). */
  readonly warmupSteps: number;
  /** LR at step 0. */
  readonly startLr: number;
  /** LR at the end of warmup (the peak). */
  readonly refLr: number;
  /** Floor of the cosine decay. */
  readonly finalLr: number;
  /** Total schedule length in steps, warmup included (see {@link scheduleLength}). */
  readonly totalSteps: number;
}

/**
 * Linear warmup from `startLr` to `refLr`, then half-cosine from `refLr` to `finalLr`:
 * for `step < warmup`, `lr = start + (step / warmup) * (ref - start)`; after it,
 * `progress = (step - warmup) / (T - warmup)` and
 * `lr = max(final, final + (ref - final) * 0.5 * (1 + cos(pi * progress)))`.
 *
 * @example
 * const lr = new WarmupCosineSchedule({ warmupSteps: 12000, startLr: 2e-4, refLr: 6.25e-4, finalLr: 1e-6, totalSteps: 112500 });
 * lr.forIteration(0);     // value at counter 1 (the reference pre-increments)
 * lr.at(12000);           // 6.25e-4
 */
export class WarmupCosineSchedule {
  readonly options: WarmupCosineOptions;

  constructor(options: WarmupCosineOptions) {
    const warmupSteps = nonNegativeInt('WarmupCosineSchedule: warmupSteps', options.warmupSteps);
    const totalSteps = nonNegativeInt('WarmupCosineSchedule: totalSteps', options.totalSteps);
    for (const key of ['startLr', 'refLr', 'finalLr'] as const) {
      const v = finite(`WarmupCosineSchedule: ${key}`, options[key]);
      if (v < 0) throw new ConfigError(`WarmupCosineSchedule: ${key}`, { expected: 'a number >= 0', received: String(v) });
    }
    if (warmupSteps > totalSteps) {
      throw new ConfigError('WarmupCosineSchedule: warmupSteps', {
        expected: `at most totalSteps (${totalSteps})`,
        received: String(warmupSteps),
      });
    }
    this.options = Object.freeze({ ...options });
  }

  /** The value at scheduler counter `step` (the raw formula). */
  at(step: number): number {
    checkStep('WarmupCosineSchedule.at(step)', step);
    const { warmupSteps, startLr, refLr, finalLr, totalSteps } = this.options;
    if (step < warmupSteps) {
      const progress = step / Math.max(1, warmupSteps);
      return startLr + progress * (refLr - startLr);
    }
    const progress = (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
    return Math.max(finalLr, finalLr + (refLr - finalLr) * 0.5 * (1 + Math.cos(Math.PI * progress)));
  }

  /** The value training iteration `i` (0-based) uses: `at(i + 1)`. */
  forIteration(i: number): number {
    checkStep('WarmupCosineSchedule.forIteration(i)', i);
    return this.at(i + 1);
  }
}

/**
 * Options of {@link CosineWDSchedule}.
 *
 * @example
 * const o: CosineWDOptions = { refWd: 0.04, finalWd: 0.4, totalSteps: 112500 };
 */
export interface CosineWDOptions {
  /** Weight decay at step 0 (`weight_decay`). */
  readonly refWd: number;
  /** Weight decay at the end of the schedule (`final_weight_decay`). */
  readonly finalWd: number;
  /** Total schedule length in steps (see {@link scheduleLength}). */
  readonly totalSteps: number;
}

/**
 * Half-cosine from `refWd` to `finalWd` over `totalSteps`: `progress = step / T`,
 * `wd = final + (ref - final) * 0.5 * (1 + cos(pi * progress))`, clamped so it never passes `finalWd`.
 * In V-JEPA it *increases* (0.04 -> 0.4).
 *
 * @example
 * const wd = new CosineWDSchedule({ refWd: 0.04, finalWd: 0.4, totalSteps: 112500 });
 * wd.forIteration(0); // value at counter 1, just above 0.04
 */
export class CosineWDSchedule {
  readonly options: CosineWDOptions;

  constructor(options: CosineWDOptions) {
    nonNegativeInt('CosineWDSchedule: totalSteps', options.totalSteps);
    for (const key of ['refWd', 'finalWd'] as const) {
      const v = finite(`CosineWDSchedule: ${key}`, options[key]);
      if (v < 0) throw new ConfigError(`CosineWDSchedule: ${key}`, { expected: 'a number >= 0', received: String(v) });
    }
    this.options = Object.freeze({ ...options });
  }

  /** The value at scheduler counter `step` (the raw formula). */
  at(step: number): number {
    checkStep('CosineWDSchedule.at(step)', step);
    const { refWd, finalWd, totalSteps } = this.options;
    const progress = step / Math.max(1, totalSteps);
    const wd = finalWd + (refWd - finalWd) * 0.5 * (1 + Math.cos(Math.PI * progress));
    return finalWd <= refWd ? Math.max(finalWd, wd) : Math.min(finalWd, wd);
  }

  /** The value training iteration `i` (0-based) uses: `at(i + 1)`. */
  forIteration(i: number): number {
    checkStep('CosineWDSchedule.forIteration(i)', i);
    return this.at(i + 1);
  }
}

/**
 * Options of {@link LinearMomentumSchedule}.
 *
 * @example
 * const o: LinearMomentumOptions = { start: 0.998, end: 1.0, totalSteps: 112500 };
 */
export interface LinearMomentumOptions {
  /** EMA momentum at iteration 0 (`ema[0]`). */
  readonly start: number;
  /** EMA momentum at iteration `totalSteps` (`ema[1]`). */
  readonly end: number;
  /** Total schedule length in steps (see {@link scheduleLength}). */
  readonly totalSteps: number;
}

/**
 * Linear EMA momentum: iteration `i` (0-based, the first iteration uses i = 0) uses
 * `start + i * (end - start) / T`.
 *
 * @example
 * const ema = new LinearMomentumSchedule({ start: 0.998, end: 1.0, totalSteps: 112500 });
 * ema.forIteration(0);      // 0.998
 * ema.forIteration(89999);  // ~0.9996
 */
export class LinearMomentumSchedule {
  readonly options: LinearMomentumOptions;

  constructor(options: LinearMomentumOptions) {
    nonNegativeInt('LinearMomentumSchedule: totalSteps', options.totalSteps);
    for (const key of ['start', 'end'] as const) {
      const v = finite(`LinearMomentumSchedule: ${key}`, options[key]);
      if (v < 0 || v > 1) throw new ConfigError(`LinearMomentumSchedule: ${key}`, { expected: 'a number in [0, 1]', received: String(v) });
    }
    this.options = Object.freeze({ ...options });
  }

  /** The momentum training iteration `i` (0-based) uses. */
  forIteration(i: number): number {
    checkStep('LinearMomentumSchedule.forIteration(i)', i);
    const { start, end, totalSteps } = this.options;
    return start + (i * (end - start)) / Math.max(1, totalSteps);
  }
}
