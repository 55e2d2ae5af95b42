import { crc32 } from '../crc32';
import { nodeZlib } from '../node-builtins';

/**
 * One entry of {@link craftZip}: `data` is written as is; `method` 8 marks it deflated (pass
 * already-deflated bytes, e.g. from {@link deflatedZeros}); `declaredSize` and `crc` override what
 * the headers claim, to build archives that lie.
 *
 * @example
 * const entry: CraftedZipEntry = { name: 'archive/data/0', data: deflatedZeros(1 << 24), method: 8, declaredSize: 1024 };
 */
export interface CraftedZipEntry {
  readonly name: string;
  readonly data: Uint8Array;
  /** 0 stored (default) or 8 deflated. */
  readonly method?: 0 | 8;
  /** The uncompressed size the headers declare (default: `data.length` when stored). */
  readonly declaredSize?: number;
  /** The CRC-32 the headers declare (default: of `data` when stored, 0 when deflated). */
  readonly crc?: number;
}

/**
 * Writes a plain (non-zip64) ZIP archive whose headers say whatever the entries ask, for
 * adversarial tests: zip bombs, lying sizes, wrong CRCs. Sizes must fit 32 bits.
 *
 * @example
 * const bomb = craftZip([{ name: 'archive/data.pkl', data: pickle }, { name: 'archive/data/0', data: deflatedZeros(1 << 24), method: 8, declaredSize: 1024 }]);
 */
export function craftZip(entries: readonly CraftedZipEntry[]): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = enc.encode(e.name);
    const method = e.method ?? 0;
    const size = e.declaredSize ?? e.data.length;
    const crc = e.crc ?? (method === 0 ? crc32(e.data) : 0);
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, method, true);
    lv.setUint32(14, crc >>> 0, true);
    lv.setUint32(18, e.data.length, true);
    lv.setUint32(22, size, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const cd = new Uint8Array(46 + name.length);
    const cv = new DataView(cd.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(10, method, true);
    cv.setUint32(16, crc >>> 0, true);
    cv.setUint32(20, e.data.length, true);
    cv.setUint32(24, size, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    cd.set(name, 46);
    parts.push(local, e.data);
    central.push(cd);
    offset += local.length + e.data.length;
  }
  const cdSize = central.reduce((n, c) => n + c.length, 0);
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  const out = new Uint8Array(offset + cdSize + 22);
  let p = 0;
  for (const b of [...parts, ...central, eocd]) {
    out.set(b, p);
    p += b.length;
  }
  return out;
}

/**
 * Raw deflate data that inflates to `bytes` zero bytes (Node only), built without ever holding
 * them: one 1 MiB block, sync-flushed and repeated. About 1 KiB per MiB, so 8 GiB of zeros is
 * an 8.3 MB stream, the size of the bomb reported in issue 13.
 *
 * @example
 * deflatedZeros(8 * 1024 ** 3).length; // about 8.3e6
 */
export function deflatedZeros(bytes: number): Uint8Array {
  const zlib = nodeZlib();
  if (!zlib) throw new Error('deflatedZeros needs Node\'s zlib');
  const MiB = 1 << 20;
  const whole = Math.floor(bytes / MiB);
  const rest = bytes - whole * MiB;
  const flush = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
  // each block starts with a literal, then copies from its own output: valid after any prefix of zeros
  const block = whole > 0 ? new Uint8Array(zlib.deflateRawSync(new Uint8Array(MiB), flush)) : new Uint8Array(0);
  const tail = new Uint8Array(zlib.deflateRawSync(new Uint8Array(rest))); // final block
  const out = new Uint8Array(block.length * whole + tail.length);
  for (let i = 0; i < whole; i++) out.set(block, i * block.length);
  out.set(tail, block.length * whole);
  return out;
}
