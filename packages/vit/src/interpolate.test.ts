import { describe, expect, it } from 'vitest';
import { interpolatePosTable2d, interpolatePosTable3d } from './interpolate';
import { sincosPosEmbed2d, sincosPosEmbed3d } from './sincos';
import { maxAbsDiff } from './test-utils';

describe('position table interpolation', () => {
  it('is the identity for equal grids', () => {
    const t3 = sincosPosEmbed3d(24, [2, 3, 3], { uniformPower: true });
    expect(maxAbsDiff(interpolatePosTable3d(t3, 24, [2, 3, 3], [2, 3, 3]), t3)).toBe(0);
    const t2 = sincosPosEmbed2d(16, [3, 4]);
    expect(maxAbsDiff(interpolatePosTable2d(t2, 16, [3, 4], [3, 4]), t2)).toBeLessThan(1e-7);
  });

  it('trilinear with align_corners=False: 2 -> 4 along time gives v0, .75v0+.25v1, .25v0+.75v1, v1', () => {
    // one channel, grid [2, 1, 1] with values 0 and 1
    const out = interpolatePosTable3d(new Float32Array([0, 1]), 1, [2, 1, 1], [4, 1, 1]);
    expect(Array.from(out)).toEqual([0, 0.25, 0.75, 1]);
    // downsampling 4 -> 2 averages the middle pairs: src = 0.5 and 2.5
    const down = interpolatePosTable3d(new Float32Array([0, 1, 2, 3]), 1, [4, 1, 1], [2, 1, 1]);
    expect(Array.from(down)).toEqual([0.5, 2.5]);
  });

  it('resamples each axis independently (separable) and keeps constants', () => {
    const d = 2;
    const from: [number, number, number] = [2, 2, 3];
    const table = new Float32Array(2 * 2 * 3 * d).fill(0.5);
    const out = interpolatePosTable3d(table, d, from, [3, 5, 4]);
    expect(out.length).toBe(3 * 5 * 4 * d);
    expect(maxAbsDiff(out, new Float32Array(out.length).fill(0.5))).toBeLessThan(1e-7);
  });

  it('bicubic (A = -0.75) keeps constants and reproduces PyTorch weights on 2 -> 4', () => {
    const out = interpolatePosTable2d(new Float32Array([0, 1]), 1, [2, 1], [4, 1]);
    // src = -0.25, 0.25, 0.75, 1.25 with border clamping; values from the Keys kernel
    const kernel = (x: number) => {
      const a = -0.75;
      const ax = Math.abs(x);
      return ax <= 1 ? ((a + 2) * ax - (a + 3)) * ax * ax + 1 : ax < 2 ? ((a * ax - 5 * a) * ax + 8 * a) * ax - 4 * a : 0;
    };
    const ref = [-0.25, 0.25, 0.75, 1.25].map((s) => {
      let v = 0;
      const i0 = Math.floor(s);
      for (let k = -1; k <= 2; k++) v += kernel(s - (i0 + k)) * [0, 1][Math.min(Math.max(i0 + k, 0), 1)];
      return v;
    });
    expect(maxAbsDiff(out, ref)).toBeLessThan(1e-6);
    const c = interpolatePosTable2d(new Float32Array(9).fill(2), 1, [3, 3], [5, 7]);
    expect(maxAbsDiff(c, new Float32Array(35).fill(2))).toBeLessThan(1e-6);
  });
});
