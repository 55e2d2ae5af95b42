import { ConfigError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { indexBatchRow } from './index-batch';
import { randomTube } from './random-tube';
import { createRng } from '@vjepa/rng';
import { validateMaskPairs } from './validate-mask-pairs';

describe('randomTube', () => {
  it('keeps exactly int(h*w*(1-ratio)) patches, the same at every time slot', () => {
    const grid = { t: 8, h: 14, w: 14 };
    const [p] = randomTube(0.9).sample({ grid, batchSize: 4, rng: createRng(0), step: 0 });
    const keep = Math.trunc(196 * (1 - 0.9)); // 19
    expect(p.context.length).toBe(8 * keep);
    expect(p.target.length).toBe(8 * (196 - keep));
    expect(validateMaskPairs([p], { grid, batchSize: 4, numMaskTypes: 1 })).toEqual([]);
    const spatialSets: string[] = [];
    for (let b = 0; b < 4; b++) {
      const row = Array.from(indexBatchRow(p.context, b));
      const perSlot = Array.from({ length: 8 }, (_, ti) => row.filter((i) => Math.floor(i / 196) === ti).map((i) => i % 196));
      for (const slot of perSlot) expect(slot).toEqual(perSlot[0]);
      spatialSets.push(perSlot[0].join(','));
      const all = [...row, ...indexBatchRow(p.target, b)].sort((x, y) => x - y);
      expect(all).toEqual(Array.from({ length: 8 * 196 }, (_, i) => i));
    }
    expect(new Set(spatialSets).size).toBe(4); // each sample draws its own tube
  });

  it('is deterministic per rng and varies across seeds', () => {
    const grid = { t: 2, h: 5, w: 5 };
    const s = randomTube(0.5);
    const a = s.sample({ grid, batchSize: 2, rng: createRng(1), step: 0 })[0].context.data;
    const b = s.sample({ grid, batchSize: 2, rng: createRng(1), step: 0 })[0].context.data;
    const c = s.sample({ grid, batchSize: 2, rng: createRng(2), step: 0 })[0].context.data;
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('rejects bad ratios', () => {
    expect(() => randomTube(1)).toThrow(/randomTube\(ratio\): expected a masking ratio in \[0, 1\), received 1/);
    expect(() => randomTube(-0.1)).toThrow(ConfigError);
    expect(() => randomTube(0.99).sample({ grid: { t: 1, h: 4, w: 4 }, batchSize: 1, rng: createRng(0), step: 0 })).toThrow(/keeps 0/);
    expect(() => randomTube(0).sample({ grid: { t: 1, h: 4, w: 4 }, batchSize: 1, rng: createRng(0), step: 0 })).toThrow(/keeps 16/);
  });
});
