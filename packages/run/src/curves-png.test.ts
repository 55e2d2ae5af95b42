import pngjs from 'pngjs';
import { describe, expect, it } from 'vitest';
import { curvesPng, tickLabel } from './curves-png';

describe('curvesPng', () => {
  it('draws one panel per series with the curve colour inside the plot area', () => {
    const xs = Array.from({ length: 50 }, (_, i) => i);
    const buf = curvesPng([
      { title: 'LOSS', xs, ys: xs.map((x) => 1 / (1 + x)), color: [200, 0, 0, 255] },
      { title: 'LR', xs, ys: xs.map((x) => Math.min(x, 10) * 1e-4), color: [0, 0, 200, 255] },
    ]);
    const png = pngjs.PNG.sync.read(Buffer.from(buf));
    expect([png.width, png.height]).toEqual([640, 440]);
    const count = (r: number, g: number, b: number, y0: number, y1: number) => {
      let n = 0;
      for (let y = y0; y < y1; y++) for (let x = 0; x < png.width; x++) {
        const i = (y * png.width + x) * 4;
        if (png.data[i] === r && png.data[i + 1] === g && png.data[i + 2] === b) n++;
      }
      return n;
    };
    expect(count(200, 0, 0, 24, 190)).toBeGreaterThan(200); // loss line, top panel
    expect(count(200, 0, 0, 244, 410)).toBe(0);
    expect(count(0, 0, 200, 244, 410)).toBeGreaterThan(200); // lr line, bottom panel
  });

  it('survives empty and constant series', () => {
    expect(() => curvesPng([{ title: 'LOSS', xs: [], ys: [], color: [0, 0, 0, 255] }])).not.toThrow();
    expect(() => curvesPng([{ title: 'LR', xs: [0, 1], ys: [1e-3, 1e-3], color: [0, 0, 0, 255] }])).not.toThrow();
  });

  it('formats tick labels compactly', () => {
    expect(tickLabel(0.0625)).toBe('0.0625');
    expect(tickLabel(2.5e-4)).toBe('2.5e-4');
    expect(tickLabel(1200)).toBe('1200');
  });
});

describe('tickLabel with a span', () => {
  it('keeps close ticks distinct', () => {
    expect(tickLabel(1.7711, 0.0088)).not.toBe(tickLabel(1.7799, 0.0088));
  });
});
