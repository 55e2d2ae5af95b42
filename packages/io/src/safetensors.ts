import { CheckpointError } from '@vjepa/errors';
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
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch (cause) {
    throw new CheckpointError(`${file}: header`, {
      expected: 'a UTF-8 JSON object',
      received: `unparseable text (${(cause as Error).message})`,
      cause,
    });
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new CheckpointError(`${file}: header`, { expected: 'a JSON object', received: JSON.stringify(header)?.slice(0, 80) });
  }
  const metadata: Record<string, string> = {};
  const tensors: StateDict = {};
  const ranges: { name: string; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
        throw new CheckpointError(`${file}: __metadata__`, { expected: 'an object of strings', received: JSON.stringify(entry) });
      }
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v !== 'string') {
          throw new CheckpointError(`${file}: __metadata__.${k}`, { expected: 'a string', received: JSON.stringify(v) });
        }
        metadata[k] = v;
      }
      continue;
    }
    const where = `${file}: tensor "${name}"`;
    if (typeof entry !== 'object' || entry === null) {
      throw new CheckpointError(where, { expected: '{ dtype, shape, data_offsets }', received: JSON.stringify(entry) });
    }
    const { dtype: st, shape, data_offsets: offsets } = entry as Record<string, unknown>;
    const dtype = typeof st === 'string' ? ST_TO_DTYPE[st] : undefined;
    if (dtype === undefined) {
      throw new CheckpointError(`${where} dtype`, { expected: `one of ${Object.keys(ST_TO_DTYPE).join(', ')}`, received: JSON.stringify(st) });
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new CheckpointError(`${where} shape`, { expected: 'an array of non-negative integers', received: JSON.stringify(shape) });
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offsets[0] > offsets[1]
    ) {
      throw new CheckpointError(`${where} data_offsets`, { expected: '[begin, end] with 0 <= begin <= end', received: JSON.stringify(offsets) });
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
        expected: `${nbytes} bytes for ${st} [${shape.join(', ')}]`,
        received: `${end - begin} bytes (data_offsets [${begin}, ${end}])`,
      });
    }
    ranges.push({ name, begin, end });
    const data = typedArrayFromBytes(dtype, bytes.subarray(dataStart + begin, dataStart + end));
    Object.defineProperty(tensors, name, { value: tensorData(dtype, shape, data), enumerable: true, writable: true, configurable: true });
  }
  ranges.sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < ranges.length; i++) {
    const prev = ranges[i - 1];
    const cur = ranges[i];
    if (cur.begin < prev.end && cur.end > cur.begin) {
      throw new CheckpointError(`${file}: tensors "${prev.name}" and "${cur.name}"`, {
        expected: 'non-overlapping data_offsets',
        received: `[${prev.begin}, ${prev.end}] and [${cur.begin}, ${cur.end}]`,
      });
    }
  }
  return { tensors, metadata };
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
