import { ConfigError, MaskError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { fullContext } from '../full-context';
import { indexBatchFromRows } from '../index-batch';
import { RELEASED_MASK_TYPES } from '../mask-type-config';
import { multiblock3d } from '../multiblock-3d';
import { createRng } from '@vjepa/rng';
import type { MaskPair } from '../specification';
import { MASK_COLOURS, ROLE_BOTH, ROLE_CONTEXT, ROLE_NEITHER, ROLE_TARGET, maskRoles, masksImageLayout, renderMasksPng, renderMasksText } from './index';
import { decodePng } from './png-reader.test-util';

const grid = { t: 2, h: 2, w: 3 }; // 12 tokens
// sample 0: context {0, 1, 6}, target {2, 3, 11}; token 4,5,7..10 neither. sample 1: different.
const pair: MaskPair = {
  context: indexBatchFromRows([[0, 1, 6], [3, 4, 5]]),
  target: indexBatchFromRows([[2, 3, 11], [0, 1, 2]]),
};

describe('maskRoles', () => {
  it('marks context, target, neither and both', () => {
    expect(Array.from(maskRoles(pair, grid, 0))).toEqual([1, 1, 2, 2, 0, 0, 1, 0, 0, 0, 0, 2]);
    const [full] = fullContext().sample({ grid, batchSize: 1, rng: createRng(0), step: 0 });
    expect(new Set(maskRoles(full, grid))).toEqual(new Set([ROLE_BOTH]));
    expect([ROLE_NEITHER, ROLE_CONTEXT, ROLE_TARGET]).toEqual([0, 1, 2]);
  });

  it('rejects a bad sample or out-of-range indices', () => {
    expect(() => maskRoles(pair, grid, 2)).toThrow(ConfigError);
    expect(() => maskRoles(pair, { t: 1, h: 2, w: 3 }, 0)).toThrow(MaskError);
  });
});

describe('renderMasksText', () => {
  it('draws one panel per time slot', () => {
    expect(renderMasksText(pair, grid).split('\n')).toEqual([
      "sample 0: '#' target, '.' context, ' ' neither, '*' both",
      't=0   t=1',
      '|..#| |.  |',
      '|#  | |  #|',
    ]);
    expect(renderMasksText(pair, grid, { sample: 1, slotsPerRow: 1 }).split('\n').slice(1)).toEqual(['t=0', '|###|', '|...|', 't=1', '|   |', '|   |']);
  });

  it('shows a real multiblock mask with both roles', () => {
    const g = { t: 2, h: 6, w: 6 };
    const [p] = multiblock3d(RELEASED_MASK_TYPES).sample({ grid: g, batchSize: 1, rng: createRng(0), step: 0 });
    const text = renderMasksText(p, g);
    expect(text.split('\n')).toHaveLength(1 + 1 + 6);
    expect(text.match(/#/g)?.length).toBe(p.target.length + 1); // the legend has one '#'
    expect(text.match(/\./g)?.length).toBe(p.context.length + 1); // and one '.'
  });
});

describe('renderMasksPng', () => {
  it('decodes to the layout size with the right colour in known cells', () => {
    const png = renderMasksPng([pair, pair], grid, { samples: [0, 1], cellSize: 4, gap: 2 });
    const { width, height, rgba } = decodePng(png);
    const layout = masksImageLayout([pair, pair], grid, { samples: [0, 1], cellSize: 4, gap: 2 });
    expect([width, height]).toEqual([layout.width, layout.height]);
    expect([width, height]).toEqual([2 + 2 * (3 * 4 + 2), 2 + 4 * (2 * 4 + 2)]);
    expect(layout.rows).toEqual([
      { sample: 0, maskType: 0 },
      { sample: 0, maskType: 1 },
      { sample: 1, maskType: 0 },
      { sample: 1, maskType: 1 },
    ]);
    const pixel = (row: number, ti: number, y: number, x: number) => {
      const px = layout.panelX(ti) + x * 4 + 1; // inside the cell, away from its border
      const py = layout.panelY(row) + y * 4 + 1;
      return Array.from(rgba.subarray((py * width + px) * 4, (py * width + px) * 4 + 4));
    };
    expect(pixel(0, 0, 0, 0)).toEqual(MASK_COLOURS[ROLE_CONTEXT]); // token 0
    expect(pixel(0, 0, 0, 2)).toEqual(MASK_COLOURS[ROLE_TARGET]); // token 2
    expect(pixel(0, 0, 1, 1)).toEqual(MASK_COLOURS[ROLE_NEITHER]); // token 4
    expect(pixel(0, 1, 1, 2)).toEqual(MASK_COLOURS[ROLE_TARGET]); // token 11
    expect(pixel(2, 0, 0, 0)).toEqual(MASK_COLOURS[ROLE_TARGET]); // sample 1, token 0
    expect(pixel(2, 0, 1, 0)).toEqual(MASK_COLOURS[ROLE_CONTEXT]); // sample 1, token 3
    expect(Array.from(rgba.subarray(0, 4))).toEqual([255, 255, 255, 255]); // background corner
  });

  it('rejects bad options', () => {
    expect(() => renderMasksPng([pair], grid, { cellSize: 0 })).toThrow(/options.cellSize/);
    expect(() => renderMasksPng([], grid)).toThrow(ConfigError);
    expect(() => renderMasksPng([pair], grid, { samples: [5] })).toThrow(/options.sample/);
  });
});
