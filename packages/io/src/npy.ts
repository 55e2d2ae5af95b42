import { DataError, previewValue } from '@vjepa/errors';
import { parseNpyHeader } from './npy-header';
import { ownValue } from './own-lookup';
import { contiguousStrides, stridedToContiguous } from './strided';
import { type DType, type TensorData, dtypeByteSize, shapeSize, tensorBytes, tensorData, typedArrayFromBytes } from './tensor-data';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

const DESCR_TO_DTYPE: Record<string, DType> = {
  '<f4': 'float32',
  '<f8': 'float64',
  '<f2': 'float16',
  '<i8': 'int64',
  '<i4': 'int32',
  '<i2': 'int16',
  '|i1': 'int8',
  '<i1': 'int8',
  '|u1': 'uint8',
  '<u1': 'uint8',
  '|b1': 'bool',
  '<b1': 'bool',
};

const DTYPE_TO_DESCR: Partial<Record<DType, string>> = {
  float32: '<f4',
  float64: '<f8',
  float16: '<f2',
  int64: '<i8',
  int32: '<i4',
  int16: '<i2',
  int8: '|i1',
  uint8: '|u1',
  bool: '|b1',
};

/**
 * Options for {@link readNpy}.
 *
 * @example
 * readNpy(bytes, { file: 'input.npy' });
 */
export interface ReadNpyOptions {
  /** File name used in error messages. */
  file?: string;
}

/**
 * Parses a NumPy `.npy` file (format v1, v2 or v3). Supports little-endian `<f4 <f8 <f2 <i8 <i4
 * <i2 |i1 |u1 |b1`; `fortran_order: True` arrays are transposed to C order.
 *
 * @example
 * const input = readNpy(await readFileBytes('input.npy'), { file: 'input.npy' });
 * input.shape; // [2, 3, 4, 32, 32]
 */
export function readNpy(bytes: Uint8Array, opts: ReadNpyOptions = {}): TensorData {
  const file = opts.file ?? '<npy bytes>';
  if (!(bytes instanceof Uint8Array)) {
    throw new DataError(`${file}`, { expected: 'a Uint8Array', received: typeof bytes });
  }
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) {
    throw new DataError(`${file}: magic`, {
      expected: 'a .npy file starting with "\\x93NUMPY"',
      received: `${bytes.length} bytes starting ${hex(bytes.subarray(0, 6))}`,
    });
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new DataError(`${file}: header`, { expected: 'at least 12 bytes', received: `${bytes.length}` });
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new DataError(`${file}: format version`, { expected: '1, 2 or 3', received: `${major}.${bytes[7]}` });
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) {
    throw new DataError(`${file}: header length`, {
      expected: `at most ${bytes.length - headerStart} bytes (the file size)`,
      received: `${headerLen}`,
      hint: 'The file is truncated.',
    });
  }
  const headerText = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));
  const header = parseNpyHeader(headerText, file);
  const dtype = ownValue(DESCR_TO_DTYPE, header.descr);
  if (dtype === undefined) {
    const shown = previewValue(header.descr, { maxLength: 40 });
    throw new DataError(`${file}: dtype ${shown}`, {
      expected: `one of ${Object.keys(DESCR_TO_DTYPE).join(' ')}`,
      received: shown,
      hint: header.descr.startsWith('>') ? 'Big-endian arrays are not supported: save with arr.astype(arr.dtype.newbyteorder("<")).' : 'Convert the array to a supported dtype before saving.',
    });
  }
  const n = shapeSize(header.shape);
  const byteLen = n * dtypeByteSize(dtype);
  if (dataStart + byteLen > bytes.length) {
    throw new DataError(`${file}: data for shape (${header.shape.slice(0, 16).join(', ')}${header.shape.length > 16 ? ', …' : ''}) ${header.descr}`, {
      expected: `${byteLen} bytes`,
      received: `${bytes.length - dataStart}`,
      hint: 'The file is truncated.',
    });
  }
  let data = typedArrayFromBytes(dtype, bytes.subarray(dataStart, dataStart + byteLen));
  if (header.fortranOrder && header.shape.length > 1) {
    // Fortran order: the first axis varies fastest, i.e. C strides of the reversed shape, reversed.
    const strides = contiguousStrides([...header.shape].reverse()).reverse();
    data = stridedToContiguous(data, header.shape, strides, 0);
  }
  return tensorData(dtype, header.shape, data);
}

/**
 * Serialises a tensor to `.npy` (format v1, or v2 when the header needs more than 64 KiB). Data
 * starts on a 64-byte boundary as NumPy writes it. `bfloat16` has no NumPy dtype and is refused.
 *
 * @example
 * const bytes = writeNpy(tensorData('float32', [2], new Float32Array([1, 2])));
 */
export function writeNpy(t: TensorData): Uint8Array {
  const checked = tensorData(t.dtype, t.shape, t.data);
  const descr = DTYPE_TO_DESCR[checked.dtype];
  if (descr === undefined) {
    throw new DataError('writeNpy dtype', {
      expected: `one of ${Object.keys(DTYPE_TO_DESCR).join(', ')}`,
      received: checked.dtype,
      hint: 'NumPy has no bfloat16: convert with toFloat32() first.',
    });
  }
  const shapeText = checked.shape.length === 1 ? `(${checked.shape[0]},)` : `(${checked.shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  let major = 1;
  let prefix = 10;
  let total = prefix + dict.length + 1;
  if (Math.ceil(total / 64) * 64 - prefix > 0xffff) {
    major = 2;
    prefix = 12;
    total = prefix + dict.length + 1;
  }
  const padded = Math.ceil(total / 64) * 64;
  const header = dict + ' '.repeat(padded - total) + '\n';
  const body = tensorBytes(checked);
  const out = new Uint8Array(prefix + header.length + body.length);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  out.set(body, prefix + header.length);
  return out;
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ') || '(nothing)';
}
