import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { util } from '@tensorflow/tfjs-core';
import type { WasmBackendInternals } from '../internals';
import { simdKernels } from '../simd/simd-kernels';
import { Scratch, heapF32, offset, output } from './heap';

// Fused layer norm on wasm (@vjepa/vit's FUSED_LAYER_NORM_KERNEL / FUSED_LAYER_NORM_GRAD_KERNEL): one
// pass over the heap per row instead of ~8 tfjs kernels forward and ~15 backward. Row statistics and
// the column sums of the gain/bias gradients accumulate in float64 (tfjs-wasm sums sequentially in
// float32, which drifts on long rows and many rows). The wasm SIMD kernels of ../simd run them
// (~10x faster than these JS loops); the JS loops are the fallback.

type Args = { inputs: Record<string, TensorInfo>; backend: WasmBackendInternals; attrs: { eps?: number; affine?: boolean } };
const NAME = 'VjepaLayerNorm';

function forward({ inputs, backend, attrs }: Args): TensorInfo[] {
  const { x, gamma, beta } = inputs;
  const affine = attrs.affine === true;
  const eps = attrs.eps ?? 1e-6;
  const d = x.shape[x.shape.length - 1];
  const rows = util.sizeFromShape(x.shape) / d;
  const y = output(backend, [...x.shape]);
  const stats = output(backend, [rows, 2]);
  const h = heapF32(backend);
  const xa = offset(backend, x, NAME);
  const ga = affine ? offset(backend, gamma, NAME) : -1;
  const ba = affine ? offset(backend, beta, NAME) : -1;
  const simd = simdKernels(backend);
  if (simd !== null) {
    simd.layer_norm(xa * 4, ga * 4, ba * 4, y.at * 4, stats.at * 4, rows, d, eps, affine ? 1 : 0);
    return [y.info, stats.info];
  }
  for (let r = 0; r < rows; r++) {
    const xr = xa + r * d;
    const yr = y.at + r * d;
    let sum = 0;
    for (let j = 0; j < d; j++) sum += h[xr + j];
    const mean = sum / d;
    let ss = 0;
    for (let j = 0; j < d; j++) {
      const c = h[xr + j] - mean;
      ss += c * c;
    }
    const rstd = 1 / Math.sqrt(ss / d + eps);
    if (affine) for (let j = 0; j < d; j++) h[yr + j] = (h[xr + j] - mean) * rstd * h[ga + j] + h[ba + j];
    else for (let j = 0; j < d; j++) h[yr + j] = (h[xr + j] - mean) * rstd;
    h[stats.at + 2 * r] = mean;
    h[stats.at + 2 * r + 1] = rstd;
  }
  return [y.info, stats.info];
}

function backward({ inputs, backend, attrs }: Args): TensorInfo[] {
  const { x, stats, dy, gamma } = inputs;
  const affine = attrs.affine === true;
  const d = x.shape[x.shape.length - 1];
  const rows = util.sizeFromShape(x.shape) / d;
  const dx = output(backend, [...x.shape]);
  const dg = affine ? output(backend, [d]) : null;
  const db = affine ? output(backend, [d]) : null;
  const h = heapF32(backend);
  const xa = offset(backend, x, `${NAME}Grad`);
  const sa = offset(backend, stats, `${NAME}Grad`);
  const da = offset(backend, dy, `${NAME}Grad`);
  const ga = affine ? offset(backend, gamma, `${NAME}Grad`) : -1;
  const simd = simdKernels(backend);
  if (simd !== null) {
    const scratch = new Scratch(backend);
    try {
      const colsum = scratch.alloc(4 * d); // 2 d float64
      simd.layer_norm_grad(xa * 4, sa * 4, da * 4, ga * 4, dx.at * 4, affine ? dg!.at * 4 : 0, affine ? db!.at * 4 : 0, colsum.at * 4, rows, d, affine ? 1 : 0);
    } finally {
      scratch.free();
    }
    return affine ? [dx.info, dg!.info, db!.info] : [dx.info];
  }
  const colG = new Float64Array(affine ? d : 0);
  const colB = new Float64Array(affine ? d : 0);
  const xhat = new Float64Array(d);
  const g = new Float64Array(d);
  for (let r = 0; r < rows; r++) {
    const mean = h[sa + 2 * r];
    const rstd = h[sa + 2 * r + 1];
    const xr = xa + r * d;
    const dr = da + r * d;
    let sumG = 0;
    let sumGX = 0;
    for (let j = 0; j < d; j++) {
      const xh = (h[xr + j] - mean) * rstd;
      const dyj = h[dr + j];
      const gj = affine ? dyj * h[ga + j] : dyj;
      xhat[j] = xh;
      g[j] = gj;
      sumG += gj;
      sumGX += gj * xh;
      if (affine) {
        colG[j] += dyj * xh;
        colB[j] += dyj;
      }
    }
    const mG = sumG / d;
    const mGX = sumGX / d;
    const out = dx.at + r * d;
    for (let j = 0; j < d; j++) h[out + j] = rstd * (g[j] - mG - xhat[j] * mGX);
  }
  if (!affine) return [dx.info];
  for (let j = 0; j < d; j++) {
    h[dg!.at + j] = colG[j];
    h[db!.at + j] = colB[j];
  }
  return [dx.info, dg!.info, db!.info];
}

/**
 * The fused layer-norm kernels for wasm (forward and gradient), JS over the wasm heap. Registered by
 * `patchWasmForTraining` (option `fused`).
 *
 * @example
 * for (const config of fusedLayerNormWasmConfigs()) tf.registerKernel(config);
 */
export function fusedLayerNormWasmConfigs(): KernelConfig[] {
  return [
    { kernelName: NAME, backendName: 'wasm', kernelFunc: forward as unknown as KernelFunc },
    { kernelName: `${NAME}Grad`, backendName: 'wasm', kernelFunc: backward as unknown as KernelFunc },
  ];
}
