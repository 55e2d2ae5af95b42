import { describe, expect, it } from 'vitest';
import * as main from './index';
import * as render from './render/index';
import * as testing from './testing/index';

describe('public entry points', () => {
  it('export the documented API', () => {
    for (const name of [
      'createRng', 'deriveSeed', 'restoreRng', 'multiblock3d', 'multiblockBlockSizes', 'randomTube', 'fullContext',
      'fromOfficialMaskConfig', 'validateMaskPairs', 'assertValidMaskPairs', 'indexBatchFromRows', 'indexBatchRow',
      'indexBatchToRows', 'numTokens', 'tokenIndex', 'checkSampleOptions',
    ] as const) {
      expect(typeof main[name]).toBe('function');
    }
    expect(main.RELEASED_MASK_TYPES).toHaveLength(2);
    expect(testing.validateMaskPairs).toBe(main.validateMaskPairs);
    expect(typeof testing.checkMaskingStrategy).toBe('function');
    expect(typeof testing.assertConformingStrategy).toBe('function');
    expect('encodePng' in render).toBe(false); // the one PNG writer is @vjepa/io's
    expect(typeof render.renderMasksPng).toBe('function');
    expect(typeof render.renderMasksText).toBe('function');
  });

  it('index helpers agree with the time-major raster order', () => {
    const grid = { t: 2, h: 3, w: 4 };
    expect(main.numTokens(grid)).toBe(24);
    expect(main.tokenIndex(grid, 1, 2, 3)).toBe(23);
    const batch = main.indexBatchFromRows([[0, 3], [1, 2]]);
    expect(Array.from(main.indexBatchRow(batch, 1))).toEqual([1, 2]);
    expect(main.indexBatchToRows(batch)).toEqual([[0, 3], [1, 2]]);
    expect(() => main.indexBatchFromRows([[0, 1], [2]])).toThrow(/row 1/);
  });
});
