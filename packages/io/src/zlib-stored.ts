/**
 * A zlib stream (RFC 1950) holding `data` in stored (uncompressed) deflate blocks: valid input for
 * every inflater, written without any compression library. `encodePng` uses it where Node's zlib is
 * not available (browsers, other runtimes), so PNGs can be written everywhere; they are just larger.
 *
 * @example
 * const z = zlibStored(new Uint8Array([1, 2, 3]));
 * // zlib.inflateSync(z) gives back [1, 2, 3]
 */
export function zlibStored(data: Uint8Array): Uint8Array {
  const MAX = 0xffff; // a stored block holds at most 65535 bytes
  const blocks = Math.max(1, Math.ceil(data.length / MAX));
  const out = new Uint8Array(2 + blocks * 5 + data.length + 4);
  out[0] = 0x78; // CMF: deflate, 32 KiB window
  out[1] = 0x01; // FLG: no dictionary, fastest; (0x78 * 256 + 0x01) % 31 === 0
  let o = 2;
  for (let b = 0; b < blocks; b++) {
    const chunk = data.subarray(b * MAX, Math.min(data.length, (b + 1) * MAX));
    out[o] = b === blocks - 1 ? 1 : 0; // BFINAL, BTYPE 00 (stored)
    out[o + 1] = chunk.length & 0xff;
    out[o + 2] = chunk.length >>> 8;
    out[o + 3] = ~chunk.length & 0xff;
    out[o + 4] = (~chunk.length >>> 8) & 0xff;
    out.set(chunk, o + 5);
    o += 5 + chunk.length;
  }
  // Adler-32 of the uncompressed data, big-endian
  let a = 1;
  let s = 0;
  for (let i = 0; i < data.length; i++) {
    a = (a + data[i]) % 65521;
    s = (s + a) % 65521;
  }
  new DataView(out.buffer).setUint32(o, ((s << 16) | a) >>> 0);
  return out;
}
