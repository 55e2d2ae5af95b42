import { CheckpointError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { crc32 } from './crc32';
import { readZip } from './zip-reader';
import { writeZip } from './zip-writer';

const enc = new TextEncoder();
const files = [
  { name: 'top/a.txt', data: enc.encode('hello zip') },
  { name: 'top/data/0', data: Uint8Array.from({ length: 3000 }, (_, i) => (i * 31) % 251) },
  { name: 'top/empty', data: new Uint8Array(0) },
];

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32(enc.encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});

describe('writeZip / readZip', () => {
  for (const opts of [{}, { align: 64 }, { deflate: true }, { forceZip64: true }, { forceZip64: true, deflate: true, align: 64 }]) {
    it(`round-trips with ${JSON.stringify(opts)}`, () => {
      const zip = readZip(writeZip(files, opts), { file: 'z.zip' });
      expect([...zip.entries.keys()]).toEqual(files.map((f) => f.name));
      for (const f of files) expect(Array.from(zip.read(f.name))).toEqual(Array.from(f.data));
      if ('align' in opts) for (const e of zip.entries.values()) expect(e.dataOffset % 64).toBe(0);
    });
  }

  it('finds the end record behind an archive comment', () => {
    const base = writeZip(files);
    const comment = enc.encode('a comment');
    const withComment = new Uint8Array(base.length + comment.length);
    withComment.set(base);
    withComment.set(comment, base.length);
    new DataView(withComment.buffer).setUint16(base.length - 2, comment.length, true);
    expect(new TextDecoder().decode(readZip(withComment).read('top/a.txt'))).toBe('hello zip');
  });

  it('lists the entries when one is missing', () => {
    const zip = readZip(writeZip(files), { file: 'z.zip' });
    expect(() => zip.read('top/nope')).toThrow(/z\.zip: entry "top\/nope".*entries: top\/a\.txt, top\/data\/0, top\/empty/);
  });

  it('rejects corrupt deflate data and a central directory that overruns the file', () => {
    const bytes = writeZip(files, { deflate: true });
    const zip = readZip(bytes);
    const e = zip.entries.get('top/data/0');
    if (!e) throw new Error('missing entry');
    const bad = bytes.slice();
    bad.fill(0xff, e.dataOffset, e.dataOffset + 8);
    expect(() => readZip(bad, { file: 'd.zip' }).read('top/data/0')).toThrow(/d\.zip: entry "top\/data\/0"/);
    const big = bytes.slice();
    const v = new DataView(big.buffer);
    v.setUint32(big.length - 22 + 12, 1_000_000, true); // central directory size
    expect(() => readZip(big, { file: 'c.zip' })).toThrow(CheckpointError);
    expect(() => readZip(big, { file: 'c.zip' })).toThrow(/c\.zip: central directory: expected to end by offset/);
  });
});

describe('readZip limits', () => {
  const big = { name: 'top/zeros', data: new Uint8Array(3 << 20) }; // deflates ~1000x

  it('inflates within the budget and refuses past it, before inflating', () => {
    const bytes = writeZip([...files, big], { deflate: true });
    expect(readZip(bytes).read('top/zeros').length).toBe(3 << 20); // default: 256 MiB + 32x compressed
    const tight = readZip(bytes, { file: 'b.zip', maxInflatedBytes: 3 << 20 });
    expect(tight.read('top/zeros').length).toBe(3 << 20);
    expect(() => tight.read('top/a.txt')).toThrow(/b\.zip: entry "top\/a\.txt": expected deflated entries that inflate to at most 3145728 bytes \(3 MiB\) in all \(maxInflatedBytes\), received an entry declaring 9 bytes from .* after 3145728 bytes \(3 MiB\) already inflated/);
    expect(() => readZip(bytes, { maxInflatedBytes: -1 })).toThrow(/option maxInflatedBytes: expected a number >= 0/);
  });

  it('never inflates past the declared size', () => {
    const bytes = writeZip([big], { deflate: true });
    const e = readZip(bytes).entries.get('top/zeros')!;
    const lying = bytes.slice();
    const v = new DataView(lying.buffer);
    const cd = v.getUint32(lying.length - 22 + 16, true);
    v.setUint32(cd + 24, 100, true); // central directory: uncompressed size 100
    expect(e.size).toBe(3 << 20);
    expect(() => readZip(lying, { file: 'l.zip' }).read('top/zeros')).toThrow(/l\.zip: entry "top\/zeros": expected deflate data that inflates to its declared 100 bytes, received more \(inflating stopped at the declared size/);
  });

  it('refuses entries that overlap', () => {
    const bytes = writeZip(files);
    const v = new DataView(bytes.buffer);
    const cd = v.getUint32(bytes.length - 22 + 16, true);
    const second = cd + 46 + v.getUint16(cd + 28, true) + v.getUint16(cd + 30, true) + v.getUint16(cd + 32, true);
    v.setUint32(second + 42, 0, true); // the second entry's local header offset -> the first's
    expect(() => readZip(bytes, { file: 'o.zip' })).toThrow(/o\.zip: entries "top\/(a\.txt|data\/0)" and "top\/(a\.txt|data\/0)": expected entries that do not overlap/);
  });
});
