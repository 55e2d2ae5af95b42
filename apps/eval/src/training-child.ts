import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { BackendError, ConfigError } from '@vjepa/errors';
import type { FeatureJob } from '@vjepa/eval';
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
  /** Suite feature passes to compute once the training is done (`--feature-jobs`, JSON). */
  featureJobs?: readonly FeatureJob[];
  /** Gets every line of the child's stdout and stderr, prefixed `[<objective>] `. */
  log?: (line: string) => void;
}

/**
 * The environment variable that tells `vjepa-eval main --train-only` it runs under a parent that
 * holds its stdin: when stdin ends (the parent asked it to stop, or the parent died) it stops at the
 * next step boundary and saves, as on Ctrl-C.
 *
 * @example
 * if (process.env[STOP_ON_STDIN_EOF] === '1') process.stdin.on('end', () => controller.abort());
 */
export const STOP_ON_STDIN_EOF = 'VJEPA_STOP_ON_STDIN_EOF';

/**
 * A training running in a child process: `done` settles when it exits, resolving with its status
 * (`completed`, or `interrupted` when it stopped at a step boundary and saved: exit code 130), and
 * rejecting with a VjepaError that names the run folder, the exit code and the child's last stderr
 * lines otherwise; `stop` asks it to stop at its next step boundary and save; `kill` asks the same
 * with SIGTERM, and ends it with SIGKILL if it has not exited 30 s later.
 *
 * @example
 * const child = startTrainingChild({ objective: 'pixels', folder: 'runs/main', set: [], backend: 'auto' });
 * const { status } = await child.done;
 */
export interface TrainingChild {
  done: Promise<{ seconds: number; status: 'completed' | 'interrupted' }>;
  stop(): void;
  kill(): void;
  /** The run folder it trains into. */
  dir: string;
}

/** Seconds a killed child has to save before SIGKILL. */
const KILL_GRACE_MS = 30_000;

/**
 * Starts one training of the main command in a child process, the same CLI re-invoked
 * (`vjepa-eval main --train-only <objective> --folder ... --set ... --backend ...`, from source
 * through tsx or from the build), so that it gets a core of its own: tfjs's wasm backend runs one
 * thread per process. Its stdin is a pipe this process holds: closing it (`stop`, or this process
 * ending in any way, SIGKILL included) makes the child stop at a step boundary and save. Ctrl-C in
 * a terminal reaches the child directly too; either way it saves once and exits 130.
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
  if (options.featureJobs !== undefined && options.featureJobs.length > 0) args.push('--feature-jobs', JSON.stringify(options.featureJobs));
  const started = Date.now();
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0', [STOP_ON_STDIN_EOF]: '1' } });
  child.stdin?.on('error', () => {}); // EPIPE when the child has already exited
  const stderr: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => line.trim() !== '' && log(prefix + line));
  createInterface({ input: child.stderr! }).on('line', (line) => {
    if (line.trim() === '') return;
    stderr.push(line);
    if (stderr.length > STDERR_TAIL) stderr.shift();
    log(prefix + line);
  });

  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  const stop = (): void => {
    if (running()) child.stdin?.end();
  };
  let hardKill: NodeJS.Timeout | undefined;
  const kill = (): void => {
    if (!running()) return;
    child.kill('SIGTERM');
    hardKill ??= setTimeout(() => running() && child.kill('SIGKILL'), KILL_GRACE_MS);
    hardKill.unref();
  };
  // this process exiting (process.exit, an uncaught error) tells the child through its closed stdin
  // as well; SIGTERM makes it stop without waiting for the pipe
  process.once('exit', kill);

  const done = new Promise<{ seconds: number; status: 'completed' | 'interrupted' }>((resolve, reject) => {
    child.on('error', (e) => {
      process.off('exit', kill);
      reject(new BackendError(`${options.objective} training in a child process (${dir})`, { expected: `${process.execPath} to start`, received: e.message, hint: 'rerun with --jobs 1 to train both in this process.', cause: e }));
    });
    child.on('close', (code, signal) => {
      process.off('exit', kill);
      if (hardKill !== undefined) clearTimeout(hardKill);
      const seconds = (Date.now() - started) / 1000;
      if (code === 0) return resolve({ seconds, status: 'completed' });
      if (code === 130) return resolve({ seconds, status: 'interrupted' });
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
  return { done, stop, kill, dir };
}
