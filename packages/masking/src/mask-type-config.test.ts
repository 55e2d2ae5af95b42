import { ConfigError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { RELEASED_MASK_TYPES, RELEASED_OFFICIAL_MASK_CONFIG, fromOfficialMaskConfig } from './mask-type-config';

describe('released mask config', () => {
  it('has the two released mask types', () => {
    expect(RELEASED_OFFICIAL_MASK_CONFIG.map((m) => [m.num_blocks, m.spatial_scale[0]])).toEqual([
      [8, 0.15],
      [2, 0.7],
    ]);
    for (const m of RELEASED_MASK_TYPES) {
      expect(m.aspectRatio).toEqual([0.75, 1.5]);
      expect(m.temporalScale).toEqual([1, 1]);
      expect(m.maxTemporalKeep).toBe(1);
      expect(m.maxKeep).toBeNull();
    }
    expect(Object.isFrozen(RELEASED_MASK_TYPES)).toBe(true);
  });
});

describe('fromOfficialMaskConfig', () => {
  it('maps snake_case to camelCase and fills defaults', () => {
    const [m] = fromOfficialMaskConfig([{ num_blocks: 3, spatial_scale: [0.1, 0.2], temporal_scale: [0.5, 1], aspect_ratio: [0.5, 2] }]);
    expect(m).toEqual({ numBlocks: 3, spatialScale: [0.1, 0.2], temporalScale: [0.5, 1], aspectRatio: [0.5, 2], maxTemporalKeep: 1, maxKeep: null });
    expect(fromOfficialMaskConfig(RELEASED_OFFICIAL_MASK_CONFIG)).toEqual(RELEASED_MASK_TYPES);
  });

  it('names the snake_case path, the value and what is allowed', () => {
    const bad = (patch: Record<string, unknown>, k = 1) => {
      const list = RELEASED_OFFICIAL_MASK_CONFIG.map((m) => ({ ...m })) as Record<string, unknown>[];
      Object.assign(list[k], patch);
      return () => fromOfficialMaskConfig(list as never);
    };
    expect(bad({ spatial_scale: [0.7, 1.2] })).toThrow(/mask\[1\]\.spatial_scale\[1\]: expected a number in \(0, 1\], received 1.2/);
    expect(bad({ spatial_scale: 0.7 })).toThrow(/mask\[1\]\.spatial_scale: expected \[min, max\]/);
    expect(bad({ aspect_ratio: [1.5, 0.75] }, 0)).toThrow(/mask\[0\]\.aspect_ratio/);
    expect(bad({ num_blocks: 0 })).toThrow(/mask\[1\]\.num_blocks: expected an integer >= 1, received 0/);
    expect(bad({ max_temporal_keep: 1.5 })).toThrow(/mask\[1\]\.max_temporal_keep: expected a number in \(0, 1\], received 1.5/);
    expect(bad({ max_keep: -3 })).toThrow(/mask\[1\]\.max_keep: expected null or an integer >= 1/);
    expect(bad({ temporal_scale: undefined })).toThrow(/mask\[1\]\.temporal_scale.*undefined \(missing\)/);
    expect(bad({ spatialScale: [0.1, 0.1] })).toThrow(/mask\[1\]\.spatialScale.*unknown key/);
    expect(bad({ num_blocks: 2.5 })).toThrow(ConfigError);
    expect(() => fromOfficialMaskConfig([] as never, 'cfg.mask')).toThrow(/cfg\.mask: expected a non-empty list/);
    expect(() => fromOfficialMaskConfig({} as never)).toThrow(ConfigError);
  });
});
