import { MaskError } from '@vjepa/errors';
import { createRng } from '@vjepa/rng';
import { describe, expect, it } from 'vitest';
import { fullContext } from '../full-context';
import { indexBatchFromRows } from '../index-batch';
import { RELEASED_MASK_TYPES } from '../mask-type-config';
import { multiblock3d } from '../multiblock-3d';
import { randomTube } from '../random-tube';
import type { MaskingStrategy, SampleOptions } from '../specification';
import { assertConformingStrategy, checkMaskingStrategy } from './index';

/** A correct custom strategy: a random split point per sample, same length for everyone. */
const randomHalf: MaskingStrategy = {
  specificationVersion: 'v1',
  name: 'random-half',
  numMaskTypes: 1,
  sample({ grid, batchSize, rng }: SampleOptions) {
    const n = grid.t * grid.h * grid.w;
    const half = Math.max(1, Math.floor(n / 2));
    const rows = Array.from({ length: batchSize }, () => rng.shuffle(Array.from({ length: n }, (_, i) => i)));
    return [
      {
        context: indexBatchFromRows(rows.map((r) => r.slice(0, half).sort((a, b) => a - b))),
        target: indexBatchFromRows(rows.map((r) => r.slice(half).sort((a, b) => a - b))),
      },
    ];
  },
};

/** Wraps the correct strategy and corrupts its output. */
function broken(name: string, corrupt: (data: { context: number[][]; target: number[][] }, o: SampleOptions) => void, extra: Partial<MaskingStrategy> = {}): MaskingStrategy {
  return {
    ...randomHalf,
    name,
    ...extra,
    sample(o) {
      const [p] = randomHalf.sample(o);
      const rows = { context: toRows(p.context), target: toRows(p.target) };
      corrupt(rows, o);
      return [{ context: indexBatchFromRows(rows.context), target: indexBatchFromRows(rows.target) }];
    },
  };
}
const toRows = (b: { data: Int32Array; batchSize: number; length: number }) =>
  Array.from({ length: b.batchSize }, (_, i) => Array.from(b.data.subarray(i * b.length, (i + 1) * b.length)));

describe('checkMaskingStrategy on the shipped strategies', () => {
  it.each([
    ['multiblock3d', multiblock3d(RELEASED_MASK_TYPES)],
    ['randomTube', randomTube(0.75)],
    ['fullContext', fullContext({ numMaskTypes: 2 })],
    ['a correct custom strategy', randomHalf],
  ])('%s conforms', (_, strategy) => {
    const report = assertConformingStrategy(strategy);
    expect(report.ok).toBe(true);
    expect(report.calls).toBe(3 * 2 * 3 * 2 * 2);
  });
});

describe('checkMaskingStrategy catches broken strategies with the right reason', () => {
  it.each([
    ['out-of-range', broken('oob', (r, o) => (r.target[0][r.target[0].length - 1] = o.grid.t * o.grid.h * o.grid.w)), /received \d+ at position/],
    ['overlap', broken('overlap', (r) => (r.target[0][0] = r.context[0][0]) && r.target[0].sort((a, b) => a - b)), /context and target share/],
    ['empty', broken('empty', (r) => (r.context = r.context.map(() => []))), /expected at least one index/],
    ['unsorted', broken('unsorted', (r) => r.context[0].reverse()), /expected ascending indices/],
  ])('%s', (reason, strategy, message) => {
    const report = checkMaskingStrategy(strategy, { grids: [{ t: 2, h: 3, w: 3 }], batchSizes: [2], steps: [0], seeds: [0] });
    expect(report.ok).toBe(false);
    expect(report.problems[0].reason).toBe(reason);
    expect(report.problems[0].message).toMatch(message);
    expect(report.problems[0].message).toMatch(/grid 2x3x3, batch 2, step 0, seed 0: mask type 0, (sample [01]|all samples)/);
    expect(() => assertConformingStrategy(strategy)).toThrow(MaskError);
    expect(() => assertConformingStrategy(strategy)).toThrow(new RegExp(`\\[${reason}\\]`));
  });

  it('ragged output', () => {
    const ragged: MaskingStrategy = {
      ...randomHalf,
      name: 'ragged',
      sample(o) {
        const [p] = randomHalf.sample(o);
        return [{ context: { ...p.context, data: p.context.data.subarray(1) }, target: p.target }];
      },
    };
    const report = checkMaskingStrategy(ragged);
    expect(report.problems[0]).toMatchObject({ reason: 'ragged', maskType: 0 });
  });

  it('wrong batch size and wrong number of mask types', () => {
    const oneRow = broken('one-row', (r) => {
      r.context = r.context.slice(0, 1);
      r.target = r.target.slice(0, 1);
    });
    expect(checkMaskingStrategy(oneRow, { batchSizes: [3] }).problems[0].reason).toBe('wrong-batch-size');
    const claimsTwo = { ...randomHalf, numMaskTypes: 2 };
    expect(checkMaskingStrategy(claimsTwo).problems[0].reason).toBe('wrong-mask-type-count');
  });

  it('non-determinism, Math.random, throwing, bad version', () => {
    let calls = 0;
    const nondet: MaskingStrategy = {
      ...randomHalf,
      name: 'nondet',
      sample: (o) => randomHalf.sample({ ...o, rng: createRng(++calls) }), // ignores the handed rng
    };
    expect(checkMaskingStrategy(nondet).problems[0].reason).toBe('nondeterministic');
    const usesMathRandom = { ...randomHalf, name: 'math-random', sample: (o: SampleOptions) => (Math.random(), randomHalf.sample(o)) };
    expect(checkMaskingStrategy(usesMathRandom).problems[0].reason).toBe('math-random');
    const throws = { ...randomHalf, name: 'throws', sample: () => { throw new Error('boom'); } };
    expect(checkMaskingStrategy(throws).problems[0].message).toMatch(/sample threw boom/);
    const v2 = { ...randomHalf, specificationVersion: 'v2' } as unknown as MaskingStrategy;
    expect(checkMaskingStrategy(v2).problems[0]).toMatchObject({ reason: 'specification-version' });
  });
});
