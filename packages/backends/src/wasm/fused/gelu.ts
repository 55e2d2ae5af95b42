import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { backend_util, util } from '@tensorflow/tfjs-core';
import type { WasmBackendInternals } from '../internals';
import { simdKernels } from '../simd/simd-kernels';
import { heapF32, offset, output } from './heap';

// Fused exact GELU on wasm (@vjepa/vit's FUSED_GELU_KERNEL / FUSED_GELU_GRAD_KERNEL): one pass each
// way instead of 5 kernels forward and ~8 backward. erf is tfjs's own approximation (Abramowitz and
// Stegun 7.1.26, the constants of backend_util), as on the cpu and WebGPU backends. The wasm SIMD
// kernels of ../simd evaluate it directly in float32 lanes (exp by a Cephes polynomial); the JS
// loops below, with their float64 tables, are the fallback.

type Args = { inputs: Record<string, TensorInfo>; backend: WasmBackendInternals };
const { ERF_P, ERF_A1, ERF_A2, ERF_A3, ERF_A4, ERF_A5 } = backend_util;
const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT_2PI = 0.3989422804014327;

/** tfjs's erf approximation, in float64. */
export function erfApprox(a: number): number {
  const v = Math.abs(a);
  const t = 1 / (1 + ERF_P * v);
  const e = 1 - ((((ERF_A5 * t + ERF_A4) * t + ERF_A3) * t + ERF_A2) * t + ERF_A1) * t * Math.exp(-v * v);
  return a < 0 ? -e : e;
}

// Phi(x) = 0.5 (1 + erf(x / sqrt 2)) and phi(x) = exp(-x^2 / 2) / sqrt(2 pi) tabulated on [-LIMIT, LIMIT]
// (from the float64 formulas above) and interpolated linearly: the error of the interpolation
// (h^2 / 8 max|f''| < 5e-9) is far below float32 resolution, and a lookup costs a few ns where
// Math.exp costs ~10. Outside the range Phi is 0 or 1 and phi is 0 in float32.
const LIMIT = 8;
const PER_UNIT = 4096;
const SIZE = 2 * LIMIT * PER_UNIT + 2;
let tables: { Phi: Float64Array; phi: Float64Array } | null = null;
function tabulated(): { Phi: Float64Array; phi: Float64Array } {
  if (tables !== null) return tables;
  const Phi = new Float64Array(SIZE);
  const phi = new Float64Array(SIZE);
  for (let i = 0; i < SIZE; i++) {
    const x = i / PER_UNIT - LIMIT;
    Phi[i] = 0.5 * (1 + erfApprox(x * INV_SQRT2));
    phi[i] = Math.exp(-0.5 * x * x) * INV_SQRT_2PI;
  }
  tables = { Phi, phi };
  return tables;
}

function gelu({ inputs, backend }: Args): TensorInfo {
  const { x } = inputs;
  const n = util.sizeFromShape(x.shape);
  const y = output(backend, [...x.shape]);
  const h = heapF32(backend);
  const xa = offset(backend, x, 'VjepaGelu');
  const simd = simdKernels(backend);
  if (simd !== null) {
    simd.gelu(xa * 4, y.at * 4, n);
    return y.info;
  }
  const { Phi } = tabulated();
  for (let i = 0; i < n; i++) {
    const a = h[xa + i];
    if (a >= LIMIT) h[y.at + i] = a;
    else if (a <= -LIMIT || a !== a) h[y.at + i] = a !== a ? a : 0;
    else {
      const u = (a + LIMIT) * PER_UNIT;
      const j = u | 0;
      const t = u - j;
      h[y.at + i] = a * (Phi[j] + t * (Phi[j + 1] - Phi[j]));
    }
  }
  return y.info;
}

function geluGrad({ inputs, backend }: Args): TensorInfo {
  const { x, dy } = inputs;
  const n = util.sizeFromShape(x.shape);
  const dx = output(backend, [...x.shape]);
  const h = heapF32(backend);
  const xa = offset(backend, x, 'VjepaGeluGrad');
  const da = offset(backend, dy, 'VjepaGeluGrad');
  const simd = simdKernels(backend);
  if (simd !== null) {
    simd.gelu_grad(xa * 4, da * 4, dx.at * 4, n);
    return dx.info;
  }
  const { Phi, phi } = tabulated();
  for (let i = 0; i < n; i++) {
    const a = h[xa + i];
    let g: number;
    if (a >= LIMIT) g = 1;
    else if (a <= -LIMIT || a !== a) g = a !== a ? a : 0;
    else {
      const u = (a + LIMIT) * PER_UNIT;
      const j = u | 0;
      const t = u - j;
      g = Phi[j] + t * (Phi[j + 1] - Phi[j]) + a * (phi[j] + t * (phi[j + 1] - phi[j]));
    }
    h[dx.at + i] = h[da + i] * g;
  }
  return dx.info;
}

/**
 * The fused GELU kernels for wasm (forward and gradient). Registered by `patchWasmForTraining`.
 *
 * @example
 * for (const config of fusedGeluWasmConfigs()) tf.registerKernel(config);
 */
export function fusedGeluWasmConfigs(): KernelConfig[] {
  return [
    { kernelName: 'VjepaGelu', backendName: 'wasm', kernelFunc: gelu as unknown as KernelFunc },
    { kernelName: 'VjepaGeluGrad', backendName: 'wasm', kernelFunc: geluGrad as unknown as KernelFunc },
  ];
}
