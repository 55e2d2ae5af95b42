const MARKER = Symbol.for('vjepa.error');

/** Parts of an actionable message: what failed, what was expected, what was received, a hint. */
export interface ErrorDetails {
  /** What was expected, e.g. `"a number in (0, 1]"`. */
  expected?: string;
  /** What was received, e.g. `"1.5"`. */
  received?: string;
  /** What the user can do about it. */
  hint?: string;
  /** The underlying error, if any. */
  cause?: unknown;
}

/**
 * Base class of every error vjepa-ts throws. `VjepaError.isInstance(e)` works across duplicated
 * installs (it checks a global symbol marker, not the prototype chain).
 *
 * @example
 * try { strategy.sample(opts); } catch (e) { if (VjepaError.isInstance(e)) console.error(e.message); }
 */
export class VjepaError extends Error {
  readonly [MARKER] = true;
  readonly expected?: string;
  readonly received?: string;
  readonly hint?: string;

  constructor(what: string, details: ErrorDetails = {}) {
    super(formatMessage(what, details), details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.expected = details.expected;
    this.received = details.received;
    this.hint = details.hint;
  }

  /** True for any vjepa-ts error, even one thrown by another copy of this package. */
  static isInstance(error: unknown): error is VjepaError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }
}

/**
 * Builds `what: expected X, received Y. hint` — the one message format of the project.
 *
 * @example
 * formatMessage('mask.spatial_scale[0]', { expected: 'a number in (0, 1]', received: '1.5' });
 * // "mask.spatial_scale[0]: expected a number in (0, 1], received 1.5."
 */
export function formatMessage(what: string, details: ErrorDetails = {}): string {
  let message = what;
  const parts: string[] = [];
  if (details.expected !== undefined) parts.push(`expected ${details.expected}`);
  if (details.received !== undefined) parts.push(`received ${details.received}`);
  if (parts.length > 0) message += `: ${parts.join(', ')}.`;
  if (details.hint !== undefined) message += ` ${details.hint}`;
  return message;
}
