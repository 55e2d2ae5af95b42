import type { BatchMatMulAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { BatchMatMul, Transpose, broadcast_util, getKernel, util } from '@tensorflow/tfjs-core';
import { BackendError } from '@vjepa/errors';
import { isSmallMatMul } from './fused/heap';
import { borrowTensorId, tensorData, type WasmBackendInternals } from './internals';
import { simdKernels } from './simd/simd-kernels';

type RawMatMul = (aId: number, aShape: Uint8Array, aRank: number, bId: number, bShape: Uint8Array, bRank: number, transposeA: boolean, transposeB: boolean, outId: number) => void;

const rawMatMuls = new WeakMap<WasmBackendInternals, RawMatMul>();

/** The runtime's BatchMatMul entry point, wrapped once per backend instance. */
function rawMatMul(backend: WasmBackendInternals): RawMatMul {
  let fn = rawMatMuls.get(backend);
  if (fn === undefined) {
    fn = backend.wasm.cwrap(BatchMatMul, null, ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number']) as RawMatMul;
    rawMatMuls.set(backend, fn);
  }
  return fn;
}

const shapeBytes = (shape: number[]) => new Uint8Array(new Int32Array(shape).buffer);

/**
 * out[1, M, N] = a[1, M, K] @ b[1, K, N] through the runtime's XNNPACK path (the only fast one: it
 * is taken for batch 1 and no transpose flags). Ids may be borrowed views into larger buffers.
 */
function fastMatMul(backend: WasmBackendInternals, aId: number, bId: number, outId: number, m: number, k: number, n: number): void {
  rawMatMul(backend)(aId, shapeBytes([1, m, k]), 3, bId, shapeBytes([1, k, n]), 3, false, false, outId);
}

/**
 * Maps a flat index over the broadcast batch dims `outDims` to the flat index over `dims` (a batch
 * shape that broadcasts to outDims: missing leading dims and size-1 dims repeat).
 */
function broadcastIndex(dims: number[], outDims: number[]): (i: number) => number {
  const padded = [...new Array<number>(outDims.length - dims.length).fill(1), ...dims];
  const strides = [...util.computeStrides(padded), 1];
  return (i: number) => {
    let flat = 0;
    for (let d = outDims.length - 1; d >= 0; d--) {
      const coord = i % outDims[d];
      i = Math.floor(i / outDims[d]);
      if (padded[d] !== 1) flat += coord * strides[d];
    }
    return flat;
  };
}

/** [batch, r, c] -> [batch, c, r] with the wasm Transpose kernel; the caller disposes the result. */
function swapLastTwo(backend: WasmBackendInternals, x: TensorInfo, shape3d: number[]): TensorInfo {
  const transpose = getKernel(Transpose, 'wasm');
  if (transpose === undefined) throw new BackendError('BatchMatMul on wasm', { expected: 'the wasm Transpose kernel', received: 'none registered' });
  const view: TensorInfo = { dataId: x.dataId, shape: shape3d, dtype: x.dtype };
  return transpose.kernelFunc({ inputs: { x: view }, backend, attrs: { perm: [0, 2, 1] } }) as TensorInfo;
}

/**
 * Builds the replacement wasm `BatchMatMul`. Stock tfjs-backend-wasm 4.22 sends everything but
 * "batch 1, no transpose flags" to a naive blocked loop (0.8-2.8 GFLOP/s against 20-34 on the
 * XNNPACK path, see docs/backends.md in the repository); autograd's matmul gradient always sets a transpose
 * flag, so training is dominated by that loop. This kernel:
 *  - passes the fast case to the original kernel unchanged;
 *  - materialises transposed operands with the wasm Transpose kernel (O(size), cheap next to O(MNK));
 *  - when b has batch 1, folds a's batch into its rows: one [batchA*M, K] @ [K, N] call;
 *  - otherwise runs one XNNPACK call per (broadcast) batch slice on borrowed zero-copy views of a, b
 *    and out;
 *  - small products (M K N within {@link isSmallMatMul}'s bound, the fast case included) go to our
 *    wasm SIMD kernel instead, slice by slice on the heap: an XNNPACK call costs 50-350 us of set-up
 *    there, the arithmetic 10-20.
 * Results equal the stock kernel's up to float summation order.
 */
export function makeBatchMatMulWasm(original: KernelFunc): KernelFunc {
  return ((args: { inputs: { a: TensorInfo; b: TensorInfo }; backend: WasmBackendInternals; attrs: BatchMatMulAttrs }) => {
    const { inputs, backend, attrs } = args;
    const { a, b } = inputs;
    const { transposeA, transposeB } = attrs;
    const aRank = a.shape.length;
    const bRank = b.shape.length;
    const batchA = util.sizeFromShape(a.shape.slice(0, -2));
    const batchB = util.sizeFromShape(b.shape.slice(0, -2));
    const m = transposeA ? a.shape[aRank - 1] : a.shape[aRank - 2];
    const k = transposeA ? a.shape[aRank - 2] : a.shape[aRank - 1];
    const kB = transposeB ? b.shape[bRank - 1] : b.shape[bRank - 2];
    const n = transposeB ? b.shape[bRank - 2] : b.shape[bRank - 1];
    const simd = isSmallMatMul(m, k, n) ? simdKernels(backend) : null;
    if ((simd === null && batchA === 1 && batchB === 1 && !transposeA && !transposeB) || a.dtype !== 'float32' || b.dtype !== 'float32') {
      return original(args as never); // the fast case, or one the original rejects with its own message
    }
    if (k !== kB) {
      throw new BackendError('BatchMatMul on wasm', {
        expected: 'inner dimensions to match',
        received: `a [${a.shape}] (transposeA ${transposeA}) and b [${b.shape}] (transposeB ${transposeB})`,
      });
    }
    const outBatchDims = broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
    const batch = util.sizeFromShape(outBatchDims);

    // Materialise transposes so that a is [batchA, M, K] and b is [batchB, K, N], row-major.
    const aT = transposeA ? swapLastTwo(backend, a, [batchA, k, m]) : a;
    const bT = transposeB ? swapLastTwo(backend, b, [batchB, n, k]) : b;
    try {
      const out = backend.makeOutput([...outBatchDims, m, n], 'float32');
      const outData = tensorData(backend, out, 'BatchMatMul');
      const aData = tensorData(backend, aT, 'BatchMatMul');
      const bData = tensorData(backend, bT, 'BatchMatMul');
      if (batchB === 1 && simd === null) {
        // [batchA, M, K] is [batchA*M, K] in memory, and out [batchA, M, N] is [batchA*M, N].
        fastMatMul(backend, aData.id, bData.id, outData.id, batchA * m, k, n);
        return out;
      }
      const aIndex = broadcastIndex(a.shape.slice(0, -2), outBatchDims);
      const bIndex = broadcastIndex(b.shape.slice(0, -2), outBatchDims);
      if (simd !== null) {
        // small products: our SIMD kernel on the heap, no library call per slice
        for (let i = 0; i < batch; i++) {
          simd.matmul_small(aData.memoryOffset + 4 * aIndex(i) * m * k, bData.memoryOffset + 4 * bIndex(i) * k * n, 0, outData.memoryOffset + 4 * i * m * n, m, k, n);
        }
        return out;
      }
      for (let i = 0; i < batch; i++) {
        const [aId, releaseA] = batchA === 1 ? [aData.id, () => {}] : borrowTensorId(backend, m * k, aData.memoryOffset + 4 * aIndex(i) * m * k);
        const [bId, releaseB] = borrowTensorId(backend, k * n, bData.memoryOffset + 4 * bIndex(i) * k * n);
        const [outId, releaseOut] = borrowTensorId(backend, m * n, outData.memoryOffset + 4 * i * m * n);
        try {
          fastMatMul(backend, aId, bId, outId, m, k, n);
        } finally {
          releaseA();
          releaseB();
          releaseOut();
        }
      }
      return out;
    } finally {
      if (aT !== a) backend.disposeData(aT.dataId);
      if (bT !== b) backend.disposeData(bT.dataId);
    }
  }) as unknown as KernelFunc;
}

/**
 * Kernel config for the replacement wasm `BatchMatMul`, given the stock config it wraps (its
 * setupFunc still runs, so the stock fast path keeps working).
 *
 * @example
 * const stock = tf.getKernel('BatchMatMul', 'wasm')!;
 * tf.unregisterKernel('BatchMatMul', 'wasm');
 * tf.registerKernel(batchMatMulWasmConfig(stock));
 */
export function batchMatMulWasmConfig(stock: KernelConfig): KernelConfig {
  return { ...stock, kernelFunc: makeBatchMatMulWasm(stock.kernelFunc) };
}
