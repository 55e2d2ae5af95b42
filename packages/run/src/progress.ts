/**
 * One progress report: where the run is and how fast it goes.
 *
 * @example
 * progress.update({ step: 10, totalSteps: 200, loss: 0.52, clipsPerSec: 11.3 });
 */
export interface ProgressState {
  step: number;
  totalSteps: number;
  loss: number;
  clipsPerSec: number;
  lr?: number;
}

/** Formats seconds as `1h02m`, `3m05s` or `42s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/**
 * The text of one progress line (a bar only when `width` > 0).
 *
 * @example
 * progressLine({ step: 50, totalSteps: 200, loss: 0.5, clipsPerSec: 10 }, 8, 20);
 * // "[#####...............] step 50/200  loss 0.5000  10.0 clips/s  ETA 2m40s"
 */
export function progressLine(state: ProgressState, batchSize: number, width: number): string {
  const done = Math.min(1, state.step / Math.max(1, state.totalSteps));
  const bar = width > 0 ? `[${'#'.repeat(Math.round(done * width)).padEnd(width, '.')}] ` : '';
  const stepsPerSec = state.clipsPerSec / batchSize;
  const eta = stepsPerSec > 0 ? formatDuration((state.totalSteps - state.step) / stepsPerSec) : '?';
  const lr = state.lr === undefined ? '' : `  lr ${state.lr.toExponential(2)}`;
  return `${bar}step ${state.step}/${state.totalSteps}  loss ${state.loss.toFixed(4)}${lr}  ${state.clipsPerSec.toFixed(1)} clips/s  ETA ${eta}`;
}

/** Where progress goes: a stream with optional terminal support. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/**
 * Options of {@link Progress}.
 *
 * @example
 * const opts: ProgressOptions = { batchSize: 8, every: 50, prefix: '[features] ', lines: true };
 */
export interface ProgressOptions {
  /** Clips per step (for the ETA). */
  batchSize: number;
  /** Steps between lines when not updating one line in place. */
  every: number;
  /** Put before every progress line, e.g. `[features] ` when several trainings print. */
  prefix?: string;
  /** Always print lines, even on a terminal (several trainings share the output). */
  lines?: boolean;
}

/**
 * A progress reporter: on a terminal one line that updates in place, otherwise (or with `lines`) a
 * line every `every` steps and at the last step.
 *
 * @example
 * const progress = new Progress(process.stdout, { batchSize: 8, every: 10 });
 * progress.update({ step, totalSteps, loss, clipsPerSec });
 * progress.done();
 */
export class Progress {
  private readonly stream: ProgressStream;
  private readonly batchSize: number;
  private readonly every: number;
  private readonly prefix: string;
  private readonly inPlace: boolean;
  private live = false;

  constructor(stream: ProgressStream, options: ProgressOptions) {
    this.stream = stream;
    this.batchSize = options.batchSize;
    this.every = Math.max(1, options.every);
    this.prefix = options.prefix ?? '';
    this.inPlace = stream.isTTY === true && options.lines !== true;
  }

  update(state: ProgressState): void {
    if (this.inPlace) {
      const width = Math.max(0, Math.min(30, (this.stream.columns ?? 80) - 75));
      this.stream.write(`\r\x1b[2K${this.prefix}${progressLine(state, this.batchSize, width)}`);
      this.live = true;
    } else if (state.step % this.every === 0 || state.step === state.totalSteps) {
      this.stream.write(`${this.prefix}${progressLine(state, this.batchSize, 0)}\n`);
    }
  }

  /** Prints a message without breaking the live line. */
  log(message: string): void {
    this.done();
    this.stream.write(`${message}\n`);
  }

  /** Ends the live line, if any. */
  done(): void {
    if (this.live) this.stream.write('\n');
    this.live = false;
  }
}
