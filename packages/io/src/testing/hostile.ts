import { VjepaError, previewValue, truncateText } from '@vjepa/errors';

/**
 * A class of error a hostile input must raise: any `@vjepa/errors` class (they all have a
 * marker-based `isInstance`).
 *
 * @example
 * const cls: HostileErrorClass = CheckpointError;
 */
export interface HostileErrorClass {
  readonly name: string;
  isInstance(error: unknown): boolean;
}

/**
 * What a hostile input must do: throw `error` with a message matching `message`, or (for inputs a
 * reader must survive, like an optimizer bomb under a key nobody asked for) return a value that
 * `accept` checks. Either way within the time and memory bounds.
 *
 * @example
 * const want: HostileExpectation = { error: CheckpointError, message: /inflates to its declared/ };
 */
export type HostileExpectation =
  | { readonly error: HostileErrorClass; readonly message: RegExp | string }
  | { readonly accept: (value: unknown) => void };

/**
 * One row of an adversarial suite: `prepare` builds the input (not measured) and returns the call
 * to measure. Rows from any package share this shape, so suites can be added to table by table.
 *
 * @example
 * const row: HostileCase = {
 *   name: 'npy dtype "__proto__"',
 *   prepare: () => { const bytes = craft("{'descr': '__proto__', ...}"); return () => readNpy(bytes, { file: 'p.npy' }); },
 *   expect: { error: DataError, message: /dtype "__proto__"/ },
 * };
 */
export interface HostileCase {
  /** What the input is, e.g. `torch: [32768, 32768] tensor of stride [0, 0] over one element`. */
  readonly name: string;
  readonly prepare: () => (() => unknown) | Promise<() => unknown>;
  readonly expect: HostileExpectation;
  /** Wall-clock bound of the measured call (default 60 s, the project's bound for files under 10 MB). */
  readonly maxMs?: number;
  /** Bound on the process's peak resident memory growth during the call (default 1 GiB). */
  readonly maxRssGrowthBytes?: number;
}

/**
 * What a measured call did.
 *
 * @example
 * const { threw, error, ms, rssGrowthBytes }: HostileOutcome = await runHostile(() => readNpy(bytes));
 */
export interface HostileOutcome {
  readonly threw: boolean;
  readonly error: unknown;
  readonly value: unknown;
  /** Wall-clock milliseconds of the call. */
  readonly ms: number;
  /**
   * The process's peak resident set (`process.resourceUsage().maxRSS`) after the call, minus its
   * resident set before: an upper bound on how far memory grew during the call (it can only
   * over-report, when an earlier peak was higher).
   */
  readonly rssGrowthBytes: number;
}

/** Phrases of raw engine errors that must never reach a user, even wrapped in a project error. */
const RAW_PHRASES = ['Maximum call stack size exceeded', 'Do not know how to serialize a BigInt', 'Invalid typed array length', 'Array buffer allocation failed', 'is not a constructor', 'of undefined', 'undefined bytes'];

/**
 * Runs `call` once and measures its time and peak memory growth (Node only).
 *
 * @example
 * const outcome = await runHostile(() => readTorchCheckpoint(bytes, { file: 'bomb.pth.tar' }));
 */
export async function runHostile(call: () => unknown): Promise<HostileOutcome> {
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  let threw = false;
  let error: unknown;
  let value: unknown;
  try {
    value = await call();
  } catch (e) {
    threw = true;
    error = e;
  }
  const ms = performance.now() - t0;
  const peak = process.resourceUsage().maxRSS * 1024;
  return { threw, error, value, ms, rssGrowthBytes: Math.max(0, peak - rssBefore) };
}

/**
 * Every way an outcome breaks its row (empty when it holds): wrong or raw error, message not
 * matching, a raw engine phrase in the message, over time, over memory.
 *
 * @example
 * const problems = checkHostile(row, await runHostile(call)); // [] when the row holds
 */
export function checkHostile(row: Pick<HostileCase, 'expect' | 'maxMs' | 'maxRssGrowthBytes'>, outcome: HostileOutcome): string[] {
  const problems: string[] = [];
  const want = row.expect;
  if ('error' in want) {
    if (!outcome.threw) {
      problems.push(`expected a ${want.error.name}, but the call returned ${previewValue(outcome.value, { maxLength: 80 })}`);
    } else if (!want.error.isInstance(outcome.error)) {
      problems.push(`expected a ${want.error.name}, received ${describeError(outcome.error)}`);
    } else {
      const message = (outcome.error as Error).message;
      const matches = typeof want.message === 'string' ? message.includes(want.message) : want.message.test(message);
      if (!matches) problems.push(`message ${previewValue(message, { maxLength: 400 })} does not match ${String(want.message)}`);
      for (const phrase of RAW_PHRASES) if (message.includes(phrase)) problems.push(`message carries a raw engine error: "${phrase}"`);
    }
  } else if (outcome.threw) {
    problems.push(`expected a value, but the call threw ${describeError(outcome.error)}`);
  } else {
    try {
      want.accept(outcome.value);
    } catch (e) {
      problems.push(`value not accepted: ${describeError(e)}`);
    }
  }
  const maxMs = row.maxMs ?? 60_000;
  const maxRss = row.maxRssGrowthBytes ?? 1024 ** 3;
  if (outcome.ms > maxMs) problems.push(`took ${Math.round(outcome.ms)} ms (bound ${maxMs} ms)`);
  if (outcome.rssGrowthBytes > maxRss) problems.push(`peak memory grew ${(outcome.rssGrowthBytes / 1024 ** 2).toFixed(0)} MiB (bound ${(maxRss / 1024 ** 2).toFixed(0)} MiB)`);
  return problems;
}

/**
 * Prepares, runs and checks one row; throws an Error listing every problem (use it as the body of
 * a test). Returns the outcome for reports.
 *
 * @example
 * for (const row of rows) it(row.name, () => expectHostile(row));
 */
export async function expectHostile(row: HostileCase): Promise<HostileOutcome> {
  const call = await row.prepare();
  const outcome = await runHostile(call);
  const problems = checkHostile(row, outcome);
  if (problems.length > 0) {
    const err = new Error(`${row.name}:\n  - ${problems.join('\n  - ')}`);
    if (outcome.error !== undefined) (err as Error & { cause?: unknown }).cause = outcome.error;
    throw err;
  }
  return outcome;
}

function describeError(e: unknown): string {
  if (VjepaError.isInstance(e)) return `${e.name}: ${truncateText(e.message, 300)}`;
  return previewValue(e, { maxLength: 300 });
}
