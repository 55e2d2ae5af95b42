import { ShapeError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { crc32 } from './crc32';
import { encodePng } from './png';
import { decodePng } from './png-reader.test-util';

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});

describe('encodePng', () => {
  it('round-trips pixels through a standard inflate', () => {
    const width = 3;
    const height = 2;
    const rgba = Uint8Array.from({ length: width * height * 4 }, (_, i) => (i * 37) % 256);
    const png = encodePng(rgba, width, height);
    const decoded = decodePng(png);
    expect(decoded.chunks).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect([decoded.width, decoded.height]).toEqual([3, 2]);
    expect(Array.from(decoded.rgba)).toEqual(Array.from(rgba));
  });

  it('rejects wrong sizes', () => {
    expect(() => encodePng(new Uint8Array(15), 2, 2)).toThrow(ShapeError);
    expect(() => encodePng(new Uint8Array(15), 2, 2)).toThrow(/16 bytes, received 15 bytes/);
    expect(() => encodePng(new Uint8Array(0), 0, 1)).toThrow(/width, height/);
  });
});
