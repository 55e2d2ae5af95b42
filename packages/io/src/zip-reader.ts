import { CheckpointError, previewValue, truncateText } from '@vjepa/errors';
import { causeText } from './cause-text';
import { crc32 } from './crc32';
import { nodeZlib } from './node-builtins';
import { checkLimit, defaultMaxInflatedBytes, formatBytes } from './read-limits';

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;

/**
 * One file of a ZIP archive, as its central directory describes it.
 *
 * @example
 * const entry: ZipEntry | undefined = readZip(bytes).entries.get('archive/data.pkl');
 */
export interface ZipEntry {
  readonly name: string;
  /** 0 = stored, 8 = deflate. */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly crc32: number;
  /** Offset of the entry's local header. */
  readonly localOffset: number;
  /** Offset of the entry's (possibly compressed) data, after its local header. */
  readonly dataOffset: number;
}

/**
 * A parsed ZIP archive whose entries are extracted on demand.
 *
 * @example
 * const zip: ZipArchive = readZip(bytes); zip.read('archive/version');
 */
export interface ZipArchive {
  /** Entries by name, in central-directory order. */
  readonly entries: ReadonlyMap<string, ZipEntry>;
  /**
   * The uncompressed bytes of an entry, CRC-checked. Stored entries are views into the archive.
   * Throws a CheckpointError naming the file and entry when it is missing or corrupt.
   */
  read(name: string): Uint8Array;
}

/**
 * Random access to the bytes of an archive, so that a multi-GB checkpoint can be read entry by
 * entry from a file handle instead of being loaded whole.
 *
 * @example
 * const source: ByteSource = { size: bytes.length, read: (offset, length) => bytes.subarray(offset, offset + length) };
 */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** `length` bytes from `offset` (the caller guarantees the range is inside `size`). */
  read(offset: number, length: number): Uint8Array;
}

/**
 * Options for {@link readZip}.
 *
 * @example
 * readZip(bytes, { file: 'ckpt.pth.tar', verifyCrc: false });
 */
export interface ReadZipOptions {
  /** File name used in error messages. */
  file?: string;
  /** Check each entry's CRC-32 when it is read (default true). */
  verifyCrc?: boolean;
  /**
   * Most bytes that deflated entries may inflate to, all reads of this archive together. Default:
   * 256 MiB plus 32 times the compressed size of the deflated entries (weights deflate by less
   * than 2x; a deflate bomb by up to ~1000x). Each entry is also never inflated past its declared
   * size, so an entry that declares 1 KiB and would inflate to 8 GiB stops after 1 KiB.
   */
  maxInflatedBytes?: number;
}

/**
 * Parses a ZIP archive from its central directory (zip64 included) and validates that every
 * entry's local header and data lie inside the file. Supports stored and deflated entries.
 * Accepts the whole file or a {@link ByteSource} (entries are then read on demand).
 *
 * @example
 * const zip = readZip(bytes, { file: 'checkpoint.pth.tar' });
 * const pickle = zip.read('checkpoint.pth/data.pkl');
 */
export function readZip(input: Uint8Array | ByteSource, opts: ReadZipOptions = {}): ZipArchive {
  const file = opts.file ?? '<zip bytes>';
  const verifyCrc = opts.verifyCrc ?? true;
  const maxInflatedOption = checkLimit('maxInflatedBytes', opts.maxInflatedBytes, Number.NaN);
  const source: ByteSource =
    input instanceof Uint8Array ? { size: input.length, read: (o, n) => input.subarray(o, o + n) } : input;
  const size = source.size;
  const fail = (what: string, expected: string, received: string, hint?: string): CheckpointError =>
    new CheckpointError(`${file}: ${what}`, {
      expected,
      received,
      hint: hint ?? 'The file is truncated or corrupt; copy or download it again.',
    });
  const viewOf = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

  // End of central directory: 22 bytes + a comment of up to 64 KiB, found by scanning backwards.
  // The tail also covers the zip64 locator (20 bytes) just before it.
  const tailStart = Math.max(0, size - 22 - U16_MAX - 20);
  const tail = source.read(tailStart, size - tailStart);
  const tv = viewOf(tail);
  let eocdLocal = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tv.getUint32(i, true) === SIG_EOCD && tailStart + i + 22 + tv.getUint16(i + 20, true) === size) {
      eocdLocal = i;
      break;
    }
  }
  if (eocdLocal < 0) {
    throw fail('end of central directory', 'a ZIP end-of-central-directory record', `none in the last ${Math.min(size, 22 + U16_MAX)} bytes of ${size}`);
  }
  const eocd = tailStart + eocdLocal;
  let count = tv.getUint16(eocdLocal + 10, true);
  let cdSize = tv.getUint32(eocdLocal + 12, true);
  let cdOffset = tv.getUint32(eocdLocal + 16, true);
  let cdLimit = eocd;
  if (count === U16_MAX || cdSize === U32_MAX || cdOffset === U32_MAX) {
    const loc = eocdLocal - 20;
    if (loc < 0 || tv.getUint32(loc, true) !== SIG_ZIP64_LOCATOR) {
      throw fail('zip64 locator', 'a zip64 end-of-central-directory locator before the end record', 'none');
    }
    const z64 = safeNumber(tv.getBigUint64(loc + 8, true));
    const z64Rec = z64 + 56 <= tailStart + loc ? source.read(z64, 56) : undefined;
    if (z64Rec === undefined || viewOf(z64Rec).getUint32(0, true) !== SIG_ZIP64_EOCD) {
      throw fail('zip64 end of central directory', `a zip64 record at offset ${z64}`, 'none there');
    }
    const zv = viewOf(z64Rec);
    count = safeNumber(zv.getBigUint64(32, true));
    cdSize = safeNumber(zv.getBigUint64(40, true));
    cdOffset = safeNumber(zv.getBigUint64(48, true));
    cdLimit = z64;
  }
  if (cdOffset + cdSize > cdLimit) {
    throw fail('central directory', `to end by offset ${cdLimit}`, `offset ${cdOffset} + size ${cdSize}`);
  }
  const cdBytes = source.read(cdOffset, cdSize);
  const view = viewOf(cdBytes);

  const entries = new Map<string, ZipEntry>();
  let p = 0;
  const decoder = new TextDecoder('utf-8');
  for (let n = 0; n < count; n++) {
    if (p + 46 > cdSize || view.getUint32(p, true) !== SIG_CENTRAL) {
      throw fail(`central directory entry ${n}`, `a central directory header at offset ${cdOffset + p}`, p + 46 > cdSize ? 'the end of the central directory' : `signature 0x${view.getUint32(p, true).toString(16)}`);
    }
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    const crc = view.getUint32(p + 16, true);
    let compressedSize = view.getUint32(p + 20, true);
    let size = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    let localOffset = view.getUint32(p + 42, true);
    const end = p + 46 + nameLen + extraLen + commentLen;
    if (end > cdSize) {
      throw fail(`central directory entry ${n}`, `to end inside the central directory (by ${cdOffset + cdSize})`, `end at ${cdOffset + end}`);
    }
    const name = decoder.decode(cdBytes.subarray(p + 46, p + 46 + nameLen));
    const shown = quote(name);
    // zip64 extra field (id 1): the 64-bit values, in order, of whichever fields are 0xffffffff.
    let q = p + 46 + nameLen;
    const extraEnd = q + extraLen;
    while (q + 4 <= extraEnd) {
      const id = view.getUint16(q, true);
      const len = view.getUint16(q + 2, true);
      if (id === 1) {
        let r = q + 4;
        const take = (): number => {
          if (r + 8 > q + 4 + len) throw fail(`entry ${shown} zip64 extra field`, 'a 64-bit value for each 0xffffffff field', `${len} bytes`);
          const v = safeNumber(view.getBigUint64(r, true));
          r += 8;
          return v;
        };
        if (size === U32_MAX) size = take();
        if (compressedSize === U32_MAX) compressedSize = take();
        if (localOffset === U32_MAX) localOffset = take();
      }
      q += 4 + len;
    }
    if (flags & 1) throw fail(`entry ${shown}`, 'an unencrypted entry', 'an encrypted one');
    if (method !== 0 && method !== 8) {
      throw fail(`entry ${shown} compression method`, '0 (stored) or 8 (deflate)', `${method}`, 'Re-save the checkpoint with torch.save.');
    }
    if (method === 0 && compressedSize !== size) {
      throw fail(`entry ${shown} sizes`, 'equal stored and uncompressed sizes', `${compressedSize} and ${size}`);
    }
    const local = localOffset + 30 <= cdOffset ? viewOf(source.read(localOffset, 30)) : undefined;
    if (local === undefined || local.getUint32(0, true) !== SIG_LOCAL) {
      throw fail(`entry ${shown} local header`, `a local file header at offset ${localOffset} (before the central directory at ${cdOffset})`, local === undefined ? 'an offset past it' : 'a different signature');
    }
    const dataOffset = localOffset + 30 + local.getUint16(26, true) + local.getUint16(28, true);
    if (dataOffset + compressedSize > cdOffset) {
      throw fail(`entry ${shown} data`, `${compressedSize} bytes from offset ${dataOffset} ending before the central directory at ${cdOffset}`, `an end at ${dataOffset + compressedSize}`);
    }
    entries.set(name, { name, method, compressedSize, size, crc32: crc, localOffset, dataOffset });
    p = end;
  }

  // entries must not share bytes: overlapping entries are how small archives claim many copies of
  // the same data (stored or deflated), each of which a reader would then hold
  const spans = [...entries.values()].sort((a, b) => a.localOffset - b.localOffset);
  for (let i = 1; i < spans.length; i++) {
    const prev = spans[i - 1];
    const cur = spans[i];
    if (cur.localOffset < prev.dataOffset + prev.compressedSize) {
      throw fail(
        `entries ${quote(prev.name)} and ${quote(cur.name)}`,
        'entries that do not overlap',
        `${quote(cur.name)} starting at offset ${cur.localOffset}, inside ${quote(prev.name)} (offsets ${prev.localOffset} to ${prev.dataOffset + prev.compressedSize})`,
        'Overlapping entries make a small archive hold many copies of the same bytes (a zip bomb); the archive is hostile or corrupt.',
      );
    }
  }
  let deflated = 0;
  for (const e of entries.values()) if (e.method === 8) deflated += e.compressedSize;
  const maxInflated = Number.isNaN(maxInflatedOption) ? defaultMaxInflatedBytes(deflated) : maxInflatedOption;
  let inflated = 0;

  return {
    entries,
    read(name: string): Uint8Array {
      const e = entries.get(name);
      if (e === undefined) {
        throw new CheckpointError(`${file}: entry ${quote(name)}`, {
          expected: 'an entry of the archive',
          received: `none (entries: ${[...entries.keys()].slice(0, 12).map((n) => truncateText(n, 80)).join(', ')}${entries.size > 12 ? ', ...' : ''})`,
        });
      }
      const shown = quote(name);
      let out: Uint8Array;
      if (e.method === 0) {
        out = source.read(e.dataOffset, e.compressedSize);
      } else {
        const zlib = nodeZlib();
        if (!zlib) {
          throw new CheckpointError(`${file}: entry ${shown}`, { expected: 'a stored entry (deflate needs Node\'s zlib)', received: 'a deflated entry' });
        }
        if (inflated + e.size > maxInflated) {
          throw new CheckpointError(`${file}: entry ${shown}`, {
            expected: `deflated entries that inflate to at most ${formatBytes(maxInflated)} in all (maxInflatedBytes)`,
            received: `an entry declaring ${formatBytes(e.size)} from ${formatBytes(e.compressedSize)} compressed, after ${formatBytes(inflated)} already inflated`,
            hint: 'A deflate bomb or a corrupt archive; if the file is genuine, raise maxInflatedBytes.',
          });
        }
        const raw = source.read(e.dataOffset, e.compressedSize);
        try {
          // never inflate past the declared size: zlib stops and throws ERR_BUFFER_TOO_LARGE
          out = new Uint8Array(zlib.inflateRawSync(raw, { maxOutputLength: Math.max(1, e.size) }));
        } catch (cause) {
          if ((cause as { code?: unknown } | null)?.code === 'ERR_BUFFER_TOO_LARGE') {
            throw new CheckpointError(`${file}: entry ${shown}`, {
              expected: `deflate data that inflates to its declared ${formatBytes(e.size)}`,
              received: `more (inflating stopped at the declared size, from ${formatBytes(e.compressedSize)} compressed)`,
              hint: 'A deflate bomb or a corrupt archive: the entry\'s declared size is wrong.',
              cause,
            });
          }
          throw new CheckpointError(`${file}: entry ${shown}`, { expected: 'valid deflate data', received: causeText(cause), cause });
        }
        inflated += out.length;
        if (out.length !== e.size) throw fail(`entry ${shown} size`, `${e.size} bytes after inflating`, `${out.length}`);
      }
      if (verifyCrc) {
        const got = crc32(out);
        if (got !== e.crc32) throw fail(`entry ${shown} CRC-32`, `0x${e.crc32.toString(16).padStart(8, '0')}`, `0x${got.toString(16).padStart(8, '0')}`);
      }
      return out;
    },
  };
}

/** An entry name as a short JSON string (names are untrusted and may be 64 KiB long). */
function quote(name: string): string {
  return previewValue(name, { maxLength: 120 });
}

function safeNumber(v: bigint): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
  return Number(v);
}
