import { inflateSync } from 'node:zlib';
import { ShapeError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { crc32 } from './crc32';
import { encodePng } from './png';
import { decodePng } from './png-reader.test-util';
import { zlibStored } from './zlib-stored';

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

  it('writes a valid, uncompressed PNG where node:zlib is not available (browsers)', () => {
    const rgba = Uint8Array.from({ length: 5 * 4 * 4 }, (_, i) => (i * 91) % 256);
    const proc = process as { getBuiltinModule?: unknown };
    const saved = proc.getBuiltinModule;
    proc.getBuiltinModule = undefined;
    let png: Uint8Array;
    try {
      png = encodePng(rgba, 5, 4);
    } finally {
      proc.getBuiltinModule = saved;
    }
    const decoded = decodePng(png);
    expect([decoded.width, decoded.height]).toEqual([5, 4]);
    expect(Array.from(decoded.rgba)).toEqual(Array.from(rgba));
    const idat = Buffer.from(png).indexOf('IDAT') + 4;
    expect(Array.from(png.subarray(idat, idat + 3))).toEqual([0x78, 0x01, 0x01]); // zlib header, one final stored block
    expect(Array.from(encodePng(rgba, 5, 4).subarray(idat, idat + 2))).toEqual([0x78, 0x9c]); // under Node: deflated
  });

  it('rejects wrong sizes', () => {
    expect(() => encodePng(new Uint8Array(15), 2, 2)).toThrow(ShapeError);
    expect(() => encodePng(new Uint8Array(15), 2, 2)).toThrow(/16 bytes, received 15 bytes/);
    expect(() => encodePng(new Uint8Array(0), 0, 1)).toThrow(/width, height/);
  });
});

describe('zlibStored', () => {
  it('is a zlib stream any inflater reads, across the 65535-byte block limit', () => {
    for (const n of [0, 1, 65535, 65536, 200_000]) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 7 + (i >> 9)) % 256);
      const z = zlibStored(data);
      expect(z.length).toBe(2 + Math.max(1, Math.ceil(n / 65535)) * 5 + n + 4);
      expect(Buffer.from(inflateSync(z)).equals(Buffer.from(data))).toBe(true);
    }
  });
});
