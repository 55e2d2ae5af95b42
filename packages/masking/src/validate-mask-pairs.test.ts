import { MaskError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { indexBatchFromRows } from './index-batch';
import type { MaskPair } from './specification';
import { assertValidMaskPairs, validateMaskPairs } from './validate-mask-pairs';

const grid = { t: 1, h: 2, w: 4 }; // 8 tokens
const pair = (context: number[][], target: number[][]): MaskPair => ({
  context: indexBatchFromRows(context),
  target: indexBatchFromRows(target),
});
const good = () => [pair([[0, 1], [2, 3]], [[4, 5, 6], [0, 1, 7]])];

describe('validateMaskPairs', () => {
  it('accepts valid masks', () => {
    expect(validateMaskPairs(good(), { grid, batchSize: 2, numMaskTypes: 1 })).toEqual([]);
  });

  it.each([
    ['out-of-range', [pair([[0, 1], [2, 8]], [[4, 5], [6, 7]])], 0, 1, 'context', /expected indices in \[0, 8\), received 8/],
    ['out-of-range', [pair([[0, 1], [2, 3]], [[-1, 5], [6, 7]])], 0, 0, 'target', /received -1/],
    ['duplicate', [pair([[0, 0], [2, 3]], [[4, 5], [6, 7]])], 0, 0, 'context', /index 0 appears twice/],
    ['unsorted', [pair([[1, 0], [2, 3]], [[4, 5], [6, 7]])], 0, 0, 'context', /received 1 before 0/],
    ['overlap', [pair([[0, 1], [2, 3]], [[4, 5], [3, 7]])], 0, 1, 'both', /share 1 index\(es\), e\.g\. 3/],
  ] as const)('reports %s with mask type, sample and role', (reason, pairs, maskType, sample, role, message) => {
    const [problem, ...rest] = validateMaskPairs(pairs as unknown as MaskPair[], { grid, batchSize: 2 });
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({ reason, maskType, sample, role });
    expect(problem.message).toMatch(message);
    expect(problem.message).toContain(`mask type ${maskType}, sample ${sample}`);
  });

  it('reports batch-level problems: empty, ragged, wrong batch size, not int32, wrong count', () => {
    const empty: MaskPair = { context: { data: new Int32Array(0), batchSize: 2, length: 0 }, target: good()[0].target };
    expect(validateMaskPairs([empty], { grid, batchSize: 2 })[0]).toMatchObject({ reason: 'empty', maskType: 0, role: 'context' });
    const ragged: MaskPair = { context: { data: new Int32Array(5), batchSize: 2, length: 2 }, target: good()[0].target };
    expect(validateMaskPairs([ragged], { grid, batchSize: 2 })[0]).toMatchObject({ reason: 'ragged', maskType: 0 });
    expect(validateMaskPairs(good(), { grid, batchSize: 3 }).map((p) => p.reason)).toEqual(['wrong-batch-size', 'wrong-batch-size']);
    const floats = { context: { data: Float32Array.from([0, 1, 2, 3]), batchSize: 2, length: 2 }, target: good()[0].target };
    expect(validateMaskPairs([floats as never], { grid, batchSize: 2 })[0].reason).toBe('not-int32');
    expect(validateMaskPairs(good(), { grid, batchSize: 2, numMaskTypes: 2 })[0]).toMatchObject({ reason: 'wrong-mask-type-count', maskType: null });
    expect(validateMaskPairs([null as never], { grid, batchSize: 2 })[0].reason).toBe('malformed');
    expect(validateMaskPairs('x' as never, { grid, batchSize: 2 })[0].reason).toBe('not-a-list');
  });

  it('names the right mask type when a later type is broken', () => {
    const pairs = [...good(), pair([[0, 1], [2, 3]], [[1, 5], [6, 7]])];
    expect(validateMaskPairs(pairs, { grid, batchSize: 2 })).toMatchObject([{ maskType: 1, sample: 0, reason: 'overlap' }]);
  });

  it('assertValidMaskPairs throws a MaskError listing problems', () => {
    expect(() => assertValidMaskPairs(good(), { grid, batchSize: 2 })).not.toThrow();
    const bad = [pair([[0, 9], [2, 3]], [[4, 5], [6, 7]])];
    expect(() => assertValidMaskPairs(bad, { grid, batchSize: 2 })).toThrow(MaskError);
    expect(() => assertValidMaskPairs(bad, { grid, batchSize: 2 })).toThrow(/1 problem\(s\): mask type 0, sample 0, context: expected indices in \[0, 8\)/);
  });
});
