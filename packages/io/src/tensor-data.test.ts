import { DataError, ShapeError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { isTensorData, shapeSize, tensorData, toFloat32, toInt32, typedArrayFromBytes } from './tensor-data';

describe('tensorData', () => {
  it('accepts a matching dtype, shape and array', () => {
    const t = tensorData('float32', [2, 3], new Float32Array(6));
    expect(t.shape).toEqual([2, 3]);
    expect(isTensorData(t)).toBe(true);
  });

  it('rejects a wrong length, a wrong array class and a bad shape, naming what is wrong', () => {
    expect(() => tensorData('float32', [2, 3], new Float32Array(5))).toThrow(/expected 6 elements, received 5/);
    expect(() => tensorData('float32', [2], new Float64Array(2))).toThrow(/expected Float32Array, received Float64Array/);
    expect(() => tensorData('int32', [-1], new Int32Array(0))).toThrow(ShapeError);
    expect(() => tensorData('complex64' as never, [1], new Float32Array(1))).toThrow(/one of float32/);
  });

  it('isTensorData rejects look-alikes', () => {
    expect(isTensorData({ dtype: 'int64', shape: [2], data: new Int32Array(2) })).toBe(false);
    expect(isTensorData({ dtype: 'float32', shape: [3], data: new Float32Array(2) })).toBe(false);
    expect(isTensorData(null)).toBe(false);
    expect(isTensorData({ dtype: 'bool', shape: [], data: new Uint8Array(1) })).toBe(true);
  });

  it('shapeSize of a scalar is 1 and of an empty axis is 0', () => {
    expect(shapeSize([])).toBe(1);
    expect(shapeSize([3, 0, 2])).toBe(0);
  });
});

describe('toFloat32', () => {
  it('returns the same array for float32', () => {
    const data = new Float32Array([1, 2]);
    expect(toFloat32(tensorData('float32', [2], data))).toBe(data);
  });

  it('converts float64, float16, bfloat16, int64 and int8', () => {
    expect(Array.from(toFloat32(tensorData('float64', [2], new Float64Array([0.5, -3]))))).toEqual([0.5, -3]);
    // 0x3c00 = 1, 0xc000 = -2, 0x7c00 = inf, 0x0001 = smallest subnormal 2^-24
    const f16 = toFloat32(tensorData('float16', [4], new Uint16Array([0x3c00, 0xc000, 0x7c00, 0x0001])));
    expect(Array.from(f16)).toEqual([1, -2, Infinity, 2 ** -24]);
    const bf16 = toFloat32(tensorData('bfloat16', [2], new Uint16Array([0x3f80, 0xc040])));
    expect(Array.from(bf16)).toEqual([1, -3]);
    expect(Array.from(toFloat32(tensorData('int64', [2], new BigInt64Array([5n, -7n]))))).toEqual([5, -7]);
    expect(Array.from(toFloat32(tensorData('int8', [1], new Int8Array([-128]))))).toEqual([-128]);
  });
});

describe('toInt32', () => {
  it('narrows int64 and rejects values out of range, naming the tensor and element', () => {
    expect(Array.from(toInt32(tensorData('int64', [2], new BigInt64Array([3n, -7n]))))).toEqual([3, -7]);
    const big = tensorData('int64', [2], new BigInt64Array([1n, 2n ** 40n]));
    expect(() => toInt32(big, 'ctx_idx')).toThrow(DataError);
    expect(() => toInt32(big, 'ctx_idx')).toThrow(/ctx_idx: element 1/);
  });

  it('refuses floats', () => {
    expect(() => toInt32(tensorData('float32', [1], new Float32Array(1)), 'idx')).toThrow(/idx dtype/);
  });
});

describe('typedArrayFromBytes', () => {
  it('copies unaligned little-endian bytes', () => {
    const buf = new Uint8Array(9);
    new DataView(buf.buffer).setFloat64(1, 1.25, true);
    const out = typedArrayFromBytes('float64', buf.subarray(1));
    expect(out).toBeInstanceOf(Float64Array);
    expect(out[0]).toBe(1.25);
  });
});

describe('dtype names from files', () => {
  it('never resolve through the prototype chain', async () => {
    const { ownValue } = await import('./own-lookup');
    for (const name of ['__proto__', 'toString', 'constructor', 'hasOwnProperty']) {
      expect(ownValue({ F32: 'float32' }, name)).toBeUndefined();
      expect(() => typedArrayFromBytes(name as never, new Uint8Array(4))).toThrow(ShapeError);
      expect(() => typedArrayFromBytes(name as never, new Uint8Array(4))).toThrow(new RegExp(`typedArrayFromBytes dtype: expected one of float32.*received "${name}"`));
    }
    expect(ownValue({ F32: 'float32' }, 'F32')).toBe('float32');
  });
});
