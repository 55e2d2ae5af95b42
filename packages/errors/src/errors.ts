import { VjepaError } from './vjepa-error';

/**
 * A configuration value that cannot work. `what` is the key path, e.g. `optimization.lr`.
 *
 * @example
 * throw new ConfigError('optimization.lr', { expected: 'a number > 0', received: String(lr) });
 */
export class ConfigError extends VjepaError {}

/**
 * A tensor or array whose shape or dtype is not what an operation needs.
 *
 * @example
 * throw new ShapeError('input clip', { expected: '[B, T, H, W, 3]', received: `[${x.shape}]` });
 */
export class ShapeError extends VjepaError {}

/**
 * A mask that breaks the masking contract (out of range, overlapping, empty, ragged).
 *
 * @example
 * throw new MaskError('mask type 0, sample 3', { expected: 'indices in [0, 1568)', received: '1570' });
 */
export class MaskError extends VjepaError {}

/**
 * A checkpoint or weight file that is missing, corrupt, foreign or does not match the model.
 *
 * @example
 * throw new CheckpointError('ckpt.pth.tar: key "encoder"', { expected: 'a state dict', received: 'None' });
 */
export class CheckpointError extends VjepaError {}

/**
 * A dataset, video or index entry that cannot be used.
 *
 * @example
 * throw new DataError('train.txt line 4', { expected: '"path label"', received: '"clip.mp4"' });
 */
export class DataError extends VjepaError {}

/**
 * A backend that cannot be loaded or lacks something a computation needs.
 *
 * @example
 * throw new BackendError('tfjs-node-gpu', { expected: 'a built native addon', received: 'none', hint: '...' });
 */
export class BackendError extends VjepaError {}

/**
 * The loss became NaN or infinite. Carries the step and what was logged for it.
 *
 * @example
 * throw new NonFiniteLossError(step, { lr, gradNorms });
 */
export class NonFiniteLossError extends VjepaError {
  readonly step: number;
  readonly state: Readonly<Record<string, unknown>>;

  constructor(step: number, state: Record<string, unknown>, hint = 'lower the learning rate or check the data for NaNs') {
    super(`non-finite loss at step ${step}`, { received: JSON.stringify(state), hint });
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
  readonly step: number;
  readonly state: Readonly<Record<string, unknown>>;
  constructor(step: number, what: string, state: Record<string, unknown>, hint = 'the backend probably failed silently: rerun with --backend wasm (or cpu) to check, and report the backend line printed at start') {
    super(`step ${step} computed nothing usable (${what})`, { expected: 'a non-zero loss and non-zero gradient norms', received: JSON.stringify(state), hint });
    this.step = step;
    this.state = state;
  }
}
