import type { StateDict } from '@vjepa/io';
import type { AdamWState } from '@vjepa/optim';
import type { RngState } from '@vjepa/rng';
import type { TrainerConfig } from './config';

/**
 * Everything a {@link Trainer} needs to continue exactly where it stopped, as one plain value:
 * `trainer.snapshot()` makes one, `trainer.restore(state)` loads one, and the checkpoint functions
 * write and read them (`saveCheckpoint(state, root)`, `loadCheckpoint(path)`) without ever touching
 * a Trainer. Weights are official-name state dicts; nothing in it is a tensor.
 *
 * @example
 * const state: TrainerState = await trainer.snapshot();
 * await saveCheckpoint(state, 'runs/tiny/checkpoints');
 * other.restore(await loadCheckpoint('runs/tiny/checkpoints')); // continues the same run
 */
export interface TrainerState {
  /** Steps done = the next iteration to run. */
  readonly iteration: number;
  /** The trainer seed (the masking stream is derived from it). */
  readonly seed: number;
  /** The trainer's resolved config. */
  readonly config: TrainerConfig;
  /** The masking generator, positioned for the next step. */
  readonly rng: RngState;
  /** The strategy the masks come from (a restore into another strategy is refused). */
  readonly masking: { readonly name: string; readonly numMaskTypes: number };
  /** The model configs (`VitConfig`, `PredictorConfig`): enough to rebuild the modules. */
  readonly models: { readonly encoder: unknown; readonly predictor: unknown };
  /** Official-name weights; `targetEncoder` is null for the pixel objective. */
  readonly weights: { readonly encoder: StateDict; readonly predictor: StateDict; readonly targetEncoder: StateDict | null };
  /** AdamW moments, steps and groups. */
  readonly optimizer: AdamWState;
  /**
   * Schedule values (informative: schedules are pure functions of the iteration): those the next
   * step will use, and the LR of the last step done (what the official export records as `lr`).
   */
  readonly schedules: {
    readonly lr: number;
    readonly wd: number;
    readonly momentum: number;
    readonly lrCounter: number;
    readonly momentumIndex: number;
    readonly lastLr?: number;
  };
}
