import { z } from 'zod';

/**
 * The number kinds config sections are written with, so every package's schema says "an integer
 * >= 1" the same way (and every error reads the same).
 *
 * @example
 * const batch = positiveInt; // z.number().int().min(1)
 */
export const positiveInt = z.number().int().min(1);

/**
 * An integer >= 0.
 *
 * @example
 * nonNegativeInt.parse(0); // 0
 */
export const nonNegativeInt = z.number().int().min(0);

/**
 * A number > 0.
 *
 * @example
 * positive.parse(1e-3); // 0.001
 */
export const positive = z.number().gt(0);

/**
 * A number >= 0.
 *
 * @example
 * nonNegative.parse(0); // 0
 */
export const nonNegative = z.number().min(0);

/**
 * A number in (0, 1].
 *
 * @example
 * unitInterval.parse(0.15); // 0.15
 */
export const unitInterval = z.number().gt(0).max(1);

/**
 * A `[min, max]` pair of numbers of one kind (order is checked by the section's owner).
 *
 * @example
 * const scale = range(unitInterval); // [0.3, 1.0]
 */
export function range(item: z.ZodNumber): z.ZodTuple<[z.ZodNumber, z.ZodNumber]> {
  return z.tuple([item, item]);
}
