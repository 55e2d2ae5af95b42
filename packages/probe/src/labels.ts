import { DataError } from '@vjepa/errors';

/**
 * Integer class labels as a probe needs them: present, integers, in `[0, numClasses)`, one per sample.
 * Returns them as an `Int32Array` (a copy only when the input is not one already).
 *
 * @example
 * const y = checkLabels([0, 2, 1], { what: 'train labels', count: 3, numClasses: 3 });
 */
export function checkLabels(
  labels: unknown,
  options: { what: string; count?: number; numClasses?: number },
): Int32Array {
  const { what } = options;
  if (labels === undefined || labels === null) {
    throw new DataError(what, { expected: 'an Int32Array of class indices', received: String(labels), hint: 'pass one integer label per sample' });
  }
  if (!Array.isArray(labels) && !ArrayBuffer.isView(labels)) {
    throw new DataError(what, { expected: 'an Int32Array (or array) of class indices', received: typeof labels });
  }
  const arr = labels as ArrayLike<unknown>;
  const out = labels instanceof Int32Array ? labels : new Int32Array(arr.length);
  for (let i = 0; i < arr.length; i++) {
    const raw = arr[i];
    const v = typeof raw === 'bigint' ? Number(raw) : raw;
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      throw new DataError(`${what}[${i}]`, { expected: 'an integer class index', received: String(raw), hint: 'labels are class indices, not one-hot vectors or scores' });
    }
    if (v < 0 || (options.numClasses !== undefined && v >= options.numClasses)) {
      throw new DataError(`${what}[${i}]`, {
        expected: `a class index in [0, ${options.numClasses ?? 'numClasses'})`,
        received: String(v),
        hint: options.numClasses === undefined ? undefined : 'the probe was built for this many classes; check that train and test use the same class list',
      });
    }
    if (out !== labels) out[i] = v;
  }
  if (options.count !== undefined && out.length !== options.count) {
    throw new DataError(`${what} length`, { expected: `${options.count} (one per sample)`, received: String(out.length) });
  }
  return out;
}
