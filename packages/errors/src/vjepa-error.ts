import { previewValue, truncateText } from './preview-value';

const MARKER_PREFIX = 'vjepa.error';
const MARKER = Symbol.for(MARKER_PREFIX);

/**
 * The most characters kept of each message part (what, expected, received, hint). A backstop: code
 * that prints untrusted values should preview them shorter itself (see `previewValue`).
 *
 * @example
 * new DataError('x'.repeat(1e6)).message.length < 2 * MESSAGE_PART_LIMIT; // true
 */
export const MESSAGE_PART_LIMIT = 16_384;

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
 * Base class of every error vjepa-ts throws. `VjepaError.isInstance(e)` is true for any of them,
 * and each subclass's own `isInstance` (e.g. `CheckpointError.isInstance(e)`) only for that class
 * and its subclasses. Both work across duplicated installs: they check global symbol markers
 * (`Symbol.for('vjepa.error.<Name>')`), not the prototype chain. Building an error never throws,
 * whatever it is given (bigints, cyclic objects, a 400 MB string): parts are cut at
 * {@link MESSAGE_PART_LIMIT} characters.
 *
 * A subclass declares `static readonly marker = 'vjepa.error.MyError'` (instances get that marker
 * too) and a `static isInstance` that calls `hasMarker(error, MyError.marker)`.
 *
 * @example
 * try { strategy.sample(opts); } catch (e) { if (VjepaError.isInstance(e)) console.error(e.message); }
 */
export class VjepaError extends Error {
  /** The global marker name of this class; subclasses override it. */
  static readonly marker: string = MARKER_PREFIX;
  readonly [MARKER] = true;
  readonly expected?: string;
  readonly received?: string;
  readonly hint?: string;

  constructor(what: string, details: ErrorDetails = {}) {
    const d = details ?? {};
    const safe: ErrorDetails = {
      expected: d.expected === undefined ? undefined : messagePart(d.expected),
      received: d.received === undefined ? undefined : messagePart(d.received),
      hint: d.hint === undefined ? undefined : messagePart(d.hint),
    };
    super(formatMessage(messagePart(what), safe), d.cause === undefined ? undefined : { cause: d.cause });
    this.name = new.target.name;
    this.expected = safe.expected;
    this.received = safe.received;
    this.hint = safe.hint;
    // mark the instance with every class marker from its own class up to VjepaError
    for (let c: unknown = new.target; typeof c === 'function' && c !== VjepaError; c = Object.getPrototypeOf(c)) {
      if (Object.prototype.hasOwnProperty.call(c, 'marker')) {
        const m = (c as unknown as { marker: unknown }).marker;
        if (typeof m === 'string') Object.defineProperty(this, Symbol.for(m), { value: true, enumerable: false });
      }
    }
  }

  /**
   * True for any vjepa-ts error, even one thrown by another copy of this package. Each subclass
   * has its own (`CheckpointError.isInstance(e)` is true only for checkpoint errors). Never throws.
   *
   * @example
   * if (VjepaError.isInstance(e)) console.error(e.message);
   */
  static isInstance(error: unknown): error is VjepaError {
    return hasMarker(error, MARKER_PREFIX);
  }
}

/**
 * True when `error` carries the global marker `Symbol.for(marker)` (what `isInstance` checks).
 * Never throws, even on a proxy whose traps do.
 *
 * @example
 * hasMarker(e, 'vjepa.error.CheckpointError');
 */
export function hasMarker(error: unknown, marker: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  try {
    return (error as Record<symbol, unknown>)[Symbol.for(marker)] === true;
  } catch {
    return false;
  }
}

/** A message part as a bounded string, whatever was passed (callers in plain JS may pass anything). */
function messagePart(x: unknown): string {
  return typeof x === 'string' ? truncateText(x, MESSAGE_PART_LIMIT) : previewValue(x, { maxLength: 1000 });
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
