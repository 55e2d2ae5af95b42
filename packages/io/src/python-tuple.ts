const TUPLE = Symbol.for('@vjepa/io/python-tuple');

/**
 * A value that {@link writeTorchCheckpoint} writes as a Python tuple (plain arrays are written as
 * lists). PyTorch writes some values as tuples, e.g. AdamW's `betas`; the reader turns tuples back
 * into arrays.
 *
 * @example
 * const betas: PythonTuple = pythonTuple(0.9, 0.999);
 */
export interface PythonTuple {
  readonly [TUPLE]: true;
  readonly items: readonly unknown[];
}

/**
 * Marks values to be written as one Python tuple.
 *
 * @example
 * writeTorchCheckpoint({ param_groups: [{ betas: pythonTuple(0.9, 0.999) }] });
 */
export function pythonTuple(...items: readonly unknown[]): PythonTuple {
  return Object.freeze({ [TUPLE]: true as const, items: Object.freeze([...items]) });
}

/**
 * True for a value made by {@link pythonTuple} (by a global symbol, so it holds across duplicated installs).
 *
 * @example
 * isPythonTuple(pythonTuple(1, 2)); // true
 * isPythonTuple([1, 2]); // false
 */
export function isPythonTuple(x: unknown): x is PythonTuple {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[TUPLE] === true;
}
