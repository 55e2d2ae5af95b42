import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { util } from '@tensorflow/tfjs-core';
import type { WasmBackendInternals } from '../internals';
import { simdKernels } from '../simd/simd-kernels';
import { heapF32, offset, output } from './heap';

// Fused AdamW and EMA updates on wasm (@vjepa/optim's FUSED_ADAMW_KERNEL / FUSED_EMA_KERNEL): one
// pass per parameter tensor instead of ~13 kernels (AdamW) or 3 (EMA), the reference formulas in the
// reference order, with the host-computed scalars of the contract. The wasm SIMD kernels of ../simd
// compute them in float32 lanes, as PyTorch does; the JS loops (float64 arithmetic, float32
// storage) are the fallback.

type Args = { inputs: Record<string, TensorInfo>; backend: WasmBackendInternals; attrs: Record<string, number> };

function adamw({ inputs, backend, attrs }: Args): TensorInfo[] {
  const { param, grad, m, v } = inputs;
  const { decay, beta1, beta2, stepSize, bc2Sqrt, eps } = attrs;
  const n = util.sizeFromShape(param.shape);
  const p1 = output(backend, [...param.shape]);
  const m1 = output(backend, [...param.shape]);
  const v1 = output(backend, [...param.shape]);
  const h = heapF32(backend);
  const pa = offset(backend, param, 'VjepaAdamW');
  const ga = offset(backend, grad, 'VjepaAdamW');
  const ma = offset(backend, m, 'VjepaAdamW');
  const va = offset(backend, v, 'VjepaAdamW');
  const simd = simdKernels(backend);
  if (simd !== null) {
    simd.adamw(pa * 4, ga * 4, ma * 4, va * 4, p1.at * 4, m1.at * 4, v1.at * 4, n, decay, 1 - beta1, beta2, 1 - beta2, stepSize, bc2Sqrt, eps);
    return [p1.info, m1.info, v1.info];
  }
  const c1 = 1 - beta1;
  const c2 = 1 - beta2;
  const [po, mo, vo] = [p1.at, m1.at, v1.at];
  for (let i = 0; i < n; i++) {
    const g = h[ga + i];
    const mi = h[ma + i];
    h[mo + i] = mi + (g - mi) * c1; // stored as float32, then read back: the update uses the stored moments
    h[vo + i] = h[va + i] * beta2 + g * g * c2;
    h[po + i] = h[pa + i] * decay - (h[mo + i] / (Math.sqrt(h[vo + i]) / bc2Sqrt + eps)) * stepSize;
  }
  return [p1.info, m1.info, v1.info];
}

function ema({ inputs, backend, attrs }: Args): TensorInfo {
  const { target, online } = inputs;
  const { momentum, rest } = attrs;
  const n = util.sizeFromShape(target.shape);
  const out = output(backend, [...target.shape]);
  const h = heapF32(backend);
  const ta = offset(backend, target, 'VjepaEma');
  const ea = offset(backend, online, 'VjepaEma');
  const simd = simdKernels(backend);
  if (simd !== null) {
    simd.ema(ta * 4, ea * 4, out.at * 4, n, momentum, rest);
    return out.info;
  }
  for (let i = 0; i < n; i++) h[out.at + i] = h[ta + i] * momentum + h[ea + i] * rest;
  return out.info;
}

/**
 * The fused AdamW and EMA kernels for wasm. Registered by `patchWasmForTraining`.
 *
 * @example
 * for (const config of fusedOptimizerWasmConfigs()) tf.registerKernel(config);
 */
export function fusedOptimizerWasmConfigs(): KernelConfig[] {
  return [
    { kernelName: 'VjepaAdamW', backendName: 'wasm', kernelFunc: adamw as unknown as KernelFunc },
    { kernelName: 'VjepaEma', backendName: 'wasm', kernelFunc: ema as unknown as KernelFunc },
  ];
}
