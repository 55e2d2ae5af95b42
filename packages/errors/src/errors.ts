import { previewValue } from './preview-value';
import { VjepaError, hasMarker } from './vjepa-error';

/**
 * A configuration value that cannot work. `what` is the key path, e.g. `optimization.lr`.
 *
 * @example
 * throw new ConfigError('optimization.lr', { expected: 'a number > 0', received: String(lr) });
 */
export class ConfigError extends VjepaError {
  static override readonly marker: string = 'vjepa.error.ConfigError';
  /** True for a ConfigError (or subclass), even from another copy of this package. */
  static override isInstance(error: unknown): error is ConfigError {
    return hasMarker(error, ConfigError.marker);
  }
}

/**
 * A tensor or array whose shape or dtype is not what an operation needs.
 *
 * @example
 * throw new ShapeError('input clip', { expected: '[B, T, H, W, 3]', received: `[${x.shape}]` });
 */
export class ShapeError extends VjepaError {
  static override readonly marker: string = 'vjepa.error.ShapeError';
  /** True for a ShapeError (or subclass), even from another copy of this package. */
  static override isInstance(error: unknown): error is ShapeError {
    return hasMarker(error, ShapeError.marker);
  }
}

/**
 * A mask that breaks the masking contract (out of range, overlapping, empty, ragged).
 *
 * @example
 * throw new MaskError('mask type 0, sample 3', { expected: 'indices in [0, 1568)', received: '1570' });
 */
export class MaskError extends VjepaError {
  static override readonly marker: string = 'vjepa.error.MaskError';
  /** True for a MaskError (or subclass), even from another copy of this package. */
  static override isInstance(error: unknown): error is MaskError {
    return hasMarker(error, MaskError.marker);
  }
}

/**
 * A checkpoint or weight file that is missing, corrupt, foreign or does not match the model.
 *
 * @example
 * throw new CheckpointError('ckpt.pth.tar: key "encoder"', { expected: 'a state dict', received: 'None' });
 */
export class CheckpointError extends VjepaError {
  static override readonly marker: string = 'vjepa.error.CheckpointError';
  /** True for a CheckpointError (or subclass), even from another copy of this package. */
  static override isInstance(error: unknown): error is CheckpointError {
    return hasMarker(error, CheckpointError.marker);
  }
}

/**
 * A dataset, video or index entry that cannot be used.
 *
 * @example
 * throw new DataError('train.txt line 4', { expected: '"path label"', received: '"clip.mp4"' });
 */
export class DataError extends VjepaError {
  static override readonly marker: string = 'vjepa.error.DataError';
  /** True for a DataError (or subclass), even from another copy of this package. */
  static override isInstance(error: unknown): error is DataError {
    return hasMarker(error, DataError.marker);
  }
}

/**
 * A backend that cannot be loaded or lacks something a computation needs.
 *
 * @example
 * throw new BackendError('tfjs-node-gpu', { expected: 'a built native addon', received: 'none', hint: '...' });
 */
export class BackendError extends VjepaError {
  static override readonly marker: string = 'vjepa.error.BackendError';
  /** True for a BackendError (or subclass), even from another copy of this package. */
  static override isInstance(error: unknown): error is BackendError {
    return hasMarker(error, BackendError.marker);
  }
}

/**
 * The loss became NaN or infinite. Carries the step and what was logged for it.
 *
 * @example
 * throw new NonFiniteLossError(step, { lr, gradNorms });
 */
export class NonFiniteLossError extends VjepaError {
  static override readonly marker: string = 'vjepa.error.NonFiniteLossError';
  /** True for a NonFiniteLossError (or subclass), even from another copy of this package. */
  static override isInstance(error: unknown): error is NonFiniteLossError {
    return hasMarker(error, NonFiniteLossError.marker);
  }

  readonly step: number;
  readonly state: Readonly<Record<string, unknown>>;

  constructor(step: number, state: Record<string, unknown>, hint = 'lower the learning rate or check the data for NaNs') {
    super(`non-finite loss at step ${step}`, { received: previewState(state), hint });
    this.step = step;
    this.state = state;
  }
}

/**
 * A training step that computed nothing usable: its loss or a gradient norm is exactly zero. A
 * backend that fails without throwing (a GPU kernel rejected by the driver, say) leaves zeros behind,
 * and a run that logs them as numbers would report success. Carries the step and what was measured.
 *
 * @example
 * throw new DegenerateStepError(step, 'loss 0, gradient norms 0 and 0', { lr });
 */
export class DegenerateStepError extends VjepaError {
  static override readonly marker: string = 'vjepa.error.DegenerateStepError';
  /** True for a DegenerateStepError (or subclass), even from another copy of this package. */
  static override isInstance(error: unknown): error is DegenerateStepError {
    return hasMarker(error, DegenerateStepError.marker);
  }

  readonly step: number;
  readonly state: Readonly<Record<string, unknown>>;
  constructor(step: number, what: string, state: Record<string, unknown>, hint = 'the backend probably failed silently: rerun with --backend wasm (or cpu) to check, and report the backend line printed at start') {
    super(`step ${step} computed nothing usable (${what})`, { expected: 'a non-zero loss and non-zero gradient norms', received: previewState(state), hint });
    this.step = step;
    this.state = state;
  }
}

/** The logged state as JSON, bounded and never throwing (bigints, cycles, NaN are printed as such). */
function previewState(state: unknown): string {
  return previewValue(state, { maxLength: 2000 });
}

/**
 * A run needs more memory than the backend can give (the wasm heap's 4 GiB, the machine's RAM), found
 * before the first step from an estimate, or when the backend aborted mid-run. The message carries
 * the estimate, the limit and what to change.
 *
 * @example
 * throw new MemoryLimitError('training vit_large, batch 1', { expected: 'at most 4.0 GiB (the wasm heap)', received: 'an estimated 5.6 GiB', hint: 'lower data.batch_size' });
 */
export class MemoryLimitError extends BackendError {
  static override readonly marker: string = 'vjepa.error.MemoryLimitError';
  /** True for a MemoryLimitError, even from another copy of this package. */
  static override isInstance(error: unknown): error is MemoryLimitError {
    return hasMarker(error, MemoryLimitError.marker);
  }
}
