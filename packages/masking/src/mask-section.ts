import { type z as Z, positive, positiveInt, range, unitInterval, z } from '@vjepa/config';
import { ConfigError } from '@vjepa/errors';

/**
 * One entry of the official `mask` list: a multiblock3d mask type (`num_blocks`, `spatial_scale`,
 * `temporal_scale`, `aspect_ratio`, `max_temporal_keep` default 1, `max_keep` default null).
 *
 * @example
 * parseConfig(maskTypeSection, { num_blocks: 8, spatial_scale: [0.15, 0.15], temporal_scale: [1, 1], aspect_ratio: [0.75, 1.5] });
 */
export const maskTypeSection = z
  .object({
    num_blocks: positiveInt,
    spatial_scale: range(unitInterval),
    temporal_scale: range(unitInterval),
    aspect_ratio: range(positive),
    max_temporal_keep: unitInterval.default(1),
    max_keep: positiveInt.nullable().default(null),
  })
  .strict();

/**
 * The official `mask` section (this package owns it): a list of at least one mask type, turned into
 * a strategy by `multiblock3d(fromOfficialMaskConfig(list))`.
 *
 * @example
 * const mask = parseConfig(maskSection, raw.mask, ['mask']);
 */
export const maskSection = z.array(maskTypeSection).min(1);

/**
 * A validated `mask` section.
 *
 * @example
 * const list: MaskSection = config.mask;
 */
export type MaskSection = Z.output<typeof maskSection>;

/**
 * Checks that every range of every mask type is `[min, max]` with min <= max. Throws ConfigError
 * naming the entry and key, e.g. `mask[1].spatial_scale`.
 *
 * @example
 * checkMaskSection(config.mask);
 */
export function checkMaskSection(mask: MaskSection): void {
  mask.forEach((m, k) => {
    for (const key of ['spatial_scale', 'temporal_scale', 'aspect_ratio'] as const) {
      const pair = m[key];
      if (pair[0] > pair[1]) throw new ConfigError(`mask[${k}].${key}`, { expected: '[min, max] with min <= max', received: JSON.stringify(pair) });
    }
  });
}
