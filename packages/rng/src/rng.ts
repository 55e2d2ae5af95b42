import { ConfigError } from '@vjepa/errors';

/**
 * A seeded, serialisable pseudo-random generator (xoshiro128** over four 32-bit words, seeded through
 * splitmix32). Every random draw in vjepa-ts goes through one of these; nothing calls `Math.random`.
 *
 * @example
 * const rng = createRng(42);
 * const u = rng.next();        // in [0, 1)
 * const k = rng.int(0, 9);     // in {0, ..., 9}
 * const z = rng.normal();      // standard normal
 */
export interface Rng {
  /** A float in [0, 1) with 53 random bits. */
  next(): number;
  /** A uniform unsigned 32-bit integer. */
  nextUint32(): number;
  /** A uniform integer in `[lo, hi]` (both inclusive), without modulo bias. `hi - lo < 2^32`. */
  int(lo: number, hiInclusive: number): number;
  /** A uniform float in `[lo, hi)`. */
  uniform(lo: number, hi: number): number;
  /** A normal draw (Box-Muller, the spare value is cached and part of the state). */
  normal(mean?: number, std?: number): number;
  /** Fisher-Yates shuffle in place; returns the same array. */
  shuffle<T>(items: T[]): T[];
  /** A JSON-serialisable snapshot; `restoreRng(state)` continues the exact same stream. */
  getState(): RngState;
}

/**
 * The JSON-serialisable state of an {@link Rng}.
 *
 * @example
 * const saved: RngState = JSON.parse(JSON.stringify(rng.getState()));
 * const again = restoreRng(saved);
 */
export interface RngState {
  readonly version: 1;
  readonly algorithm: 'xoshiro128**';
  /** The four 32-bit state words, as unsigned integers. */
  readonly words: readonly [number, number, number, number];
  /** The cached second Box-Muller value, or null. */
  readonly spareNormal: number | null;
}

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/** Splits any safe integer into its low and high 32-bit words (two's complement for negatives). */
function words(value: number): [number, number] {
  const lo = ((value % TWO_POW_32) + TWO_POW_32) % TWO_POW_32;
  const hi = Math.floor(value / TWO_POW_32) >>> 0;
  return [lo >>> 0, hi];
}

/** The murmur3 32-bit finaliser: a bijective avalanche mix. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function combine(h: number, word: number): number {
  let k = Math.imul(word >>> 0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) >>> 0;
}

function checkSafeInteger(what: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new ConfigError(what, { expected: 'a safe integer', received: String(value) });
  }
}

/**
 * Derives an independent 32-bit seed from a seed and any number of integers (a stream id, a worker
 * rank, an epoch, a step...). Different argument lists give unrelated seeds; the same list always
 * gives the same seed.
 *
 * @example
 * const dataRng = createRng(deriveSeed(seed, 1, epoch));
 * const maskRng = createRng(deriveSeed(seed, 2, step));
 */
export function deriveSeed(seed: number, ...ints: number[]): number {
  checkSafeInteger('deriveSeed(seed)', seed);
  let h = 0x9e3779b9 ^ ints.length;
  const all = [seed, ...ints];
  all.forEach((value, i) => {
    checkSafeInteger(`deriveSeed(...ints[${i - 1}])`, value);
    const [lo, hi] = words(value);
    h = combine(h, lo);
    h = combine(h, hi);
  });
  return fmix32(h ^ (all.length * 8));
}

function splitmix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) >>> 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return [next, (z ^ (z >>> 15)) >>> 0];
}

class Xoshiro128 implements Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | null;

  constructor(w: readonly [number, number, number, number], spare: number | null) {
    [this.s0, this.s1, this.s2, this.s3] = w;
    this.spare = spare;
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  next(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / TWO_POW_53;
  }

  int(lo: number, hiInclusive: number): number {
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hiInclusive) || hiInclusive < lo || hiInclusive - lo >= TWO_POW_32) {
      throw new ConfigError('rng.int(lo, hiInclusive)', {
        expected: 'integers with lo <= hiInclusive and hiInclusive - lo < 2^32',
        received: `(${lo}, ${hiInclusive})`,
      });
    }
    const range = hiInclusive - lo + 1;
    // Rejection sampling: accept only draws below the largest multiple of range, so no value is favoured.
    const limit = TWO_POW_32 - (TWO_POW_32 % range);
    let u = this.nextUint32();
    while (u >= limit) u = this.nextUint32();
    return lo + (u % range);
  }

  uniform(lo: number, hi: number): number {
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi < lo) {
      throw new ConfigError('rng.uniform(lo, hi)', { expected: 'finite numbers with lo <= hi', received: `(${lo}, ${hi})` });
    }
    return lo + (hi - lo) * this.next();
  }

  normal(mean = 0, std = 1): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return mean + std * z;
    }
    // 1 - next() is in (0, 1], so the log is finite.
    const r = Math.sqrt(-2 * Math.log(1 - this.next()));
    const theta = 2 * Math.PI * this.next();
    this.spare = r * Math.sin(theta);
    return mean + std * r * Math.cos(theta);
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  getState(): RngState {
    return {
      version: 1,
      algorithm: 'xoshiro128**',
      words: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0],
      spareNormal: this.spare,
    };
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * Creates a generator from any safe integer seed. Same seed, same stream, on every platform.
 *
 * @example
 * const rng = createRng(0);
 * rng.int(1, 6); // a die roll, identical on every run
 */
export function createRng(seed: number): Rng {
  checkSafeInteger('createRng(seed)', seed);
  let sm = deriveSeed(seed);
  const w: number[] = [];
  for (let i = 0; i < 4; i++) {
    const [next, out] = splitmix32(sm);
    sm = next;
    w.push(out);
  }
  if (w.every((x): boolean => x === 0)) w[0] = 1; // the all-zero state is a fixed point of xoshiro
  return new Xoshiro128([w[0], w[1], w[2], w[3]], null);
}

/**
 * Rebuilds a generator from {@link Rng.getState}; the restored one continues the same stream.
 *
 * @example
 * const state = rng.getState();
 * const a = rng.next();
 * restoreRng(state).next() === a; // true
 */
export function restoreRng(state: RngState): Rng {
  const s = state as unknown as Record<string, unknown> | null;
  if (s === null || typeof s !== 'object' || s.version !== 1 || s.algorithm !== 'xoshiro128**') {
    throw new ConfigError('restoreRng(state)', {
      expected: "{ version: 1, algorithm: 'xoshiro128**', words, spareNormal }",
      received: JSON.stringify(state),
    });
  }
  const w = s.words;
  if (!Array.isArray(w) || w.length !== 4 || !w.every((x) => Number.isInteger(x) && x >= 0 && x < TWO_POW_32) || w.every((x) => x === 0)) {
    throw new ConfigError('restoreRng(state).words', {
      expected: 'four unsigned 32-bit integers, not all zero',
      received: JSON.stringify(w),
    });
  }
  const spare = s.spareNormal;
  if (spare !== null && (typeof spare !== 'number' || !Number.isFinite(spare))) {
    throw new ConfigError('restoreRng(state).spareNormal', { expected: 'a finite number or null', received: String(spare) });
  }
  return new Xoshiro128([w[0], w[1], w[2], w[3]], spare as number | null);
}
