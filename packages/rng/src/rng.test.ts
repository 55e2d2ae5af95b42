import { ConfigError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { createRng, deriveSeed, restoreRng } from './rng';

describe('createRng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = createRng(7);
    const b = createRng(7);
    const c = createRng(8);
    const xa = Array.from({ length: 20 }, () => a.nextUint32());
    const xb = Array.from({ length: 20 }, () => b.nextUint32());
    const xc = Array.from({ length: 20 }, () => c.nextUint32());
    expect(xa).toEqual(xb);
    expect(xa).not.toEqual(xc);
  });

  it('next() is in [0, 1) with mean ~0.5 and variance ~1/12', () => {
    const rng = createRng(1);
    const n = 50_000;
    let sum = 0;
    let sq = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      min = Math.min(min, u);
      max = Math.max(max, u);
      sum += u;
      sq += u * u;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    const mean = sum / n;
    expect(mean).toBeCloseTo(0.5, 2);
    expect(sq / n - mean * mean).toBeCloseTo(1 / 12, 2);
  });

  it('int() covers an inclusive range uniformly', () => {
    const rng = createRng(3);
    const counts = new Array(6).fill(0);
    const n = 60_000;
    for (let i = 0; i < n; i++) counts[rng.int(1, 6) - 1]++;
    for (const c of counts) expect(Math.abs(c / n - 1 / 6)).toBeLessThan(0.01);
    expect(rng.int(5, 5)).toBe(5);
    expect(rng.int(-3, -3)).toBe(-3);
  });

  it('normal() has mean ~0 and std ~1', () => {
    const rng = createRng(11);
    const n = 40_000;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      sum += z;
      sq += z * z;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.02);
    expect(Math.abs(Math.sqrt(sq / n) - 1)).toBeLessThan(0.02);
    expect(createRng(11).normal(10, 0)).toBe(10);
  });

  it('shuffle() is a permutation', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const shuffled = createRng(5).shuffle([...items]);
    expect(shuffled).not.toEqual(items);
    expect([...shuffled].sort((x, y) => x - y)).toEqual(items);
  });

  it('rejects bad arguments with ConfigError', () => {
    expect(() => createRng(1.5)).toThrow(ConfigError);
    expect(() => createRng(Number.NaN)).toThrow(/createRng\(seed\)/);
    const rng = createRng(0);
    expect(() => rng.int(3, 2)).toThrow(ConfigError);
    expect(() => rng.int(0, 2 ** 33)).toThrow(/2\^32/);
    expect(() => rng.uniform(1, 0)).toThrow(ConfigError);
  });
});

describe('getState / restoreRng', () => {
  it('round-trips through JSON, including the cached normal', () => {
    const rng = createRng(99);
    rng.next();
    rng.normal(); // leaves a spare cached
    const state = JSON.parse(JSON.stringify(rng.getState()));
    expect(state.spareNormal).not.toBeNull();
    const restored = restoreRng(state);
    const a = [rng.normal(), rng.next(), rng.int(0, 1000), rng.normal()];
    const b = [restored.normal(), restored.next(), restored.int(0, 1000), restored.normal()];
    expect(b).toEqual(a);
  });

  it('rejects malformed states', () => {
    expect(() => restoreRng({} as never)).toThrow(ConfigError);
    const good = createRng(1).getState();
    expect(() => restoreRng({ ...good, words: [0, 0, 0, 0] })).toThrow(/not all zero/);
    expect(() => restoreRng({ ...good, words: [1, 2, 3] as never })).toThrow(/words/);
    expect(() => restoreRng({ ...good, spareNormal: Number.NaN })).toThrow(/spareNormal/);
  });
});

describe('deriveSeed', () => {
  it('is deterministic, order-sensitive and spreads nearby inputs', () => {
    expect(deriveSeed(1, 2, 3)).toBe(deriveSeed(1, 2, 3));
    expect(deriveSeed(1, 2, 3)).not.toBe(deriveSeed(1, 3, 2));
    expect(deriveSeed(1)).not.toBe(deriveSeed(1, 0));
    const seen = new Set<number>();
    for (let s = 0; s < 1000; s++) seen.add(deriveSeed(42, s));
    expect(seen.size).toBe(1000);
    const big = deriveSeed(2 ** 40 + 1);
    expect(big).not.toBe(deriveSeed(1));
    expect(Number.isInteger(big) && big >= 0 && big < 2 ** 32).toBe(true);
  });

  it('derived streams are uncorrelated', () => {
    const a = createRng(deriveSeed(0, 1));
    const b = createRng(deriveSeed(0, 2));
    const n = 20_000;
    let sab = 0;
    for (let i = 0; i < n; i++) sab += (a.next() - 0.5) * (b.next() - 0.5);
    // correlation = cov / var; var of U(0,1) is 1/12
    expect(Math.abs((sab / n) * 12)).toBeLessThan(0.05);
  });

  it('rejects non-integers', () => {
    expect(() => deriveSeed(0, 0.5)).toThrow(ConfigError);
  });
});
