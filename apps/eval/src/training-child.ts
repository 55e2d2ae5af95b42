import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { BackendError, ConfigError } from '@vjepa/errors';
import { childExecArgv, siblingEntry } from '@vjepa/probe-pool';
import { objectiveFolder } from '@vjepa/run';

/** Lines of the child's stderr kept for the error message. */
const STDERR_TAIL = 12;

/**
 * Options of {@link startTrainingChild}: what `vjepa-eval main --train-only <objective>` needs.
 *
 * @example
 * const opts: TrainingChildOptions = { objective: 'pixels', folder: 'runs/main', set: ['optimization.epochs=2'], backend: 'auto' };
 */
export interface TrainingChildOptions {
  objective: 'features' | 'pixels';
  /** The main command's `--folder` (the pixel control trains into `<folder>-pixels`). */
  folder: string;
  set: readonly string[];
  backend: string;
  /** Gets every line of the child's stdout and stderr, prefixed `[<objective>] `. */
  log?: (line: string) => void;
}

/**
 * A training running in a child process: `done` settles when it exits (rejecting with a
 * VjepaError that names the run folder, the exit code and the child's last stderr lines unless it
 * exited 0); `kill` stops it.
 *
 * @example
 * const child = startTrainingChild({ objective: 'pixels', folder: 'runs/main', set: [], backend: 'auto' });
 * const { seconds } = await child.done;
 */
export interface TrainingChild {
  done: Promise<{ seconds: number }>;
  kill(): void;
  /** The run folder it trains into. */
  dir: string;
}

/**
 * Starts one training of the main command in a child process, the same CLI re-invoked
 * (`vjepa-eval main --train-only <objective> --folder ... --set ... --backend ...`, from source
 * through tsx or from the build), so that it gets a core of its own: tfjs's wasm backend runs one
 * thread per process. While the child runs, SIGINT/SIGTERM of this process stop it first, and
 * this process exiting kills it.
 *
 * A failure is a ConfigError when the child exited 2 (its own configuration error), else a
 * BackendError; either says to rerun, since the training resumes from its latest checkpoint.
 *
 * @example
 * const child = startTrainingChild({ objective: 'pixels', folder: 'runs/main', set: ['optimization.epochs=2'], backend: 'auto', log: console.log });
 * try { await child.done; } finally { child.kill(); }
 */
export function startTrainingChild(options: TrainingChildOptions): TrainingChild {
  const prefix = `[${options.objective}] `;
  const log = options.log ?? (() => {});
  const dir = objectiveFolder(options.folder, options.objective);
  const entry = siblingEntry('cli', import.meta.url);
  const args = [...childExecArgv(entry), entry.path, 'main', '--train-only', options.objective, '--folder', options.folder, ...options.set.flatMap((s) => ['--set', s]), '--backend', options.backend];
  const started = Date.now();
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
  const stderr: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => log(prefix + line));
  createInterface({ input: child.stderr! }).on('line', (line) => {
    stderr.push(line);
    if (stderr.length > STDERR_TAIL) stderr.shift();
    log(prefix + line);
  });

  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  const onSignal = (signal: NodeJS.Signals) => {
    kill();
    detach();
    // with our listener gone, the signal's default action (or the app's own listener) takes over
    process.kill(process.pid, signal);
  };
  const detach = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', kill);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', kill);

  const done = new Promise<{ seconds: number }>((resolve, reject) => {
    child.on('error', (e) => {
      detach();
      reject(new BackendError(`${options.objective} training in a child process (${dir})`, { expected: `${process.execPath} to start`, received: e.message, hint: 'rerun with --jobs 1 to train both in this process.', cause: e }));
    });
    child.on('close', (code, signal) => {
      detach();
      const seconds = (Date.now() - started) / 1000;
      if (code === 0) return resolve({ seconds });
      const Kind = code === 2 ? ConfigError : BackendError;
      const tail = stderr.map((l) => `\n    ${l}`).join('') || ' (none)';
      reject(
        new Kind(`${options.objective} training in a child process (${dir})`, {
          expected: 'exit code 0',
          received: `${signal !== null ? `signal ${signal}` : `exit code ${code}`} after ${seconds.toFixed(1)} s`,
          hint: `Rerun the same command: each training resumes from its latest checkpoint (--jobs 1 trains both in this process). The child's last stderr lines:${tail}`,
        }),
      );
    });
  });
  return { done, kill, dir };
}
