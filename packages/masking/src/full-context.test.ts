import { describe, expect, it } from 'vitest';
import { fullContext } from './full-context';
import { indexBatchToRows } from './index-batch';
import { createRng } from '@vjepa/rng';
import { validateMaskPairs } from './validate-mask-pairs';

describe('fullContext', () => {
  it('gives every token as context and as target, for each mask type', () => {
    const grid = { t: 2, h: 2, w: 3 };
    const pairs = fullContext({ numMaskTypes: 2 }).sample({ grid, batchSize: 2, rng: createRng(0), step: 0 });
    expect(pairs).toHaveLength(2);
    const all = Array.from({ length: 12 }, (_, i) => i);
    for (const p of pairs) {
      expect(indexBatchToRows(p.context)).toEqual([all, all]);
      expect(indexBatchToRows(p.target)).toEqual([all, all]);
    }
    expect(validateMaskPairs(pairs, { grid, batchSize: 2, allowOverlap: true })).toEqual([]);
    expect(validateMaskPairs(pairs, { grid, batchSize: 2 }).map((p) => p.reason)).toContain('overlap');
  });

  it('declares its overlap and rejects a bad numMaskTypes', () => {
    expect(fullContext().contextMayOverlapTarget).toBe(true);
    expect(() => fullContext({ numMaskTypes: 0 })).toThrow(/numMaskTypes/);
  });
});
