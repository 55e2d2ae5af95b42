import { CheckpointError } from '@vjepa/errors';
import { crc32 } from './crc32';
import { nodeZlib } from './node-builtins';

/**
 * One file to put in a ZIP archive.
 *
 * @example
 * const input: ZipInput = { name: 'archive/version', data: new TextEncoder().encode('3\n') };
 */
export interface ZipInput {
  readonly name: string;
  readonly data: Uint8Array;
}

/**
 * Options for {@link writeZip}.
 *
 * @example
 * writeZip(files, { align: 64 });
 */
export interface WriteZipOptions {
  /** Align each entry's data to this many bytes with a padding extra field (PyTorch uses 64). */
  align?: number;
  /** Deflate entries instead of storing them (torch.save stores; this exists to test readers). */
  deflate?: boolean;
  /** Write zip64 records even when sizes fit in 32 bits (for tests). */
  forceZip64?: boolean;
}

const U32_MAX = 0xffffffff;
const PAD_ID = 0x4246; // "FB", the id PyTorch's writer uses for its alignment padding

/**
 * Writes a ZIP archive (stored by default), with zip64 records where sizes or offsets need them.
 *
 * @example
 * const zip = writeZip([{ name: 'archive/version', data: new TextEncoder().encode('3\n') }], { align: 64 });
 */
export function writeZip(files: readonly ZipInput[], opts: WriteZipOptions = {}): Uint8Array {
  const align = opts.align ?? 1;
  const enc = new TextEncoder();
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  const push = (b: Uint8Array): void => {
    chunks.push(b);
    offset += b.length;
  };
  for (const f of files) {
    const name = enc.encode(f.name);
    const crc = crc32(f.data);
    const body = opts.deflate ? deflate(f.data, f.name) : f.data;
    const method = opts.deflate ? 8 : 0;
    const localOffset = offset;
    const big = opts.forceZip64 || f.data.length >= U32_MAX || body.length >= U32_MAX || localOffset >= U32_MAX;
    // local zip64 extra: uncompressed and compressed sizes
    const localZip64 = big ? 20 : 0;
    let pad = 0;
    if (align > 1) {
      const start = localOffset + 30 + name.length + localZip64;
      pad = (align - ((start + 4) % align)) % align;
    }
    const extraLen = localZip64 + (align > 1 ? 4 + pad : 0);
    const local = new Uint8Array(30 + name.length + extraLen);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, big ? 45 : 20, true);
    lv.setUint16(6, 0x0800, true); // UTF-8 names
    lv.setUint16(8, method, true);
    lv.setUint16(10, 0, true);
    lv.setUint16(12, 0x21, true); // 1980-01-01, as PyTorch writes
    lv.setUint32(14, crc, true);
    lv.setUint32(18, big ? U32_MAX : body.length, true);
    lv.setUint32(22, big ? U32_MAX : f.data.length, true);
    lv.setUint16(26, name.length, true);
    lv.setUint16(28, extraLen, true);
    local.set(name, 30);
    let e = 30 + name.length;
    if (big) {
      lv.setUint16(e, 1, true);
      lv.setUint16(e + 2, 16, true);
      lv.setBigUint64(e + 4, BigInt(f.data.length), true);
      lv.setBigUint64(e + 12, BigInt(body.length), true);
      e += 20;
    }
    if (align > 1) {
      lv.setUint16(e, PAD_ID, true);
      lv.setUint16(e + 2, pad, true);
      local.fill(0x5a, e + 4, e + 4 + pad); // "Z"
    }
    push(local);
    push(body);

    const cdZip64 = big ? 28 : 0;
    const cd = new Uint8Array(46 + name.length + cdZip64);
    const cv = new DataView(cd.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, big ? 45 : 20, true);
    cv.setUint16(6, big ? 45 : 20, true);
    cv.setUint16(8, 0x0800, true);
    cv.setUint16(10, method, true);
    cv.setUint16(12, 0, true);
    cv.setUint16(14, 0x21, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, big ? U32_MAX : body.length, true);
    cv.setUint32(24, big ? U32_MAX : f.data.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint16(30, cdZip64, true);
    cv.setUint32(42, big ? U32_MAX : localOffset, true);
    cd.set(name, 46);
    if (big) {
      const z = 46 + name.length;
      cv.setUint16(z, 1, true);
      cv.setUint16(z + 2, 24, true);
      cv.setBigUint64(z + 4, BigInt(f.data.length), true);
      cv.setBigUint64(z + 12, BigInt(body.length), true);
      cv.setBigUint64(z + 20, BigInt(localOffset), true);
    }
    central.push(cd);
  }
  const cdOffset = offset;
  for (const c of central) push(c);
  const cdSize = offset - cdOffset;
  const n = files.length;
  const zip64 = opts.forceZip64 || n >= 0xffff || cdOffset >= U32_MAX || cdSize >= U32_MAX;
  if (zip64) {
    const z64Offset = offset;
    const rec = new Uint8Array(56 + 20);
    const rv = new DataView(rec.buffer);
    rv.setUint32(0, 0x06064b50, true);
    rv.setBigUint64(4, 44n, true);
    rv.setUint16(12, 45, true);
    rv.setUint16(14, 45, true);
    rv.setBigUint64(24, BigInt(n), true);
    rv.setBigUint64(32, BigInt(n), true);
    rv.setBigUint64(40, BigInt(cdSize), true);
    rv.setBigUint64(48, BigInt(cdOffset), true);
    rv.setUint32(56, 0x07064b50, true);
    rv.setBigUint64(64, BigInt(z64Offset), true);
    rv.setUint32(72, 1, true);
    push(rec);
  }
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, zip64 ? 0xffff : n, true);
  ev.setUint16(10, zip64 ? 0xffff : n, true);
  ev.setUint32(12, zip64 ? U32_MAX : cdSize, true);
  ev.setUint32(16, zip64 ? U32_MAX : cdOffset, true);
  push(end);

  const out = new Uint8Array(offset);
  let pos = 0;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

function deflate(data: Uint8Array, name: string): Uint8Array {
  const zlib = nodeZlib();
  if (!zlib) throw new CheckpointError(`writeZip entry "${name}"`, { expected: "Node's zlib for deflate", received: 'no zlib in this runtime' });
  return new Uint8Array(zlib.deflateRawSync(data));
}
