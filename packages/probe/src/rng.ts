// A small seeded PRNG (mulberry32) for shuffling; library code never uses Math.random.

/**
 * Deterministic uniform numbers in [0, 1) from a 32-bit seed.
 *
 * @example
 * const next = seededUniform(42); next(); // 0.6011...
 */
export function seededUniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A seeded Fisher-Yates permutation of `0..n-1`.
 *
 * @example
 * permutation(5, seededUniform(1)); // Int32Array of 0..4 shuffled
 */
export function permutation(n: number, next: () => number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}
