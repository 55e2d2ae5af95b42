// Helpers the fused wasm kernels share: float views of the wasm heap that survive heap growth,
// scratch buffers, and XNNPACK matrix products on raw heap ranges (no tensor records, no engine).
import type { DataType, TensorInfo } from '@tensorflow/tfjs-core';
import { BatchMatMul } from '@tensorflow/tfjs-core';
import { BackendError } from '@vjepa/errors';
import { borrowTensorId, tensorData, type WasmBackendInternals } from '../internals';
import { simdKernels } from '../simd/simd-kernels';

/**
 * The whole wasm heap as one Float32Array, rebuilt when the heap has grown (growth detaches every
 * older view, so call it again after anything that may allocate: makeOutput, an XNNPACK call).
 * Index a tensor's elements from `offset(info)`.
 */
export function heapF32(backend: WasmBackendInternals): Float32Array {
  const buffer = backend.wasm.HEAPU8.buffer;
  let view = views.get(backend);
  if (view === undefined || view.buffer !== buffer) {
    view = new Float32Array(buffer);
    views.set(backend, view);
  }
  return view;
}
const views = new WeakMap<WasmBackendInternals, Float32Array>();

/** A tensor's first element as an index into {@link heapF32}. */
export function offset(backend: WasmBackendInternals, info: TensorInfo, kernel: string): number {
  const data = tensorData(backend, info, kernel);
  if (data.dtype !== 'float32') {
    throw new BackendError(`${kernel} on wasm`, { expected: 'float32 inputs', received: `a ${data.dtype} tensor of shape [${info.shape}]` });
  }
  return data.memoryOffset >> 2;
}

/** A new float32 output tensor and its heap index. */
export function output(backend: WasmBackendInternals, shape: number[], dtype: DataType = 'float32'): { info: TensorInfo; at: number } {
  const info = backend.makeOutput(shape, dtype);
  const data = backend.dataIdMap.get(info.dataId)!;
  return { info, at: data.memoryOffset >> 2 };
}

/** Scratch float buffers for one kernel call: allocate, use through heap indices, free. */
export class Scratch {
  private readonly infos: TensorInfo[] = [];
  constructor(private readonly backend: WasmBackendInternals) {}

  /** A buffer of `size` floats; returns its heap index and its runtime tensor id. */
  alloc(size: number): { at: number; id: number } {
    const info = this.backend.makeOutput([Math.max(1, size)], 'float32');
    this.infos.push(info);
    const data = this.backend.dataIdMap.get(info.dataId)!;
    return { at: data.memoryOffset >> 2, id: data.id };
  }

  free(): void {
    for (const info of this.infos) this.backend.disposeData(info.dataId);
    this.infos.length = 0;
  }
}

type RawMatMul = (aId: number, aShape: Uint8Array, aRank: number, bId: number, bShape: Uint8Array, bRank: number, transposeA: boolean, transposeB: boolean, outId: number) => void;
const rawMatMuls = new WeakMap<WasmBackendInternals, RawMatMul>();
const shape3 = (a: number, b: number) => new Uint8Array(new Int32Array([1, a, b]).buffer);

/**
 * out[m, n] = a[m, k] @ b[k, n] on heap ranges (heap indices of float32 elements): small products
 * ({@link isSmallMatMul}) in our wasm SIMD kernel, others through the runtime's XNNPACK path (the
 * fast one: batch 1, no transpose flags). May grow the heap.
 *
 * @example
 * matmulAt(backend, aAt, bAt, outAt, m, k, n);
 */
export function matmulAt(backend: WasmBackendInternals, aAt: number, bAt: number, outAt: number, m: number, k: number, n: number): void {
  const simd = isSmallMatMul(m, k, n) ? simdKernels(backend) : null;
  if (simd !== null) return simd.matmul_small(aAt * 4, bAt * 4, 0, outAt * 4, m, k, n);
  let fn = rawMatMuls.get(backend);
  if (fn === undefined) {
    fn = backend.wasm.cwrap(BatchMatMul, null, ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number']) as RawMatMul;
    rawMatMuls.set(backend, fn);
  }
  const [aId, relA] = borrowTensorId(backend, m * k, aAt << 2);
  const [bId, relB] = borrowTensorId(backend, k * n, bAt << 2);
  const [oId, relO] = borrowTensorId(backend, m * n, outAt << 2);
  try {
    fn(aId, shape3(m, k), 3, bId, shape3(k, n), 3, false, false, oId);
  } finally {
    relA();
    relB();
    relO();
  }
}

/**
 * Whether an `[m, k] x [k, n]` product goes to the wasm SIMD kernel rather than XNNPACK: up to 2^23
 * multiply-adds (e.g. 256 x 96 x 256), where XNNPACK's per-call set-up (50-350 us measured) costs
 * as much as the arithmetic or more and our 4x8-blocked kernel runs as fast (14-17 GFLOP/s on one
 * core, measured from 64 x 24 x 64 to 256 x 96 x 256).
 *
 * @example
 * isSmallMatMul(64, 24, 64); // true: an attention head
 */
export function isSmallMatMul(m: number, k: number, n: number): boolean {
  return m * k * n <= 1 << 23;
}

type RawSoftmax = (xId: number, outId: number, channels: number, batch: number) => void;
const rawSoftmaxes = new WeakMap<WasmBackendInternals, RawSoftmax>();

/**
 * Row softmax of a `[rows, cols]` heap range into another (XNNPACK's vectorised softmax, the stock
 * wasm Softmax kernel's entry point). `x` and `out` are scratch buffers with runtime ids.
 *
 * @example
 * softmaxRows(backend, s.id, p.id, n, rows);
 */
export function softmaxRows(backend: WasmBackendInternals, xId: number, outId: number, cols: number, rows: number): void {
  let fn = rawSoftmaxes.get(backend);
  if (fn === undefined) {
    fn = backend.wasm.cwrap('Softmax', null, ['number', 'number', 'number', 'number']) as RawSoftmax;
    rawSoftmaxes.set(backend, fn);
  }
  fn(xId, outId, cols, rows);
}

/**
 * dst[c, r] = src[r, c] for an `rows x cols` matrix, on heap indices.
 *
 * @example
 * transposeAt(heapF32(backend), srcAt, dstAt, rows, cols);
 */
export function transposeAt(h: Float32Array, srcAt: number, dstAt: number, rows: number, cols: number, scale = 1): void {
  for (let r = 0; r < rows; r++) {
    const s = srcAt + r * cols;
    if (scale === 1) for (let c = 0; c < cols; c++) h[dstAt + c * rows + r] = h[s + c];
    else for (let c = 0; c < cols; c++) h[dstAt + c * rows + r] = h[s + c] * scale;
  }
}

/**
 * {@link transposeAt} on `backend`'s heap, through the wasm SIMD kernel (4x4 blocks) when it runs
 * there; the same values either way (one multiplication per element).
 *
 * @example
 * transposeOn(backend, srcAt, dstAt, rows, cols);
 */
export function transposeOn(backend: WasmBackendInternals, srcAt: number, dstAt: number, rows: number, cols: number, scale = 1): void {
  const simd = simdKernels(backend);
  if (simd !== null) simd.transpose(srcAt * 4, dstAt * 4, rows, cols, scale);
  else transposeAt(heapF32(backend), srcAt, dstAt, rows, cols, scale);
}
