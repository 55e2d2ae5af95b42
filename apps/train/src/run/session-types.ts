import type { MaskPair } from '@vjepa/masking';
import type { ClipBatch } from './batch-source';

/**
 * What one training step reports back to the app.
 *
 * @example
 * const m: StepMetrics = { loss: 0.7, lossJepa: 0.69, regLoss: 0.01, encGradNorm: 1.3, predGradNorm: 0.9, lr: 2e-5, wd: 0.04, ema: 0.998, featureSpread: 0.3 };
 */
export interface StepMetrics {
  /** Total loss: `lossJepa + reg_coeff * regLoss`. */
  loss: number;
  /** Mean of the per-mask-type losses. */
  lossJepa: number;
  /** The variance-regulariser term (logged even when its weight is 0). */
  regLoss: number;
  encGradNorm: number;
  predGradNorm: number;
  lr: number;
  wd: number;
  ema: number;
  /** Std of the predictions across tokens (the partial-collapse indicator). */
  featureSpread: number;
}

/**
 * The app's view of the trainer: models, optimiser and checkpoints behind one small interface, so
 * the run loop does not depend on how `@vjepa/trainer` spells them.
 *
 * @example
 * const session = await createTrainerSession(config, strategy, paths);
 * const metrics = await session.step(batch);
 */
export interface TrainerSession {
  /** The global step the next `step()` call performs (0 for a fresh run, N after resuming from step N). */
  readonly nextStep: number;
  /** Total steps of the run (`epochs * ipe`). */
  readonly totalSteps: number;
  /** The masks the next step will use (drawn from a copy of the trainer's masking RNG). */
  peekMasks(batchSize: number): readonly MaskPair[];
  /** Runs one optimisation step on a batch. */
  step(batch: ClipBatch): Promise<StepMetrics>;
  /** Saves a checkpoint of everything needed to resume (atomic); returns its path. */
  save(): Promise<string>;
  /** Saves the state before a failed step as `crash-step-XXXXXXXX` (not named by `latest`); returns its path. */
  saveCrash(): Promise<string>;
  /** The newest complete checkpoint in the run folder, or null. */
  latest(): Promise<{ path: string; step: number } | null>;
  /** Loads a checkpoint (models, optimiser, RNG, step); returns the step it resumes at. */
  resume(path: string): Promise<number>;
  /** Writes the target encoder (the encoder for the pixel objective) in the official layout; returns the path. */
  exportEncoder(path: string): Promise<string>;
  /** LR at a step (for the LR curve). */
  lrAt(step: number): number;
  dispose(): void;
}
