import type { Worker } from 'node:worker_threads';
import { BackendError, CheckpointError, ConfigError, DataError, MaskError, ShapeError, VjepaError } from '@vjepa/errors';

/**
 * What a pool worker posts back for a task: log lines, then its result or its error.
 *
 * @example
 * worker.on('message', (m: WorkerReply<ProbeRunResult>) => { if (m.type === 'result') results[m.index] = m.result; });
 */
export type WorkerReply<R> =
  | { type: 'log'; index: number; line: string }
  | { type: 'result'; index: number; result: R }
  | { type: 'error'; index: number; error: { name: string; message: string; stack?: string; vjepa: boolean } };

const ERRORS: Record<string, new (what: string) => VjepaError> = { BackendError, CheckpointError, ConfigError, DataError, MaskError, ShapeError };

/**
 * A worker's error rebuilt in this thread as the same error class (so a CLI maps it to the same
 * exit code), its message prefixed with what failed (`probe digit/vjepa`, `features vjepa/probe-test`).
 */
function rebuild(what: string, error: Extract<WorkerReply<unknown>, { type: 'error' }>['error']): Error {
  const Kind = error.vjepa ? (ERRORS[error.name] ?? VjepaError) : undefined;
  const message = `${what} (in a worker thread): ${error.message}`;
  const e = Kind ? new Kind(message) : new Error(message);
  if (error.stack !== undefined) e.stack = `${e.stack}\n  --- in the worker ---\n${error.stack}`;
  return e;
}

/**
 * How a channel names things: the worker (`probe worker 2`), a task (`probe digit/vjepa`), the
 * prefix of a task's log lines (`digit/vjepa`), and what to do when a worker dies.
 *
 * @example
 * const naming: ChannelNaming = { worker: 'probe worker 1', task: (i) => `probe ${units[i].name}`, tag: (i) => units[i].name, hint: 'rerun with --jobs 1' };
 */
export interface ChannelNaming {
  worker: string;
  task: (index: number) => string;
  tag: (index: number) => string;
  hint: string;
}

/**
 * Runs tasks on one worker, one at a time, turning its replies into promises: `run(index, message)`
 * posts the message and settles with the task's result, or rejects with its error (same class) or
 * with a BackendError when the worker fails or exits.
 *
 * @example
 * const run = workerChannel<ProbeRunResult>(worker, naming, console.log);
 * const result = await run(0, { index: 0, ...task });
 */
export function workerChannel<R>(worker: Worker, naming: ChannelNaming, log: (line: string) => void): (index: number, message: unknown) => Promise<R> {
  let pending: { index: number; resolve: (r: R) => void; reject: (e: unknown) => void } | undefined;
  let dead: Error | undefined;
  const fail = (e: Error) => {
    dead ??= e;
    pending?.reject(e);
    pending = undefined;
  };
  worker.on('message', (reply: WorkerReply<R>) => {
    if (reply.type === 'log') return log(`  [${naming.tag(reply.index)}] ${reply.line.trimStart()}`);
    if (pending === undefined || pending.index !== reply.index) return;
    const p = pending;
    pending = undefined;
    if (reply.type === 'result') p.resolve(reply.result);
    else p.reject(rebuild(naming.task(reply.index), reply.error));
  });
  worker.on('error', (e) => fail(new BackendError(naming.worker, { expected: 'to start and run its tasks', received: e.message, hint: naming.hint, cause: e })));
  worker.on('exit', (code) => fail(new BackendError(naming.worker, { expected: 'to run until its tasks are done', received: `exit code ${code}`, hint: naming.hint })));
  return (index, message) =>
    new Promise((resolve, reject) => {
      if (dead !== undefined) return reject(dead);
      pending = { index, resolve, reject };
      worker.postMessage(message);
    });
}
