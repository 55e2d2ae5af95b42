import { MaskError } from '@vjepa/errors';
import { createRng } from '@vjepa/rng';
import type { Grid, MaskPair, MaskingStrategy } from '../specification';
import { validateMaskPairs, type MaskProblemReason } from '../validate-mask-pairs';

/**
 * Where a conformance run exercises a strategy. Every combination of grid, batch size, step and seed
 * is sampled (twice, for determinism).
 *
 * @example
 * checkMaskingStrategy(strategy, { grids: [{ t: 8, h: 14, w: 14 }], batchSizes: [2], steps: [0, 1], seeds: [0] });
 */
export interface ConformanceOptions {
  /** Default `[{t:2,h:4,w:4}, {t:4,h:6,w:5}, {t:8,h:14,w:14}]`. */
  readonly grids?: readonly Grid[];
  /** Default `[1, 3]`. */
  readonly batchSizes?: readonly number[];
  /** Default `[0, 1, 17]`. */
  readonly steps?: readonly number[];
  /** Default `[0, 1]`. */
  readonly seeds?: readonly number[];
  /** Stop collecting after this many problems; default 50. */
  readonly maxProblems?: number;
}

/**
 * One way a strategy failed conformance, with the case that showed it.
 *
 * @example
 * // { reason: 'overlap', message: 'grid 2x4x4, batch 3, step 0, seed 0: mask type 0, sample 1, both: ...', ... }
 */
export interface ConformanceProblem {
  readonly reason: MaskProblemReason | 'specification-version' | 'bad-name' | 'bad-num-mask-types' | 'threw' | 'nondeterministic' | 'math-random';
  readonly message: string;
  readonly grid?: Grid;
  readonly batchSize?: number;
  readonly step?: number;
  readonly seed?: number;
  readonly maskType?: number | null;
  readonly sample?: number | null;
}

/**
 * The outcome of {@link checkMaskingStrategy}.
 *
 * @example
 * const report: ConformanceReport = checkMaskingStrategy(strategy);
 * if (!report.ok) console.log(report.problems.map((p) => p.message).join('\n'));
 */
export interface ConformanceReport {
  readonly ok: boolean;
  readonly strategy: string;
  /** Number of `sample` calls made. */
  readonly calls: number;
  readonly problems: readonly ConformanceProblem[];
}

function samePairs(a: readonly MaskPair[], b: readonly MaskPair[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((p, k) =>
    (['context', 'target'] as const).every((role) => {
      const x = p[role];
      const y = b[k][role];
      if (x.batchSize !== y.batchSize || x.length !== y.length || x.data.length !== y.data.length) return false;
      for (let i = 0; i < x.data.length; i++) if (x.data[i] !== y.data[i]) return false;
      return true;
    }),
  );
}

/**
 * Runs `fn` with Math.random replaced by a seeded stand-in that records being called; returns the
 * result and whether it was called.
 */
function withMathRandomGuard<T>(fn: () => T): { value: T; used: boolean } {
  const original = Math.random;
  const standIn = createRng(0);
  let used = false;
  Math.random = () => {
    used = true;
    return standIn.next();
  };
  try {
    return { value: fn(), used };
  } finally {
    Math.random = original;
  }
}

/**
 * Exercises a masking strategy over grids, batch sizes, steps and seeds and reports every way it
 * breaks the `v1` contract: wrong `specificationVersion`, missing name, bad `numMaskTypes`, throwing,
 * any {@link validateMaskPairs} problem (out of range, duplicates, unsorted, overlap, empty, ragged,
 * wrong batch size, wrong number of pairs), non-determinism (same seed and step twice must give
 * identical masks) and calls to `Math.random`.
 *
 * @example
 * const report = checkMaskingStrategy(myStrategy, { grids: [{ t: 4, h: 8, w: 8 }] });
 * expect(report.problems).toEqual([]);
 */
export function checkMaskingStrategy(strategy: MaskingStrategy, options: ConformanceOptions = {}): ConformanceReport {
  const grids = options.grids ?? [{ t: 2, h: 4, w: 4 }, { t: 4, h: 6, w: 5 }, { t: 8, h: 14, w: 14 }];
  const batchSizes = options.batchSizes ?? [1, 3];
  const steps = options.steps ?? [0, 1, 17];
  const seeds = options.seeds ?? [0, 1];
  const maxProblems = options.maxProblems ?? 50;
  const problems: ConformanceProblem[] = [];
  const add = (p: ConformanceProblem) => {
    if (problems.length < maxProblems) problems.push(p);
  };
  const name = typeof strategy?.name === 'string' && strategy.name.length > 0 ? strategy.name : '(unnamed strategy)';
  let calls = 0;
  if (strategy?.specificationVersion !== 'v1') {
    add({ reason: 'specification-version', message: `specificationVersion: expected 'v1', received ${JSON.stringify(strategy?.specificationVersion)}` });
  }
  if (typeof strategy?.name !== 'string' || strategy.name.length === 0) {
    add({ reason: 'bad-name', message: `name: expected a non-empty string, received ${JSON.stringify(strategy?.name)}` });
  }
  if (!Number.isSafeInteger(strategy?.numMaskTypes) || strategy.numMaskTypes < 1) {
    add({ reason: 'bad-num-mask-types', message: `numMaskTypes: expected an integer >= 1, received ${String(strategy?.numMaskTypes)}` });
  }
  if (typeof strategy?.sample !== 'function') {
    add({ reason: 'threw', message: 'sample: expected a function' });
    return { ok: false, strategy: name, calls, problems };
  }
  for (const grid of grids) {
    for (const batchSize of batchSizes) {
      for (const step of steps) {
        for (const seed of seeds) {
          const where = `grid ${grid.t}x${grid.h}x${grid.w}, batch ${batchSize}, step ${step}, seed ${seed}`;
          const ctx = { grid, batchSize, step, seed };
          let first: readonly MaskPair[];
          let second: readonly MaskPair[];
          try {
            const run = withMathRandomGuard(() => {
              calls += 2;
              const a = strategy.sample({ grid, batchSize, step, rng: createRng(seed) });
              const b = strategy.sample({ grid, batchSize, step, rng: createRng(seed) });
              return [a, b] as const;
            });
            [first, second] = run.value;
            if (run.used) add({ ...ctx, reason: 'math-random', message: `${where}: sample called Math.random; draw from options.rng instead` });
          } catch (error) {
            add({ ...ctx, reason: 'threw', message: `${where}: sample threw ${error instanceof Error ? error.message : String(error)}` });
            continue;
          }
          const found = validateMaskPairs(first, {
            grid,
            batchSize,
            numMaskTypes: strategy.numMaskTypes,
            allowOverlap: strategy.contextMayOverlapTarget === true,
            maxProblems: maxProblems - problems.length,
          });
          for (const p of found) add({ ...ctx, reason: p.reason, maskType: p.maskType, sample: p.sample, message: `${where}: ${p.message}` });
          if (found.length === 0 && !samePairs(first, second)) {
            add({ ...ctx, reason: 'nondeterministic', message: `${where}: two calls with the same seed and step returned different masks` });
          }
        }
      }
    }
  }
  return { ok: problems.length === 0, strategy: name, calls, problems };
}

/**
 * Runs {@link checkMaskingStrategy} and throws a MaskError listing the first problems (case, mask
 * type, sample and reason). Prove a custom strategy with one call in a test.
 *
 * @example
 * it('conforms', () => assertConformingStrategy(myStrategy));
 */
export function assertConformingStrategy(strategy: MaskingStrategy, options: ConformanceOptions = {}): ConformanceReport {
  const report = checkMaskingStrategy(strategy, options);
  if (!report.ok) {
    const shown = report.problems.slice(0, 5).map((p) => `[${p.reason}] ${p.message}`);
    throw new MaskError(`masking strategy "${report.strategy}"`, {
      expected: 'a strategy that conforms to the v1 masking contract',
      received: `${report.problems.length} problem(s):\n  ${shown.join('\n  ')}`,
    });
  }
  return report;
}
