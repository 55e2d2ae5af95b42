import { PNG } from 'pngjs';
import { ConfigError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { confusionPng } from './confusion-png';

function decode(bytes: Uint8Array) {
  const png = PNG.sync.read(Buffer.from(bytes));
  const at = (x: number, y: number) => Array.from(png.data.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 3));
  return { png, at };
}

/** Dark (label ink) pixels inside a rectangle. */
function ink(at: (x: number, y: number) => number[], x0: number, y0: number, x1: number, y1: number): number {
  let n = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (at(x, y).every((v) => v < 100)) n++;
  return n;
}

describe('confusionPng', () => {
  it('draws row-normalised cells with class-index labels on the left (true) and on top (predicted)', () => {
    const cell = 24;
    const { png, at } = decode(confusionPng([[10, 0, 0], [0, 5, 5], [0, 0, 0]], cell));
    // one digit: labels take 6 + 2*4 = 14 px on the left, 10 + 2*4 = 18 px on top
    const left = 14;
    const top = 18;
    expect([png.width, png.height]).toEqual([left + 3 * cell + 1, top + 3 * cell + 1]);
    const centre = (i: number, j: number) => at(left + j * cell + cell / 2, top + i * cell + cell / 2);
    expect(centre(0, 0)).toEqual([20, 50, 140]); // 10/10 -> darkest blue
    expect(centre(0, 1)).toEqual([255, 255, 255]); // 0 -> white
    expect(centre(1, 1)).toEqual([138, 153, 198]); // 5/10 -> half way
    expect(centre(2, 2)).toEqual([255, 255, 255]); // a class never seen: white, no division by zero
    expect(at(left, top)).toEqual([0, 160, 60]); // the diagonal's green frame
    expect(at(left + cell + cell / 2, top)).toEqual([170, 170, 170]); // a grey frame elsewhere
    for (let i = 0; i < 3; i++) {
      expect(ink(at, 0, top + i * cell, left, top + (i + 1) * cell), `row label ${i}`).toBeGreaterThan(10);
      expect(ink(at, left + i * cell, 0, left + (i + 1) * cell, top), `column label ${i}`).toBeGreaterThan(10);
    }
    // "1" and "0" have different bitmaps: the labels really are the indices, not a fixed mark
    expect(ink(at, 0, top, left, top + cell)).not.toBe(ink(at, 0, top + cell, left, top + 2 * cell));
  });

  it('makes room for two-digit class indices', () => {
    const m = Array.from({ length: 12 }, (_, i) => Array.from({ length: 12 }, (_, j) => (i === j ? 1 : 0)));
    const { png } = decode(confusionPng(m, 10));
    expect(png.width).toBe(2 * 6 + 2 + 2 * 4 + 12 * 10 + 1);
  });

  it('rejects a matrix that is not square, naming it', () => {
    expect(() => confusionPng([[1, 2], [3]])).toThrow(ConfigError);
    expect(() => confusionPng([])).toThrow(/confusionPng matrix/);
  });
});
