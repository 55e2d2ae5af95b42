/**
 * Seeded randomness for the data pipeline: thin names over the project-wide generator of
 * `@vjepa/rng` (xoshiro128** seeded through splitmix32, serialisable state), so data, masking and
 * trainer share one implementation. The pipeline itself only ever asks for {@link RandomSource}.
 */
import { createRng, deriveSeed, restoreRng, type Rng, type RngState } from '@vjepa/rng';

/**
 * The one thing the data pipeline needs from a random generator: a float in [0, 1). A masking `Rng`
 * is one; so is anything else with such a `next()`.
 *
 * @example
 * const rng: RandomSource = createDataRng(7);
 * const u = rng.next();
 */
export interface RandomSource {
  next(): number;
}

/**
 * The data package's name for `@vjepa/rng`'s `Rng` (`next`, `nextUint32`, `int`, `uniform`,
 * `normal`, `shuffle`, `getState`).
 *
 * @example
 * const rng: DataRng = createDataRng(42);
 * rng.int(0, 9); // uniform in {0..9}
 */
export type DataRng = Rng;

/**
 * The data package's name for `@vjepa/rng`'s `RngState` (JSON-serialisable).
 *
 * @example
 * const saved: DataRngState = JSON.parse(JSON.stringify(rng.getState()));
 * const again = createDataRng(saved);
 */
export type DataRngState = RngState;

/**
 * A generator from a safe-integer seed (`createRng`) or a saved state (`restoreRng`): the same
 * stream as `@vjepa/rng` gives for that seed or state.
 *
 * @example
 * const a = createDataRng(1), b = createDataRng(1);
 * a.next() === b.next(); // true
 * createDataRng(a.getState()).next() === a.next(); // true
 */
export function createDataRng(seedOrState: number | DataRngState): DataRng {
  return typeof seedOrState === 'number' ? createRng(seedOrState) : restoreRng(seedOrState);
}

/**
 * Mixes a seed with integers (epoch, index, ...) into an independent 32-bit seed: `@vjepa/rng`'s
 * `deriveSeed`. The loader seeds each sample with `mixSeed(seed, 1, epoch, index)`, so order and
 * augmentation do not depend on timing.
 *
 * @example
 * const rng = createDataRng(mixSeed(seed, epoch, index));
 */
export function mixSeed(seed: number, ...ints: number[]): number {
  return deriveSeed(seed, ...ints);
}
