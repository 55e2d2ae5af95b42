import { readFile, readdir } from 'node:fs/promises';
import { DataError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from './npy';
import { type DType, type TypedData, tensorData } from './tensor-data';

const FIXTURES = new URL('../../../fixtures/official-parity/', import.meta.url);
const fixture = async (name: string): Promise<Uint8Array> => new Uint8Array(await readFile(new URL(name, FIXTURES)));

/** Builds an .npy file with an arbitrary header dict, for testing what real NumPy may write. */
function craftNpy(dict: string, body: Uint8Array, major = 1): Uint8Array {
  const prefix = major === 1 ? 10 : 12;
  const total = prefix + dict.length + 1;
  const header = dict + ' '.repeat(Math.ceil(total / 64) * 64 - total) + '\n';
  const out = new Uint8Array(prefix + header.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  out.set(new TextEncoder().encode(header), prefix);
  out.set(body, prefix + header.length);
  return out;
}

describe('readNpy on the official fixtures', () => {
  it('reads input.npy as float32 [2, 3, 4, 32, 32] with finite values', async () => {
    const t = readNpy(await fixture('input.npy'), { file: 'input.npy' });
    expect(t.dtype).toBe('float32');
    expect(t.shape).toEqual([2, 3, 4, 32, 32]);
    const data = t.data as Float32Array;
    expect(data.every(Number.isFinite)).toBe(true);
    // normalised input: not all zeros, spread around 0
    let sumSq = 0;
    for (const v of data) sumSq += v * v;
    expect(sumSq / data.length).toBeGreaterThan(0.1);
  });

  it('reads ctx_idx/tgt_idx as sorted int64 [2, K] token indices in [0, 32)', async () => {
    for (const name of ['ctx_idx.npy', 'tgt_idx.npy']) {
      const t = readNpy(await fixture(name), { file: name });
      expect(t.dtype).toBe('int64');
      expect(t.shape.length).toBe(2);
      expect(t.shape[0]).toBe(2);
      const d = t.data as BigInt64Array;
      const k = t.shape[1];
      for (let b = 0; b < 2; b++) {
        for (let i = 0; i < k; i++) {
          const v = d[b * k + i];
          expect(v >= 0n && v < 32n).toBe(true);
          if (i > 0) expect(v > d[b * k + i - 1]).toBe(true);
        }
      }
    }
  });

  it('re-writes every fixture byte-identically', async () => {
    const names = (await readdir(FIXTURES)).filter((n) => n.endsWith('.npy'));
    expect(names.length).toBe(7);
    for (const name of names) {
      const bytes = await fixture(name);
      expect(Buffer.compare(writeNpy(readNpy(bytes)), bytes), name).toBe(0);
    }
  });
});

describe('writeNpy / readNpy round trip', () => {
  const cases: [DType, TypedData][] = [
    ['float32', new Float32Array([1.5, -2, 3e-8, 0, 5, 6])],
    ['float64', new Float64Array([Math.PI, -1e300, 0, 1, 2, 3])],
    ['float16', new Uint16Array([0x3c00, 0x8000, 0x7bff, 1, 2, 3])],
    ['int64', new BigInt64Array([-(2n ** 62n), 0n, 1n, 2n, 3n, 2n ** 62n])],
    ['int32', new Int32Array([-2147483648, 0, 1, 2, 3, 2147483647])],
    ['int16', new Int16Array([-32768, 0, 1, 2, 3, 32767])],
    ['int8', new Int8Array([-128, 0, 1, 2, 3, 127])],
    ['uint8', new Uint8Array([0, 1, 2, 3, 254, 255])],
    ['bool', new Uint8Array([0, 1, 1, 0, 0, 1])],
  ];
  for (const [dtype, data] of cases) {
    it(`keeps ${dtype} [2, 3] exact and aligns data to 64 bytes`, () => {
      const bytes = writeNpy(tensorData(dtype, [2, 3], data));
      const headerLen = new DataView(bytes.buffer).getUint16(8, true);
      expect((10 + headerLen) % 64).toBe(0);
      const back = readNpy(bytes);
      expect(back.dtype).toBe(dtype);
      expect(back.shape).toEqual([2, 3]);
      expect(back.data).toEqual(data);
    });
  }

  it('handles scalars, 1-D and empty arrays', () => {
    for (const shape of [[], [4], [0, 3]]) {
      const n = shape.reduce((a, b) => a * b, 1);
      const back = readNpy(writeNpy(tensorData('float32', shape, new Float32Array(n).fill(7))));
      expect(back.shape).toEqual(shape);
      expect(back.data.length).toBe(n);
    }
  });

  it('refuses bfloat16 with a hint', () => {
    expect(() => writeNpy(tensorData('bfloat16', [1], new Uint16Array(1)))).toThrow(/NumPy has no bfloat16/);
  });
});

describe('readNpy format variants', () => {
  it('transposes fortran_order arrays to C order', () => {
    // [[1, 2, 3], [4, 5, 6]] in Fortran (column-major) order
    const body = new Uint8Array(new Int32Array([1, 4, 2, 5, 3, 6]).buffer);
    const t = readNpy(craftNpy("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }", body));
    expect(Array.from(t.data as Int32Array)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('transposes a 3-D fortran array', () => {
    // a[i,j,k] = 100i + 10j + k, shape (2, 3, 4), stored with i fastest
    const f = new Int32Array(24);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) f[i + 2 * j + 6 * k] = 100 * i + 10 * j + k;
    const t = readNpy(craftNpy("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3, 4), }", new Uint8Array(f.buffer)));
    const c = t.data as Int32Array;
    expect(c[0 * 12 + 2 * 4 + 3]).toBe(23);
    expect(c[1 * 12 + 1 * 4 + 2]).toBe(112);
  });

  it('reads format v2 and v3 headers', () => {
    const body = new Uint8Array(new Float32Array([1, 2]).buffer);
    for (const major of [2, 3]) {
      const t = readNpy(craftNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", body, major));
      expect(Array.from(t.data as Float32Array)).toEqual([1, 2]);
    }
  });
});

describe('readNpy bad input', () => {
  const body = new Uint8Array(16);
  it('names the file and the unsupported dtype', () => {
    const bytes = craftNpy("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", body);
    expect(() => readNpy(bytes, { file: 'z.npy' })).toThrow(DataError);
    expect(() => readNpy(bytes, { file: 'z.npy' })).toThrow(/z\.npy: dtype "<c8"/);
  });

  it('refuses big-endian with a hint', () => {
    const bytes = craftNpy("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", body);
    expect(() => readNpy(bytes, { file: 'be.npy' })).toThrow(/Big-endian/);
  });

  it('refuses structured dtypes', () => {
    const bytes = craftNpy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", body);
    expect(() => readNpy(bytes, { file: 's.npy' })).toThrow(/s\.npy: header/);
  });

  it('reports truncated data and a bad magic', async () => {
    const full = await fixture('input.npy');
    expect(() => readNpy(full.subarray(0, full.length - 4), { file: 'input.npy' })).toThrow(/input\.npy: data .*truncated/);
    expect(() => readNpy(full.subarray(0, 40), { file: 'input.npy' })).toThrow(/input\.npy: header length/);
    expect(() => readNpy(new Uint8Array(20), { file: 'x.npy' })).toThrow(/x\.npy: magic/);
  });
});
