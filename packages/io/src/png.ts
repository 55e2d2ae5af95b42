import { ShapeError } from '@vjepa/errors';
import { crc32 } from './crc32';
import { nodeZlib } from './node-builtins';
import { zlibStored } from './zlib-stored';

const SIGNATURE = Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10]);

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  // the CRC covers the type and the data, not the length
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/**
 * Encodes 8-bit RGBA pixels (row-major, `width * height * 4` bytes) as a PNG file. Minimal and
 * dependency-free: one IDAT, filter type 0, compressed with `node:zlib` under Node and stored
 * uncompressed elsewhere (browsers, other runtimes: valid, just larger). The one PNG writer of the project: mask renderings, loss curves and confusion matrices all go through it.
 *
 * @example
 * const red = new Uint8Array([255, 0, 0, 255]);
 * writeFileSync('dot.png', encodePng(red, 1, 1));
 */
export function encodePng(rgba: Uint8Array, width: number, height: number): Uint8Array {
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 1 || height < 1) {
    throw new ShapeError('encodePng(width, height)', { expected: 'integers >= 1', received: `(${width}, ${height})` });
  }
  if (!(rgba instanceof Uint8Array) || rgba.length !== width * height * 4) {
    throw new ShapeError('encodePng(rgba)', {
      expected: `a Uint8Array of width * height * 4 = ${width * height * 4} bytes`,
      received: rgba instanceof Uint8Array ? `${rgba.length} bytes` : String(rgba),
    });
  }
  const stride = width * 4;
  const raw = new Uint8Array(height * (stride + 1)); // each scanline: filter byte 0, then pixels
  for (let y = 0; y < height; y++) raw.set(rgba.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([8, 6, 0, 0, 0], 8); // bit depth 8, colour type 6 (RGBA), deflate, filter 0, no interlace
  const zlib = nodeZlib();
  const idat = zlib === undefined ? zlibStored(raw) : new Uint8Array(zlib.deflateSync(raw));
  const parts = [SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
