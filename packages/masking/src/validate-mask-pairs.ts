import { MaskError } from '@vjepa/errors';
import type { Grid, IndexBatch, MaskPair } from './specification';

/**
 * Why a mask breaks the contract.
 *
 * @example
 * const reason: MaskProblemReason = 'overlap';
 */
export type MaskProblemReason =
  | 'not-a-list'
  | 'wrong-mask-type-count'
  | 'malformed'
  | 'not-int32'
  | 'wrong-batch-size'
  | 'ragged'
  | 'empty'
  | 'out-of-range'
  | 'duplicate'
  | 'unsorted'
  | 'overlap';

/**
 * One problem found by {@link validateMaskPairs}: which mask type, which sample, which role, why.
 *
 * @example
 * // { maskType: 1, sample: 3, role: 'target', reason: 'out-of-range', message: 'mask type 1, sample 3, target: ...' }
 */
export interface MaskProblem {
  /** Index of the mask type, or null when the whole list is wrong. */
  readonly maskType: number | null;
  /** Sample (row) index, or null when the problem is not about one sample. */
  readonly sample: number | null;
  readonly role: 'context' | 'target' | 'both' | null;
  readonly reason: MaskProblemReason;
  readonly message: string;
}

/**
 * Options of {@link validateMaskPairs}.
 *
 * @example
 * const o: ValidateMaskPairsOptions = { grid: { t: 8, h: 14, w: 14 }, batchSize: 24, numMaskTypes: 2 };
 */
export interface ValidateMaskPairsOptions {
  readonly grid: Grid;
  readonly batchSize: number;
  /** When given, the number of pairs must equal it. */
  readonly numMaskTypes?: number;
  /** Skip the context/target overlap check (for strategies like `fullContext`). Default false. */
  readonly allowOverlap?: boolean;
  /** Stop after this many problems; default 100. */
  readonly maxProblems?: number;
}

function describe(maskType: number | null, sample: number | null, role: MaskProblem['role']): string {
  const parts: string[] = [];
  if (maskType !== null) parts.push(`mask type ${maskType}`);
  if (sample !== null) parts.push(`sample ${sample}`);
  else if (maskType !== null) parts.push('all samples');
  if (role !== null) parts.push(role);
  return parts.length > 0 ? parts.join(', ') : 'mask pairs';
}

/**
 * Checks a strategy's output against the masking contract: the right number of pairs; each batch an
 * Int32Array of exactly `batchSize * length` entries with the right batch size; every row non-empty,
 * sorted ascending, unique, in `[0, t*h*w)`; context and target disjoint within each sample. Returns
 * the problems found (empty when valid), each naming the mask type, the sample and the reason.
 *
 * @example
 * const problems = validateMaskPairs(strategy.sample(o), { grid: o.grid, batchSize: o.batchSize });
 * if (problems.length > 0) console.error(problems[0].message);
 */
export function validateMaskPairs(pairs: readonly MaskPair[], options: ValidateMaskPairsOptions): MaskProblem[] {
  const { grid, batchSize } = options;
  const max = options.maxProblems ?? 100;
  const n = grid.t * grid.h * grid.w;
  const problems: MaskProblem[] = [];
  const add = (maskType: number | null, sample: number | null, role: MaskProblem['role'], reason: MaskProblemReason, detail: string) => {
    if (problems.length < max) problems.push({ maskType, sample, role, reason, message: `${describe(maskType, sample, role)}: ${detail}` });
  };
  if (!Array.isArray(pairs)) {
    add(null, null, null, 'not-a-list', `expected an array of { context, target }, received ${typeof pairs}`);
    return problems;
  }
  if (options.numMaskTypes !== undefined && pairs.length !== options.numMaskTypes) {
    add(null, null, null, 'wrong-mask-type-count', `expected ${options.numMaskTypes} pairs (numMaskTypes), received ${pairs.length}`);
  }
  const seen = new Int32Array(n).fill(-1);
  pairs.forEach((pair, k) => {
    if (pair === null || typeof pair !== 'object') {
      add(k, null, null, 'malformed', `expected { context, target }, received ${String(pair)}`);
      return;
    }
    const usable: Partial<Record<'context' | 'target', IndexBatch>> = {};
    for (const role of ['context', 'target'] as const) {
      const batch = pair[role] as IndexBatch | undefined;
      if (batch === null || typeof batch !== 'object') {
        add(k, null, role, 'malformed', `expected an IndexBatch { data, batchSize, length }, received ${String(batch)}`);
        continue;
      }
      if (!(batch.data instanceof Int32Array)) {
        add(k, null, role, 'not-int32', `expected data to be an Int32Array, received ${(batch.data as unknown as { constructor?: { name?: string } } | undefined)?.constructor?.name ?? typeof batch.data}`);
        continue;
      }
      if (batch.batchSize !== batchSize) {
        add(k, null, role, 'wrong-batch-size', `expected batchSize ${batchSize}, received ${batch.batchSize}`);
        continue;
      }
      if (!Number.isSafeInteger(batch.length) || batch.length < 0 || batch.data.length !== batch.batchSize * batch.length) {
        add(k, null, role, 'ragged', `expected data.length = batchSize * length = ${batch.batchSize} * ${batch.length}, received ${batch.data.length}`);
        continue;
      }
      if (batch.length === 0) {
        add(k, null, role, 'empty', 'expected at least one index per sample, received length 0');
        continue;
      }
      usable[role] = batch;
      for (let b = 0; b < batchSize; b++) {
        const row = batch.data.subarray(b * batch.length, (b + 1) * batch.length);
        for (let i = 0; i < row.length; i++) {
          const v = row[i];
          if (v < 0 || v >= n) {
            add(k, b, role, 'out-of-range', `expected indices in [0, ${n}), received ${v} at position ${i}`);
            break;
          }
          if (i > 0 && v === row[i - 1]) {
            add(k, b, role, 'duplicate', `index ${v} appears twice (positions ${i - 1} and ${i})`);
            break;
          }
          if (i > 0 && v < row[i - 1]) {
            add(k, b, role, 'unsorted', `expected ascending indices, received ${row[i - 1]} before ${v} at position ${i}`);
            break;
          }
        }
      }
    }
    const { context, target } = usable;
    if (options.allowOverlap || context === undefined || target === undefined) return;
    for (let b = 0; b < batchSize; b++) {
      // `seen` marks context tokens with a per (type, sample) stamp, so no clearing is needed.
      const stamp = k * batchSize + b;
      const crow = context.data.subarray(b * context.length, (b + 1) * context.length);
      for (const v of crow) if (v >= 0 && v < n) seen[v] = stamp;
      const trow = target.data.subarray(b * target.length, (b + 1) * target.length);
      const shared = trow.filter((v) => v >= 0 && v < n && seen[v] === stamp);
      if (shared.length > 0) {
        add(k, b, 'both', 'overlap', `context and target share ${shared.length} index(es), e.g. ${Array.from(shared.subarray(0, 5)).join(', ')}`);
      }
    }
  });
  return problems;
}

/**
 * Like {@link validateMaskPairs} but throws a MaskError listing the first problems.
 *
 * @example
 * assertValidMaskPairs(pairs, { grid, batchSize: 24, numMaskTypes: 2 });
 */
export function assertValidMaskPairs(pairs: readonly MaskPair[], options: ValidateMaskPairsOptions): void {
  const problems = validateMaskPairs(pairs, options);
  if (problems.length > 0) {
    const shown = problems.slice(0, 5).map((p) => p.message);
    throw new MaskError('mask pairs', {
      expected: 'masks that satisfy the masking contract',
      received: `${problems.length}${problems.length >= (options.maxProblems ?? 100) ? '+' : ''} problem(s): ${shown.join('; ')}`,
    });
  }
}
