/**
 * Deterministic 32-bit string hash (FNV-1a). Used to give every parameter its own seed derived from
 * the module seed and the parameter's name, so initial values do not depend on creation order.
 *
 * @example
 * hashString('blocks.0.attn.qkv.weight'); // a uint32
 */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** splitmix32 step: a small, well-mixed PRNG returning uniform numbers in [0, 1). */
function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    return z / 4294967296;
  };
}

/**
 * Fills a Float32Array with samples of N(mean, std^2) truncated to the absolute interval [a, b]
 * (rejection sampling, Box-Muller). Defaults follow the reference initialiser: std 0.02 and bounds
 * [-2, 2] in absolute units (so at std 0.02 the truncation practically never triggers).
 *
 * @example
 * const w = seededTruncatedNormal(64 * 64, 7, { std: 0.02 });
 */
export function seededTruncatedNormal(
  size: number,
  seed: number,
  opts: { mean?: number; std?: number; a?: number; b?: number } = {},
): Float32Array {
  const { mean = 0, std = 1, a = -2, b = 2 } = opts;
  const next = splitmix32(seed);
  const out = new Float32Array(size);
  let i = 0;
  while (i < size) {
    // Box-Muller gives two independent normals per pair of uniforms.
    const u1 = 1 - next();
    const u2 = next();
    const r = Math.sqrt(-2 * Math.log(u1));
    const z0 = mean + std * r * Math.cos(2 * Math.PI * u2);
    const z1 = mean + std * r * Math.sin(2 * Math.PI * u2);
    if (z0 >= a && z0 <= b) out[i++] = z0;
    if (i < size && z1 >= a && z1 <= b) out[i++] = z1;
  }
  return out;
}
