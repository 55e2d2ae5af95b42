import { CheckpointError, previewValue, truncateText } from '@vjepa/errors';
import { ownValue } from './own-lookup';
import { formatBytes } from './read-limits';
import {
  type DType,
  type StateDict,
  type TensorData,
  dtypeByteSize,
  shapeSize,
  tensorBytes,
  tensorData,
  typedArrayFromBytes,
} from './tensor-data';

const ST_TO_DTYPE: Record<string, DType> = {
  F64: 'float64',
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
  I64: 'int64',
  I32: 'int32',
  I16: 'int16',
  I8: 'int8',
  U8: 'uint8',
  BOOL: 'bool',
};

const DTYPE_TO_ST: Record<DType, string> = {
  float64: 'F64',
  float32: 'F32',
  float16: 'F16',
  bfloat16: 'BF16',
  int64: 'I64',
  int32: 'I32',
  int16: 'I16',
  int8: 'I8',
  uint8: 'U8',
  bool: 'BOOL',
};

/** The reference implementation (huggingface/safetensors) refuses headers over 100 MB too. */
const MAX_HEADER_BYTES = 100_000_000;
/** A header nests 3 levels (name -> entry -> shape); deeper JSON is refused before it is parsed. */
const MAX_HEADER_DEPTH = 64;

/** A short printable form of an untrusted value. */
const show = (x: unknown, maxLength = 120): string => previewValue(x, { maxLength });

/**
 * Options for {@link readSafetensors}.
 *
 * @example
 * readSafetensors(bytes, { file: 'weights.safetensors' });
 */
export interface ReadSafetensorsOptions {
  /** File name used in error messages. */
  file?: string;
}

/**
 * What {@link readSafetensors} returns.
 *
 * @example
 * const { tensors, metadata }: SafetensorsContents = readSafetensors(bytes);
 */
export interface SafetensorsContents {
  /** Every tensor by name, in header order. */
  tensors: StateDict;
  /** The `__metadata__` string map (empty when absent). */
  metadata: Record<string, string>;
}

/**
 * Parses a `.safetensors` file: an 8-byte little-endian header length, a JSON header giving each
 * tensor's dtype, shape and `data_offsets`, then the raw little-endian bytes. Every offset, size
 * and overlap is checked; errors name the file and the tensor.
 *
 * @example
 * const { tensors } = readSafetensors(await readFileBytes('weights.safetensors'), { file: 'weights.safetensors' });
 * tensors['target_encoder.norm.weight'].shape; // [64]
 */
export function readSafetensors(bytes: Uint8Array, opts: ReadSafetensorsOptions = {}): SafetensorsContents {
  const file = opts.file ?? '<safetensors bytes>';
  if (!(bytes instanceof Uint8Array)) {
    throw new CheckpointError(file, { expected: 'a Uint8Array', received: typeof bytes });
  }
  if (bytes.length < 8) {
    throw new CheckpointError(`${file}: header length`, { expected: 'at least 8 bytes', received: `${bytes.length} bytes` });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen64 = view.getBigUint64(0, true);
  if (headerLen64 > BigInt(bytes.length - 8)) {
    throw new CheckpointError(`${file}: header length`, {
      expected: `at most ${bytes.length - 8} bytes (the rest of the file)`,
      received: headerLen64.toString(),
      hint: 'The file is truncated or not a safetensors file.',
    });
  }
  const headerLen = Number(headerLen64);
  if (headerLen > MAX_HEADER_BYTES) {
    throw new CheckpointError(`${file}: header length`, {
      expected: `at most ${formatBytes(MAX_HEADER_BYTES)} (the limit of the reference implementation)`,
      received: formatBytes(headerLen),
      hint: 'The header is corrupt or hostile.',
    });
  }
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  let text: string;
  let header: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart));
  } catch (cause) {
    throw new CheckpointError(`${file}: header`, { expected: 'UTF-8 text', received: 'invalid UTF-8', cause });
  }
  const depth = jsonDepthExceeds(text, MAX_HEADER_DEPTH);
  if (depth >= 0) {
    throw new CheckpointError(`${file}: header`, {
      expected: `JSON nested at most ${MAX_HEADER_DEPTH} levels (a header nests 3)`,
      received: `deeper nesting (level ${MAX_HEADER_DEPTH + 1} reached at character ${depth})`,
      hint: 'The header is corrupt or hostile.',
    });
  }
  try {
    header = JSON.parse(text);
  } catch (cause) {
    throw new CheckpointError(`${file}: header`, {
      expected: 'a UTF-8 JSON object',
      received: `unparseable text (${previewValue(cause instanceof Error ? cause.message : cause, { maxLength: 200 }).slice(1, -1)})`,
      cause,
    });
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new CheckpointError(`${file}: header`, { expected: 'a JSON object', received: show(header, 80) });
  }
  const metadata: Record<string, string> = {};
  const tensors: StateDict = {};
  const ranges: { name: string; begin: number; end: number; dtype: DType; shape: number[] }[] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
        throw new CheckpointError(`${file}: __metadata__`, { expected: 'an object of strings', received: show(entry) });
      }
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v !== 'string') {
          throw new CheckpointError(`${file}: __metadata__.${truncateText(k, 80)}`, { expected: 'a string', received: show(v) });
        }
        Object.defineProperty(metadata, k, { value: v, enumerable: true, writable: true, configurable: true });
      }
      continue;
    }
    const where = `${file}: tensor ${show(name, 160)}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new CheckpointError(where, { expected: '{ dtype, shape, data_offsets }', received: show(entry) });
    }
    const own = (k: string): unknown => (Object.prototype.hasOwnProperty.call(entry, k) ? (entry as Record<string, unknown>)[k] : undefined);
    const st = own('dtype');
    const shape = own('shape');
    const offsets = own('data_offsets');
    const dtype = ownValue(ST_TO_DTYPE, st);
    if (dtype === undefined) {
      throw new CheckpointError(`${where} dtype`, { expected: `one of ${Object.keys(ST_TO_DTYPE).join(', ')}`, received: show(st, 80) });
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new CheckpointError(`${where} shape`, { expected: 'an array of non-negative integers', received: show(shape) });
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offsets[0] > offsets[1]
    ) {
      throw new CheckpointError(`${where} data_offsets`, { expected: '[begin, end] with 0 <= begin <= end', received: show(offsets) });
    }
    const [begin, end] = offsets as [number, number];
    if (end > dataLen) {
      throw new CheckpointError(`${where} data_offsets`, {
        expected: `within the ${dataLen} data bytes after the header`,
        received: `[${begin}, ${end}]`,
        hint: 'The file is truncated or its header is corrupt.',
      });
    }
    const nbytes = shapeSize(shape) * dtypeByteSize(dtype);
    if (end - begin !== nbytes) {
      throw new CheckpointError(`${where} size`, {
        expected: `${nbytes} bytes for ${st} ${show(shape, 80)}`,
        received: `${end - begin} bytes (data_offsets [${begin}, ${end}])`,
      });
    }
    ranges.push({ name, begin, end, dtype, shape: shape as number[] });
  }
  // overlaps are refused before anything is copied: a thousand entries over the same 8 MB would
  // otherwise be copied a thousand times
  const sorted = ranges.filter((r) => r.end > r.begin).sort((a, b) => a.begin - b.begin || a.end - b.end);
  let reach: (typeof ranges)[number] | undefined; // the range ending furthest so far
  for (const cur of sorted) {
    if (reach !== undefined && cur.begin < reach.end) {
      throw new CheckpointError(`${file}: tensors ${show(reach.name, 100)} and ${show(cur.name, 100)}`, {
        expected: 'non-overlapping data_offsets',
        received: `[${reach.begin}, ${reach.end}] and [${cur.begin}, ${cur.end}]`,
      });
    }
    if (reach === undefined || cur.end > reach.end) reach = cur;
  }
  for (const { name, begin, end, dtype, shape } of ranges) {
    const data = typedArrayFromBytes(dtype, bytes.subarray(dataStart + begin, dataStart + end));
    Object.defineProperty(tensors, name, { value: tensorData(dtype, shape, data), enumerable: true, writable: true, configurable: true });
  }
  return { tensors, metadata };
}

/**
 * The index of the character where JSON `text` first nests deeper than `max` arrays/objects, or
 * -1. A linear scan that skips strings, run before JSON.parse so that a header of a million `[`
 * never reaches a parser or printer that recurses.
 */
function jsonDepthExceeds(text: string, max: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return i;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return -1;
}

/**
 * Serialises tensors (and optional string metadata) to the `.safetensors` format. The header is
 * padded with spaces to a multiple of 8 bytes; tensors are laid out in the order given.
 *
 * @example
 * const bytes = writeSafetensors({ 'norm.weight': tensorData('float32', [2], new Float32Array([1, 1])) }, { format: 'pt' });
 */
export function writeSafetensors(tensors: StateDict, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') {
        throw new CheckpointError(`writeSafetensors metadata "${k}"`, { expected: 'a string', received: typeof v });
      }
    }
    if (Object.keys(metadata).length > 0) header.__metadata__ = { ...metadata };
  }
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (name === '__metadata__') {
      throw new CheckpointError('writeSafetensors tensor name', { expected: 'any name but "__metadata__"', received: name });
    }
    let checked: TensorData;
    try {
      checked = tensorData(t.dtype, t.shape, t.data);
    } catch (cause) {
      throw new CheckpointError(`writeSafetensors tensor "${name}"`, { expected: 'a valid TensorData', received: (cause as Error).message, cause });
    }
    const body = tensorBytes(checked);
    header[name] = { dtype: DTYPE_TO_ST[checked.dtype], shape: [...checked.shape], data_offsets: [offset, offset + body.length] };
    parts.push(body);
    offset += body.length;
  }
  let json = JSON.stringify(header);
  const jsonBytesLen = new TextEncoder().encode(json).length;
  json += ' '.repeat((8 - (jsonBytesLen % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}
