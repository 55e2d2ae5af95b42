import { ConfigError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { axisDims3d, sincosPosEmbed1d, sincosPosEmbed2d, sincosPosEmbed3d } from './sincos';

describe('sin-cos tables', () => {
  it('1-D: [sin | cos] halves with omega_i = 1/10000^(i/(d/2))', () => {
    const d = 8;
    const t = sincosPosEmbed1d(d, 5);
    expect(Array.from(t.slice(0, d))).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    const p = 3;
    for (let i = 0; i < d / 2; i++) {
      const omega = 1 / 10000 ** (i / (d / 2));
      expect(t[p * d + i]).toBeCloseTo(Math.sin(p * omega), 6);
      expect(t[p * d + d / 2 + i]).toBeCloseTo(Math.cos(p * omega), 6);
    }
  });

  it('3-D axis widths: uniform power 2*ceil(D/6), otherwise D/2, D/4, D/4', () => {
    expect(axisDims3d(1024, true)).toEqual([342, 342, 342]);
    expect(axisDims3d(64, true)).toEqual([22, 22, 22]);
    expect(axisDims3d(64, false)).toEqual([32, 16, 16]);
    expect(() => axisDims3d(60, false)).toThrow(ConfigError);
  });

  it('3-D rows are [time | height | width] encodings, time-major, cut to D', () => {
    const d = 64;
    const [gt, gh, gw] = [2, 3, 4];
    const table = sincosPosEmbed3d(d, [gt, gh, gw], { uniformPower: true });
    expect(table.length).toBe(gt * gh * gw * d);
    const a = 22;
    const enc = sincosPosEmbed1d(a, 5);
    const [t, h, w] = [1, 2, 3];
    const row = table.subarray(((t * gh + h) * gw + w) * d, ((t * gh + h) * gw + w + 1) * d);
    expect(Array.from(row.subarray(0, a))).toEqual(Array.from(enc.subarray(t * a, (t + 1) * a)));
    expect(Array.from(row.subarray(a, 2 * a))).toEqual(Array.from(enc.subarray(h * a, (h + 1) * a)));
    // width block is cut from 22 to 64 - 44 = 20 dims
    expect(Array.from(row.subarray(2 * a, d))).toEqual(Array.from(enc.subarray(w * a, w * a + (d - 2 * a))));
  });

  it('3-D without uniform power gives time D/2 then height D/4 then width D/4', () => {
    const d = 32;
    const table = sincosPosEmbed3d(d, [3, 2, 2], { uniformPower: false });
    const row = table.subarray(((2 * 2 + 1) * 2 + 0) * d, ((2 * 2 + 1) * 2 + 1) * d); // t=2, h=1, w=0
    expect(Array.from(row.subarray(0, 16))).toEqual(Array.from(sincosPosEmbed1d(16, 3).subarray(32, 48)));
    expect(Array.from(row.subarray(16, 24))).toEqual(Array.from(sincosPosEmbed1d(8, 2).subarray(8, 16)));
    expect(Array.from(row.subarray(24, 32))).toEqual(Array.from(sincosPosEmbed1d(8, 1)));
  });

  it('2-D rows are [height | width] halves', () => {
    const d = 16;
    const table = sincosPosEmbed2d(d, [3, 5]);
    const enc = sincosPosEmbed1d(8, 5);
    const [h, w] = [2, 4];
    const row = table.subarray((h * 5 + w) * d, (h * 5 + w + 1) * d);
    expect(Array.from(row.subarray(0, 8))).toEqual(Array.from(enc.subarray(h * 8, h * 8 + 8)));
    expect(Array.from(row.subarray(8))).toEqual(Array.from(enc.subarray(w * 8, w * 8 + 8)));
  });

  it('refuses odd widths and empty grids with ConfigError', () => {
    expect(() => sincosPosEmbed1d(7, 3)).toThrow(/sincosPosEmbed1d dim/);
    expect(() => sincosPosEmbed3d(64, [0, 2, 2])).toThrow(ConfigError);
  });
});
