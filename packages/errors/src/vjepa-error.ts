const MARKER = Symbol.for('vjepa.error');
/** The class names of an error, from its own class up to VjepaError (what subclass `isInstance` checks). */
const KINDS = Symbol.for('vjepa.error.kinds');

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
 * Base class of every error vjepa-ts throws. `VjepaError.isInstance(e)` and each subclass's
 * `isInstance` (`ConfigError.isInstance(e)`) work across duplicated installs: they check a global
 * symbol marker and the class names recorded on the error, not the prototype chain.
 *
 * @example
 * try { strategy.sample(opts); } catch (e) { if (VjepaError.isInstance(e)) console.error(e.message); }
 * try { loadConfig(); } catch (e) { process.exitCode = ConfigError.isInstance(e) ? 2 : 1; }
 */
export class VjepaError extends Error {
  readonly [MARKER] = true;
  readonly [KINDS]: readonly string[];
  readonly expected?: string;
  readonly received?: string;
  readonly hint?: string;

  constructor(what: string, details: ErrorDetails = {}) {
    super(formatMessage(what, details), details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.expected = details.expected;
    this.received = details.received;
    this.hint = details.hint;
    const kinds: string[] = [];
    for (let c: unknown = new.target; typeof c === 'function' && c !== Error; c = Object.getPrototypeOf(c)) kinds.push((c as { name: string }).name);
    this[KINDS] = kinds;
  }

  /**
   * True when `error` is an instance of this class, even one thrown by another copy of this
   * package: `VjepaError.isInstance(e)` for any vjepa-ts error, `CheckpointError.isInstance(e)` only
   * for a CheckpointError (or a subclass of it).
   *
   * @example
   * ConfigError.isInstance(new ConfigError('x')); // true
   * ConfigError.isInstance(new DataError('x'));   // false
   */
  static isInstance<T extends abstract new (...args: never[]) => VjepaError>(this: T, error: unknown): error is InstanceType<T> {
    if (typeof error !== 'object' || error === null || (error as Record<symbol, unknown>)[MARKER] !== true) return false;
    if (this.name === 'VjepaError') return true;
    const kinds = (error as Record<symbol, unknown>)[KINDS];
    return Array.isArray(kinds) && kinds.includes(this.name);
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
