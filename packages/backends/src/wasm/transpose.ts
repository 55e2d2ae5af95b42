import type { KernelConfig, KernelFunc, TensorInfo, TransposeAttrs } from '@tensorflow/tfjs-core';
import { util } from '@tensorflow/tfjs-core';
import { tensorData, type WasmBackendInternals } from './internals';
import { simdKernels } from './simd/simd-kernels';

/** Runs shorter than this go to the stock kernel: copying them one by one from JS costs more. */
const MIN_RUN = 16;

/**
 * Drops size-1 axes and merges axes that stay adjacent and in order under `perm`, giving the
 * smallest equivalent transpose. E.g. [8, 256, 3, 3, 64] with perm [2, 0, 3, 1, 4] stays rank 5,
 * while [8, 256, 3, 64] with perm [0, 2, 1, 3] is unchanged and [2, 3, 4] with [0, 1, 2] becomes [24], [0].
 *
 * @example
 * reduceTranspose([2, 1, 3, 4], [2, 3, 0, 1]); // { shape: [2, 12], perm: [1, 0] }
 */
export function reduceTranspose(shape: number[], perm: number[]): { shape: number[]; perm: number[] } {
  const keep = shape.map((s) => s !== 1);
  const kept = perm.filter((p) => keep[p]);
  // Renumber the kept axes 0..k-1 in input order.
  const rank = new Map<number, number>();
  shape.forEach((s, i) => keep[i] && rank.set(i, rank.size));
  const p1 = kept.map((p) => rank.get(p)!);
  const s1 = shape.filter((s) => s !== 1);
  // Merge runs of output axes that are consecutive input axes.
  const groups: number[][] = [];
  for (const p of p1) {
    const last = groups.at(-1);
    if (last !== undefined && last.at(-1)! + 1 === p) last.push(p);
    else groups.push([p]);
  }
  const byInput = [...groups].sort((a, b) => a[0] - b[0]);
  const newIndex = new Map(byInput.map((g, i) => [g[0], i]));
  return {
    shape: byInput.map((g) => g.reduce((n, a) => n * s1[a], 1)),
    perm: groups.map((g) => newIndex.get(g[0])!),
  };
}

/**
 * Builds the replacement wasm `Transpose`. The stock kernel (tfjs-backend-wasm 4.22) is slow for
 * rank 5, which is exactly ViT attention's `qkv.reshape(B, N, 3, H, hd).permute(2, 0, 3, 1, 4)` and
 * its gradient (about 4 M elements/s here). When the innermost axis stays innermost, this copies
 * whole rows from JS on the wasm heap; otherwise it hands the reduced (lower-rank) problem to the
 * stock kernel. Results are bit-identical (it only moves values).
 */
export function makeTransposeWasm(original: KernelFunc): KernelFunc {
  return ((args: { inputs: { x: TensorInfo }; backend: WasmBackendInternals; attrs: TransposeAttrs }) => {
    const { inputs, backend, attrs } = args;
    const { x } = inputs;
    if (x.dtype === 'string' || x.dtype === 'complex64') return original(args as never);
    const outShape = attrs.perm.map((p) => x.shape[p]);
    const { shape, perm } = reduceTranspose(x.shape, attrs.perm);
    const r = shape.length;
    if (r < 2 || perm[r - 1] !== r - 1 || shape[r - 1] < MIN_RUN) {
      const out = original({ inputs: { x: { ...x, shape } }, backend, attrs: { perm } } as never) as TensorInfo;
      return { ...out, shape: outShape };
    }
    const out = backend.makeOutput(outShape, x.dtype);
    const run = shape[r - 1];
    const strides = util.computeStrides(shape); // input strides of the reduced shape
    const outer = perm.slice(0, r - 1).map((p) => shape[p]); // output's outer dims
    const step = perm.slice(0, r - 1).map((p) => strides[p]); // input stride of each
    const simd = outer.length <= 4 && x.dtype !== 'bool' ? simdKernels(backend) : null;
    if (simd !== null) {
      // the same copies in our wasm SIMD kernel (4-byte values), outer axes padded to 4
      const pad = 4 - outer.length;
      const o = [...new Array<number>(pad).fill(1), ...outer];
      const st = [...new Array<number>(pad).fill(0), ...step];
      const xAt = tensorData(backend, x, 'Transpose').memoryOffset;
      const outAt = tensorData(backend, out, 'Transpose').memoryOffset;
      simd.copy_runs(xAt, outAt, run, o[0], o[1], o[2], o[3], st[0], st[1], st[2], st[3]);
      return out;
    }
    const outVals = backend.typedArrayFromHeap(out);
    const xVals = backend.typedArrayFromHeap(x);
    const idx = new Array<number>(r - 1).fill(0);
    const numRuns = util.sizeFromShape(outer);
    let src = 0;
    for (let o = 0; o < numRuns; o++) {
      outVals.set(xVals.subarray(src, src + run), o * run);
      for (let j = r - 2; j >= 0; j--) {
        src += step[j];
        if (++idx[j] < outer[j]) break;
        src -= step[j] * outer[j];
        idx[j] = 0;
      }
    }
    return out;
  }) as unknown as KernelFunc;
}

/**
 * Kernel config for the replacement wasm `Transpose`, given the stock config it wraps.
 *
 * @example
 * const stock = tf.getKernel('Transpose', 'wasm')!;
 * tf.unregisterKernel('Transpose', 'wasm');
 * tf.registerKernel(transposeWasmConfig(stock));
 */
export function transposeWasmConfig(stock: KernelConfig): KernelConfig {
  return { ...stock, kernelFunc: makeTransposeWasm(stock.kernelFunc) };
}
