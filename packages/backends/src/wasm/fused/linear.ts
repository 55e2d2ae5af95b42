import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { util } from '@tensorflow/tfjs-core';
import { tensorData, type WasmBackendInternals } from '../internals';
import { simdKernels } from '../simd/simd-kernels';
import { Scratch, heapF32, isSmallMatMul, matmulAt, offset, output, transposeOn } from './heap';

// Fused linear layer on wasm (@vjepa/vit's FUSED_LINEAR_KERNEL / FUSED_LINEAR_GRAD_KERNEL):
// y = x W^T + b over the last axis with PyTorch's [out, in] weight, any leading axes, as one XNNPACK
// call with the bias fused in (the composed op is reshape, matmul with a transposed weight, add,
// reshape, and ~12 kernels for its gradient). The backward gives dx = dy W (the weight as it is),
// dW = dy^T x and db = column sums of dy, accumulated in float64.

type Args = { inputs: Record<string, TensorInfo>; backend: WasmBackendInternals; attrs: { hasBias?: boolean } };
const NAME = 'VjepaLinear';

type RawFused = (
  aId: number, aShape: Uint8Array, aRank: number, bId: number, bShape: Uint8Array, bRank: number,
  transposeA: boolean, transposeB: boolean, activation: number, biasId: number, preluId: number, leakyAlpha: number, outId: number,
) => void;
const rawFused = new WeakMap<WasmBackendInternals, RawFused>();
const shape3 = (a: number, b: number) => new Uint8Array(new Int32Array([1, a, b]).buffer);

function fusedMatMul(backend: WasmBackendInternals): RawFused {
  let fn = rawFused.get(backend);
  if (fn === undefined) {
    const types = ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number', 'number', 'number', 'number', 'number'];
    fn = backend.wasm.cwrap('_FusedMatMul', null, types) as unknown as RawFused;
    rawFused.set(backend, fn);
  }
  return fn;
}

function forward({ inputs, backend }: Args): TensorInfo {
  const { x, weight, bias } = inputs;
  const [outDim, inDim] = weight.shape;
  const rows = util.sizeFromShape(x.shape) / inDim;
  const y = output(backend, [...x.shape.slice(0, -1), outDim]);
  const scratch = new Scratch(backend);
  try {
    const wT = scratch.alloc(inDim * outDim); // [in, out]
    transposeOn(backend, offset(backend, weight, NAME), wT.at, outDim, inDim);
    const xAt = offset(backend, x, NAME);
    const simd = isSmallMatMul(rows, inDim, outDim) ? simdKernels(backend) : null;
    if (simd !== null) {
      // a small layer: our SIMD kernel, accumulators started from the bias as in XNNPACK
      const biasAt = bias === undefined ? 0 : offset(backend, bias, NAME) * 4;
      simd.matmul_small(xAt * 4, wT.at * 4, biasAt, y.at * 4, rows, inDim, outDim);
      return y.info;
    }
    const xId = tensorData(backend, x, NAME).id;
    const biasId = bias === undefined ? 0 : tensorData(backend, bias, NAME).id;
    const yId = tensorData(backend, y.info, NAME).id;
    fusedMatMul(backend)(xId, shape3(rows, inDim), 3, wT.id, shape3(inDim, outDim), 3, false, false, 0, biasId, 0, 0, yId);
  } finally {
    scratch.free();
  }
  return y.info;
}

function backward({ inputs, backend, attrs }: Args): TensorInfo[] {
  const { x, weight, dy } = inputs;
  const [outDim, inDim] = weight.shape;
  const rows = util.sizeFromShape(x.shape) / inDim;
  const dx = output(backend, [...x.shape]);
  const dw = output(backend, [outDim, inDim]);
  const db = attrs.hasBias === true ? output(backend, [outDim]) : null;
  const scratch = new Scratch(backend);
  try {
    const dyT = scratch.alloc(outDim * rows); // [out, M]
    const xa = offset(backend, x, `${NAME}Grad`);
    const wa = offset(backend, weight, `${NAME}Grad`);
    const da = offset(backend, dy, `${NAME}Grad`);
    matmulAt(backend, da, wa, dx.at, rows, outDim, inDim); // dx = dy W  [M, in]
    transposeOn(backend, da, dyT.at, rows, outDim);
    matmulAt(backend, dyT.at, xa, dw.at, outDim, rows, inDim); // dW = dy^T x  [out, in]
    const simd = simdKernels(backend);
    if (db !== null && simd !== null) {
      const colsum = scratch.alloc(2 * outDim); // outDim float64
      simd.column_sums(da * 4, db.at * 4, colsum.at * 4, rows, outDim); // the same sums, row by row, in float64
    } else if (db !== null) {
      const h = heapF32(backend);
      for (let o = 0; o < outDim; o++) {
        let s = 0;
        const r = dyT.at + o * rows;
        for (let i = 0; i < rows; i++) s += h[r + i];
        h[db.at + o] = s;
      }
    }
  } finally {
    scratch.free();
  }
  return db === null ? [dx.info, dw.info] : [dx.info, dw.info, db.info];
}

/**
 * The fused linear kernels for wasm (forward and gradient). Registered by `patchWasmForTraining`.
 *
 * @example
 * for (const config of fusedLinearWasmConfigs()) tf.registerKernel(config);
 */
export function fusedLinearWasmConfigs(): KernelConfig[] {
  return [
    { kernelName: NAME, backendName: 'wasm', kernelFunc: forward as unknown as KernelFunc },
    { kernelName: `${NAME}Grad`, backendName: 'wasm', kernelFunc: backward as unknown as KernelFunc },
  ];
}
