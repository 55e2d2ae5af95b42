/**
 * A private seeded PRNG for the data pipeline (xoshiro128** seeded through splitmix32).
 *
 * `@vjepa/masking` exports the project-wide `createRng`; this package must not depend on it, so it
 * carries its own tiny generator. Anything with a `next(): number` in [0, 1) can be passed where a
 * {@link RandomSource} is expected, including a masking `Rng`.
 */

/**
 * The one thing the data pipeline needs from a random generator: a float in [0, 1).
 *
 * @example
 * const rng: RandomSource = createDataRng(7);
 * const u = rng.next();
 */
export interface RandomSource {
  next(): number;
}

/**
 * The JSON-serialisable state of a {@link DataRng}.
 *
 * @example
 * const saved: DataRngState = rng.getState();
 * const again = createDataRng(saved);
 */
export interface DataRngState {
  readonly algorithm: 'xoshiro128**';
  readonly words: readonly [number, number, number, number];
}

/**
 * A seeded generator with serialisable state.
 *
 * @example
 * const rng = createDataRng(42);
 * rng.int(0, 9); // uniform in {0..9}
 */
export interface DataRng extends RandomSource {
  /** Uniform unsigned 32-bit integer. */
  nextUint32(): number;
  /** Uniform integer in [lo, hi], both inclusive. */
  int(lo: number, hiInclusive: number): number;
  /** Uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Snapshot; `createDataRng(state)` continues the same stream. */
  getState(): DataRngState;
}

function splitmix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) >>> 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return [next, (z ^ (z >>> 15)) >>> 0];
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * Creates a seeded xoshiro128** generator from a 32-bit seed or a saved state.
 *
 * @example
 * const a = createDataRng(1), b = createDataRng(1);
 * a.next() === b.next(); // true
 */
export function createDataRng(seedOrState: number | DataRngState): DataRng {
  let s0: number, s1: number, s2: number, s3: number;
  if (typeof seedOrState === 'number') {
    let st = seedOrState >>> 0;
    const w: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [n, v] = splitmix32(st);
      st = n;
      w.push(v);
    }
    [s0, s1, s2, s3] = w as [number, number, number, number];
    if ((s0 | s1 | s2 | s3) === 0) s0 = 1; // the all-zero state is a fixed point
  } else {
    [s0, s1, s2, s3] = seedOrState.words.map((x) => x >>> 0) as [number, number, number, number];
  }
  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    s2 = (s2 ^ s0) >>> 0;
    s3 = (s3 ^ s1) >>> 0;
    s1 = (s1 ^ s2) >>> 0;
    s0 = (s0 ^ s3) >>> 0;
    s2 = (s2 ^ t) >>> 0;
    s3 = rotl(s3, 11);
    return result;
  };
  const next = (): number => (nextUint32() * 2 ** 21 + (nextUint32() >>> 11)) / 2 ** 53;
  return {
    next,
    nextUint32,
    int(lo, hiInclusive) {
      return lo + Math.floor(next() * (hiInclusive - lo + 1));
    },
    uniform(lo, hi) {
      return lo + (hi - lo) * next();
    },
    getState() {
      return { algorithm: 'xoshiro128**', words: [s0, s1, s2, s3] };
    },
  };
}

/**
 * Mixes a seed with integers (epoch, index, ...) into an independent 32-bit seed (murmur3-style).
 * The loader seeds each sample with `mixSeed(seed, epoch, index)`, so order and augmentation do not
 * depend on timing.
 *
 * @example
 * const rng = createDataRng(mixSeed(seed, epoch, index));
 */
export function mixSeed(seed: number, ...ints: number[]): number {
  let h = 0x811c9dc5 ^ ints.length;
  for (const value of [seed, ...ints]) {
    const lo = value >>> 0;
    const hi = Math.floor(value / 4294967296) >>> 0;
    for (const word of [lo, hi]) {
      let k = Math.imul(word, 0xcc9e2d51);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, 0x1b873593);
      h ^= k;
      h = (h << 13) | (h >>> 19);
      h = (Math.imul(h, 5) + 0xe6546b64) >>> 0;
    }
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
