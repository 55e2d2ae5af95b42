import { BackendError, DataError, ShapeError, previewValue } from '@vjepa/errors';
import { bfloat16ToFloat32, float16ToFloat32 } from './half';

/**
 * Element types a weight or array file can hold. `float16`/`bfloat16` are stored as raw 16-bit
 * patterns in a `Uint16Array`; `bool` is one byte per element (0 or 1) in a `Uint8Array`.
 *
 * @example
 * const dtype: DType = 'float32';
 */
export type DType =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'bfloat16'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint8'
  | 'bool';

/**
 * The typed arrays a {@link TensorData} may hold.
 *
 * @example
 * const data: TypedData = new Float32Array(4);
 */
export type TypedData =
  | Float32Array
  | Float64Array
  | Int32Array
  | BigInt64Array
  | Int16Array
  | Int8Array
  | Uint8Array
  | Uint16Array;

/**
 * A dense, C-ordered (row-major) array with no tensor library attached.
 *
 * @example
 * const t: TensorData = { dtype: 'float32', shape: [2, 3], data: new Float32Array(6) };
 */
export interface TensorData {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: TypedData;
}

/**
 * A flat map from parameter name (e.g. `blocks.0.attn.qkv.weight`) to its array.
 *
 * @example
 * const sd: StateDict = { 'norm.weight': tensorData('float32', [64], new Float32Array(64)) };
 */
export type StateDict = Record<string, TensorData>;

/**
 * Every supported dtype, in a stable order.
 *
 * @example
 * DTYPES.includes('float16'); // true
 */
export const DTYPES: readonly DType[] = [
  'float32',
  'float64',
  'float16',
  'bfloat16',
  'int64',
  'int32',
  'int16',
  'int8',
  'uint8',
  'bool',
];

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function assertLittleEndian(): void {
  if (!LITTLE_ENDIAN) {
    throw new BackendError('host byte order', { expected: 'a little-endian machine', received: 'big-endian', hint: '@vjepa/io maps file bytes straight onto typed arrays.' });
  }
}

const BYTES: Record<DType, number> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

type TypedCtor = {
  new (buffer: ArrayBuffer, byteOffset?: number, length?: number): TypedData;
  new (length: number): TypedData;
  readonly BYTES_PER_ELEMENT: number;
};

const CTORS: Record<DType, TypedCtor> = {
  float32: Float32Array as unknown as TypedCtor,
  float64: Float64Array as unknown as TypedCtor,
  float16: Uint16Array as unknown as TypedCtor,
  bfloat16: Uint16Array as unknown as TypedCtor,
  int64: BigInt64Array as unknown as TypedCtor,
  int32: Int32Array as unknown as TypedCtor,
  int16: Int16Array as unknown as TypedCtor,
  int8: Int8Array as unknown as TypedCtor,
  uint8: Uint8Array as unknown as TypedCtor,
  bool: Uint8Array as unknown as TypedCtor,
};

/**
 * Bytes per element of a dtype.
 *
 * @example
 * dtypeByteSize('bfloat16'); // 2
 */
export function dtypeByteSize(dtype: DType): number {
  assertDType(dtype, 'dtypeByteSize');
  return BYTES[dtype];
}

/** Throws a ShapeError for anything but a supported dtype name (never reads the prototype chain). */
function assertDType(dtype: unknown, what: string): asserts dtype is DType {
  if (!isDType(dtype)) {
    throw new ShapeError(`${what} dtype`, { expected: `one of ${DTYPES.join(', ')}`, received: previewValue(dtype, { maxLength: 60 }) });
  }
}

/**
 * True when `x` is one of the supported dtype names.
 *
 * @example
 * isDType('float32'); // true
 */
export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(BYTES, x);
}

/**
 * Number of elements of a shape (1 for a scalar `[]`).
 *
 * @example
 * shapeSize([2, 3, 4]); // 24
 */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function typedArrayName(data: unknown): string {
  if (ArrayBuffer.isView(data)) return data.constructor.name;
  return data === null ? 'null' : typeof data;
}

/**
 * True for a value shaped like a {@link TensorData} whose typed array fits its dtype and shape.
 *
 * @example
 * isTensorData({ dtype: 'int32', shape: [2], data: new Int32Array(2) }); // true
 */
export function isTensorData(x: unknown): x is TensorData {
  if (typeof x !== 'object' || x === null) return false;
  const t = x as Partial<TensorData>;
  if (!isDType(t.dtype) || !Array.isArray(t.shape)) return false;
  if (!t.shape.every((d) => Number.isInteger(d) && d >= 0)) return false;
  if (!(t.data instanceof CTORS[t.dtype])) return false;
  return t.data.length === shapeSize(t.shape);
}

/**
 * Validating constructor: checks the dtype, that the shape holds non-negative integers, that the
 * typed array class fits the dtype and that its length is the product of the shape.
 *
 * @example
 * const t = tensorData('float32', [2, 2], new Float32Array([1, 2, 3, 4]));
 */
export function tensorData(dtype: DType, shape: readonly number[], data: TypedData): TensorData {
  assertDType(dtype, 'tensorData');
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ShapeError('tensorData shape', {
      expected: 'an array of non-negative integers',
      received: previewValue(shape),
    });
  }
  if (!(data instanceof CTORS[dtype])) {
    throw new ShapeError(`tensorData data for dtype ${dtype}`, {
      expected: CTORS[dtype].name,
      received: typedArrayName(data),
    });
  }
  const n = shapeSize(shape);
  if (data.length !== n) {
    throw new ShapeError(`tensorData data for shape [${shape.slice(0, 16).join(', ')}${shape.length > 16 ? ', …' : ''}]`, {
      expected: `${n} elements`,
      received: `${data.length}`,
    });
  }
  return { dtype, shape: [...shape], data };
}

/**
 * Builds a typed array of `dtype` from little-endian bytes (copies, so the result is aligned and
 * independent of `bytes`). `bytes.length` must be a multiple of the element size.
 *
 * @example
 * const f = typedArrayFromBytes('float32', new Uint8Array(8)); // Float32Array(2)
 */
export function typedArrayFromBytes(dtype: DType, bytes: Uint8Array): TypedData {
  assertLittleEndian();
  assertDType(dtype, 'typedArrayFromBytes');
  const size = BYTES[dtype];
  if (bytes.length % size !== 0) {
    throw new DataError(`${dtype} bytes`, { expected: `a multiple of ${size} bytes`, received: `${bytes.length}` });
  }
  const copy = bytes.slice();
  return new CTORS[dtype](copy.buffer, 0, copy.length / size);
}

/**
 * The little-endian bytes of a tensor's data (a view, no copy).
 *
 * @example
 * tensorBytes(tensorData('int32', [1], new Int32Array([1]))); // Uint8Array [1, 0, 0, 0]
 */
export function tensorBytes(t: TensorData): Uint8Array {
  assertLittleEndian();
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

/**
 * An empty typed array of `dtype` with `length` elements.
 *
 * @example
 * allocTyped('int64', 3); // BigInt64Array(3)
 */
export function allocTyped(dtype: DType, length: number): TypedData {
  assertDType(dtype, 'allocTyped');
  return new CTORS[dtype](length);
}

/**
 * Converts any dtype to float32 values. Returns the same array (no copy) for `float32`. `int64`
 * values beyond 2^24 lose precision as float32 always does.
 *
 * @example
 * toFloat32(tensorData('float64', [2], new Float64Array([0.5, 2]))); // Float32Array [0.5, 2]
 */
export function toFloat32(t: TensorData): Float32Array {
  const { dtype, data } = t;
  if (dtype === 'float32') return data as Float32Array;
  const out = new Float32Array(data.length);
  if (dtype === 'float16') {
    const d = data as Uint16Array;
    for (let i = 0; i < d.length; i++) out[i] = float16ToFloat32(d[i]);
  } else if (dtype === 'bfloat16') {
    const d = data as Uint16Array;
    for (let i = 0; i < d.length; i++) out[i] = bfloat16ToFloat32(d[i]);
  } else if (dtype === 'int64') {
    const d = data as BigInt64Array;
    for (let i = 0; i < d.length; i++) out[i] = Number(d[i]);
  } else {
    const d = data as Exclude<TypedData, BigInt64Array>;
    for (let i = 0; i < d.length; i++) out[i] = d[i];
  }
  return out;
}

/**
 * Converts an integer or bool tensor to int32, checking that every int64 value fits. Returns the
 * same array for `int32`. Floats are refused (indices must not be silently truncated).
 *
 * @example
 * toInt32(tensorData('int64', [2], new BigInt64Array([3n, 7n]))); // Int32Array [3, 7]
 */
export function toInt32(t: TensorData, what = 'tensor'): Int32Array {
  const { dtype, data } = t;
  if (dtype === 'int32') return data as Int32Array;
  if (dtype === 'int64') {
    const d = data as BigInt64Array;
    const out = new Int32Array(d.length);
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      if (v > 2147483647n || v < -2147483648n) {
        throw new DataError(`${what}: element ${i}`, {
          expected: 'an int64 value that fits int32 [-2^31, 2^31)',
          received: v.toString(),
        });
      }
      out[i] = Number(v);
    }
    return out;
  }
  if (dtype === 'int16' || dtype === 'int8' || dtype === 'uint8' || dtype === 'bool') {
    return Int32Array.from(data as Int16Array | Int8Array | Uint8Array);
  }
  throw new ShapeError(`${what} dtype`, {
    expected: 'an integer dtype (int64, int32, int16, int8, uint8, bool)',
    received: dtype,
  });
}
