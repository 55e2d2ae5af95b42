import { ConfigError, MaskError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { indexBatchRow, indexBatchToRows } from './index-batch';
import { RELEASED_MASK_TYPES, type MaskTypeOptions } from './mask-type-config';
import { multiblock3d, multiblockBlockSizes } from './multiblock-3d';
import { createRng, deriveSeed } from '@vjepa/rng';
import type { Grid } from './specification';
import { validateMaskPairs } from './validate-mask-pairs';

const GRID_16x224: Grid = { t: 8, h: 14, w: 14 }; // 16 frames, crop 224, patch 16, tubelet 2
const one = (o: Partial<MaskTypeOptions> = {}): MaskTypeOptions => ({
  numBlocks: 1,
  spatialScale: [0.3, 0.3],
  temporalScale: [0.5, 0.5],
  aspectRatio: [1, 1],
  ...o,
});

describe('multiblock3d statistics (released config, 16x224, batch 24)', () => {
  it('matches the official collator: context 0.234 / 0.068, target 0.476 / 0.702 (±0.02)', () => {
    const strategy = multiblock3d(RELEASED_MASK_TYPES);
    const n = 8 * 14 * 14;
    const rng = createRng(2024);
    const steps = 300;
    const sums = [
      { context: 0, target: 0 },
      { context: 0, target: 0 },
    ];
    for (let step = 0; step < steps; step++) {
      const pairs = strategy.sample({ grid: GRID_16x224, batchSize: 24, rng, step });
      pairs.forEach((p, k) => {
        sums[k].context += p.context.length / n;
        sums[k].target += p.target.length / n;
      });
    }
    const mean = sums.map((s) => ({ context: s.context / steps, target: s.target / steps }));
    expect(Math.abs(mean[0].context - 0.234)).toBeLessThanOrEqual(0.02);
    expect(Math.abs(mean[1].context - 0.068)).toBeLessThanOrEqual(0.02);
    expect(Math.abs(mean[0].target - 0.476)).toBeLessThanOrEqual(0.02);
    expect(Math.abs(mean[1].target - 0.702)).toBeLessThanOrEqual(0.02);
  });
});

describe('multiblock3d properties over many seeds', () => {
  it('returns valid, disjoint, sorted, rectangular masks and is deterministic', () => {
    const strategy = multiblock3d(RELEASED_MASK_TYPES);
    for (let seed = 0; seed < 60; seed++) {
      const g = createRng(deriveSeed(seed, 99));
      const grid = { t: g.int(1, 6), h: g.int(4, 12), w: g.int(4, 12) };
      const batchSize = g.int(1, 6);
      const step = g.int(0, 10_000);
      const pairs = strategy.sample({ grid, batchSize, rng: createRng(seed), step });
      expect(validateMaskPairs(pairs, { grid, batchSize, numMaskTypes: 2 })).toEqual([]);
      const again = strategy.sample({ grid, batchSize, rng: createRng(seed), step });
      expect(again.map((p) => [indexBatchToRows(p.context), indexBatchToRows(p.target)])).toEqual(
        pairs.map((p) => [indexBatchToRows(p.context), indexBatchToRows(p.target)]),
      );
      for (const p of pairs) {
        expect(p.context.data.length).toBe(batchSize * p.context.length);
        for (let b = 0; b < batchSize; b++) {
          const c = new Set(indexBatchRow(p.context, b));
          expect(indexBatchRow(p.target, b).filter((v) => c.has(v))).toHaveLength(0);
        }
      }
    }
  });

  it('with one sample, context and target are exact complements', () => {
    const strategy = multiblock3d(RELEASED_MASK_TYPES);
    const grid = { t: 4, h: 7, w: 9 };
    for (let seed = 0; seed < 20; seed++) {
      for (const p of strategy.sample({ grid, batchSize: 1, rng: createRng(seed), step: seed })) {
        const all = [...p.context.data, ...p.target.data].sort((a, b) => a - b);
        expect(all).toEqual(Array.from({ length: 4 * 7 * 9 }, (_, i) => i));
      }
    }
  });

  it('draws one block size per batch from the step: same for any rng, varying across steps', () => {
    const sizes = Array.from({ length: 30 }, (_, step) => JSON.stringify(multiblockBlockSizes(RELEASED_MASK_TYPES, GRID_16x224, step)));
    expect(new Set(sizes).size).toBeGreaterThan(10);
    expect(JSON.stringify(multiblockBlockSizes(RELEASED_MASK_TYPES, GRID_16x224, 5))).toBe(sizes[5]);
    // released: t = 8 (temporal scale 1); keep = int(196 * 0.15) = 29 and int(196 * 0.7) = 137
    for (const s of sizes.map((x) => JSON.parse(x))) {
      expect(s[0].t).toBe(8);
      // h = round(sqrt(keep * ar)), w = round(sqrt(keep / ar)), ar in [0.75, 1.5]
      expect(s[0].h).toBeGreaterThanOrEqual(5); // round(sqrt(29 * 0.75))
      expect(s[0].h).toBeLessThanOrEqual(7); // round(sqrt(29 * 1.5))
      expect(s[0].w).toBeGreaterThanOrEqual(4); // round(sqrt(29 / 1.5))
      expect(s[0].w).toBeLessThanOrEqual(6); // round(sqrt(29 / 0.75))
      expect(Math.min(s[1].h, s[1].w)).toBeGreaterThanOrEqual(10); // round(sqrt(137 * 0.75))
      expect(Math.max(s[1].h, s[1].w)).toBeLessThanOrEqual(14); // clipped to the grid
    }
  });

  it('seeds every mask type with the same step, as the reference does', () => {
    for (let step = 0; step < 10; step++) {
      const [a, b] = multiblockBlockSizes([RELEASED_MASK_TYPES[1], RELEASED_MASK_TYPES[1]], GRID_16x224, step);
      expect(a).toEqual(b);
    }
  });

  it('one block hides exactly a t x h x w box of the drawn size', () => {
    const types = [one()];
    const grid = { t: 6, h: 10, w: 10 };
    for (let step = 0; step < 10; step++) {
      const [size] = multiblockBlockSizes(types, grid, step);
      expect(size).toEqual({ t: 3, h: 5, w: 5 }); // int(6*0.5)=3, keep=int(100*0.3)=30, round(sqrt(30))=5
      const [p] = multiblock3d(types).sample({ grid, batchSize: 1, rng: createRng(step), step });
      const cells = Array.from(p.target.data, (i) => [Math.floor(i / 100), Math.floor((i % 100) / 10), i % 10]);
      const extent = (d: number) => Math.max(...cells.map((c) => c[d])) - Math.min(...cells.map((c) => c[d])) + 1;
      expect(p.target.length).toBe(75);
      expect([extent(0), extent(1), extent(2)]).toEqual([3, 5, 5]);
    }
  });

  it('truncation keeps the raster-order prefix of each sample', () => {
    const strategy = multiblock3d(RELEASED_MASK_TYPES);
    for (let seed = 0; seed < 10; seed++) {
      const alone = strategy.sample({ grid: GRID_16x224, batchSize: 1, rng: createRng(seed), step: 3 });
      const batch = strategy.sample({ grid: GRID_16x224, batchSize: 6, rng: createRng(seed), step: 3 });
      // sample 0 consumes the same draws in both calls only for the first mask type
      const full = alone[0];
      const cut = batch[0];
      expect(Array.from(indexBatchRow(cut.context, 0))).toEqual(Array.from(full.context.data.subarray(0, cut.context.length)));
      expect(Array.from(indexBatchRow(cut.target, 0))).toEqual(Array.from(full.target.data.subarray(0, cut.target.length)));
      expect(cut.context.length).toBeLessThanOrEqual(full.context.length);
    }
  });

  it('maxTemporalKeep hides every slot from int(T * maxTemporalKeep) on (causal)', () => {
    const types = [one({ maxTemporalKeep: 0.5, temporalScale: [0.25, 0.25] })];
    const grid = { t: 8, h: 6, w: 6 };
    for (let seed = 0; seed < 10; seed++) {
      const [single] = multiblock3d(types).sample({ grid, batchSize: 1, rng: createRng(seed), step: seed });
      const late = Array.from(single.target.data).filter((i) => i >= 4 * 36);
      expect(late).toHaveLength(4 * 36);
      const [p] = multiblock3d(types).sample({ grid, batchSize: 5, rng: createRng(seed), step: seed });
      expect(Math.max(...p.context.data)).toBeLessThan(4 * 36);
    }
  });

  it('maxKeep caps the context length', () => {
    const [p] = multiblock3d([{ ...RELEASED_MASK_TYPES[0], maxKeep: 50 }]).sample({ grid: GRID_16x224, batchSize: 3, rng: createRng(1), step: 0 });
    expect(p.context.length).toBe(50);
  });

  it('resamples samples whose context is empty', () => {
    // 1x1 blocks on a 1x2x2 grid, 4 blocks: about 9% of draws cover everything
    const types = [one({ numBlocks: 4, spatialScale: [0.5, 0.5], temporalScale: [1, 1] })];
    const grid = { t: 1, h: 2, w: 2 };
    const [p] = multiblock3d(types).sample({ grid, batchSize: 64, rng: createRng(3), step: 0 });
    expect(validateMaskPairs([p], { grid, batchSize: 64 })).toEqual([]);
    const hopeless = multiblock3d([one({ numBlocks: 200, spatialScale: [0.5, 0.5], temporalScale: [1, 1] })], { maxResampleAttempts: 3 });
    expect(() => hopeless.sample({ grid, batchSize: 4, rng: createRng(0), step: 0 })).toThrow(MaskError);
  });
});

describe('multiblock3d bad input', () => {
  const sample = (types: MaskTypeOptions[], grid: Grid = { t: 2, h: 4, w: 4 }, batchSize = 2) =>
    multiblock3d(types).sample({ grid, batchSize, rng: createRng(0), step: 0 });

  it('rejects a block as large as the grid', () => {
    expect(() => sample([one({ spatialScale: [1, 1], temporalScale: [1, 1] })])).toThrow(ConfigError);
    expect(() => sample([one({ spatialScale: [1, 1], temporalScale: [1, 1] })])).toThrow(/mask\[0\].*blocks smaller than the grid 2x4x4/);
  });

  it('rejects bad grid, batch size and step naming the option', () => {
    expect(() => sample([one()], { t: 2, h: 0, w: 4 })).toThrow(/grid\.h: expected an integer >= 1, received 0/);
    expect(() => sample([one()], { t: 1.5, h: 4, w: 4 })).toThrow(/grid\.t/);
    expect(() => sample([one()], undefined, 0)).toThrow(/batchSize: expected an integer >= 1, received 0/);
    expect(() => sample([one()], undefined, -2)).toThrow(ConfigError);
    expect(() => sample([one()], undefined, 2.5)).toThrow(/batchSize/);
    expect(() => multiblock3d([one()]).sample({ grid: { t: 1, h: 4, w: 4 }, batchSize: 1, rng: createRng(0), step: -1 })).toThrow(/step/);
  });

  it('rejects bad mask types naming the path, value and what is allowed', () => {
    expect(() => multiblock3d([one(), one({ spatialScale: [0.2, 1.5] })])).toThrow(/mask\[1\]\.spatialScale\[1\]: expected a number in \(0, 1\], received 1.5/);
    expect(() => multiblock3d([one({ spatialScale: [0, 0.5] })])).toThrow(/mask\[0\]\.spatialScale\[0\]/);
    expect(() => multiblock3d([one({ temporalScale: [0.8, 0.4] })])).toThrow(/mask\[0\]\.temporalScale: expected \[min, max\] with min <= max, received \[0.8,0.4\]/);
    expect(() => multiblock3d([one({ aspectRatio: [1.5, 0.75] })])).toThrow(/aspectRatio.*reversed/);
    expect(() => multiblock3d([one({ aspectRatio: [-1, 1] })])).toThrow(/mask\[0\]\.aspectRatio\[0\]: expected a number > 0/);
    expect(() => multiblock3d([one({ numBlocks: 0 })])).toThrow(/mask\[0\]\.numBlocks: expected an integer >= 1, received 0/);
    expect(() => multiblock3d([one({ numBlocks: 1.5 })])).toThrow(ConfigError);
    expect(() => multiblock3d([one({ maxTemporalKeep: 0 })])).toThrow(/maxTemporalKeep/);
    expect(() => multiblock3d([one({ maxKeep: 0 })])).toThrow(/maxKeep/);
    expect(() => multiblock3d([])).toThrow(/mask: expected a non-empty list/);
    expect(() => multiblock3d([{ ...one(), numBlock: 2 } as never])).toThrow(/mask\[0\]\.numBlock.*unknown key/);
  });
});
