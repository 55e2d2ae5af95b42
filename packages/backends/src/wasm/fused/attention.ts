import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { WasmBackendInternals } from '../internals';
import { simdKernels } from '../simd/simd-kernels';
import { Scratch, heapF32, matmulAt, offset, output, softmaxRows, transposeOn } from './heap';

// Fused attention on wasm (@vjepa/vit's FUSED_ATTENTION_KERNEL / FUSED_ATTENTION_GRAD_KERNEL):
// softmax(scale q k^T) v with the products on XNNPACK (one call per batch and head) and the softmax
// as one XNNPACK call over every row. The scores and probabilities live only in scratch buffers of
// the call, so autograd keeps q, k, v, out and lse but never the B*H*M*N probabilities; the backward
// recomputes them (FlashAttention's recomputation) with the same code, hence the same values.

type Args = { inputs: Record<string, TensorInfo>; backend: WasmBackendInternals; attrs: { scale: number } };
const NAME = 'VjepaFusedAttention';

function dims(q: TensorInfo, k: TensorInfo): { bh: number; m: number; n: number; hd: number } {
  const r = q.shape.length;
  const hd = q.shape[r - 1];
  const m = q.shape[r - 2];
  const n = k.shape[r - 2];
  let bh = 1;
  for (let i = 0; i < r - 2; i++) bh *= q.shape[i];
  return { bh, m, n, hd };
}

/**
 * Scores s = scale q k^T and probabilities p = softmax(s) of every (batch, head), into scratch
 * buffers `[bh, M, N]`; `kT` is a `[hd, N]` scratch for one head's scaled k^T.
 */
function probabilities(backend: WasmBackendInternals, qa: number, ka: number, d: ReturnType<typeof dims>, scale: number, s: { at: number; id: number }, p: { at: number; id: number }, kT: { at: number }): void {
  const { bh, m, n, hd } = d;
  for (let b = 0; b < bh; b++) {
    transposeOn(backend, ka + b * n * hd, kT.at, n, hd, scale); // [hd, N]
    matmulAt(backend, qa + b * m * hd, kT.at, s.at + b * m * n, m, hd, n); // [M, N]
  }
  softmaxRows(backend, s.id, p.id, n, bh * m);
}

function forward({ inputs, backend, attrs }: Args): TensorInfo[] {
  const { q, k, v } = inputs;
  const d = dims(q, k);
  const { bh, m, n, hd } = d;
  const out = output(backend, [...q.shape]);
  const lse = output(backend, q.shape.slice(0, -1));
  const scratch = new Scratch(backend);
  try {
    const kT = scratch.alloc(hd * n);
    const s = scratch.alloc(bh * m * n);
    const p = scratch.alloc(bh * m * n);
    const [qa, ka, va] = [q, k, v].map((t) => offset(backend, t, NAME));
    probabilities(backend, qa, ka, d, attrs.scale, s, p, kT);
    for (let b = 0; b < bh; b++) matmulAt(backend, p.at + b * m * n, va + b * n * hd, out.at + b * m * hd, m, n, hd); // [M, hd]
    // lse = s_j - log p_j at the row's largest score (where p_j >= 1/N: no underflow)
    const simd = simdKernels(backend);
    if (simd !== null) {
      simd.attention_lse(s.at * 4, p.at * 4, lse.at * 4, bh * m, n);
      return [out.info, lse.info];
    }
    const h = heapF32(backend);
    for (let r = 0; r < bh * m; r++) {
      const row = r * n;
      let best = 0;
      for (let j = 1; j < n; j++) if (h[s.at + row + j] > h[s.at + row + best]) best = j;
      h[lse.at + r] = h[s.at + row + best] - Math.log(h[p.at + row + best]);
    }
  } finally {
    scratch.free();
  }
  return [out.info, lse.info];
}

function backward({ inputs, backend, attrs }: Args): TensorInfo[] {
  const { q, k, v, out, dy } = inputs;
  const d = dims(q, k);
  const { bh, m, n, hd } = d;
  const scale = attrs.scale;
  const dq = output(backend, [...q.shape]);
  const dk = output(backend, [...k.shape]);
  const dv = output(backend, [...v.shape]);
  const scratch = new Scratch(backend);
  try {
    const kT = scratch.alloc(hd * n); // one head's k^T, then v^T
    const s = scratch.alloc(bh * m * n); // scores, then dP
    const p = scratch.alloc(bh * m * n); // probabilities, then dS
    const small = scratch.alloc(hd * Math.max(m, n)); // dO^T / q^T [hd, M]
    const tT = scratch.alloc(hd * n); // dV^T / dK^T [hd, N]
    const rowD = new Float64Array(m);
    const [qa, ka, va, oa, da] = [q, k, v, out, dy].map((t) => offset(backend, t, `${NAME}Grad`));
    const simd = simdKernels(backend);
    probabilities(backend, qa, ka, d, scale, s, p, kT);
    for (let b = 0; b < bh; b++) {
      const qb = qa + b * m * hd;
      const kb = ka + b * n * hd;
      const vb = va + b * n * hd;
      const ob = oa + b * m * hd;
      const db = da + b * m * hd;
      const pb = p.at + b * m * n;
      const sb = s.at + b * m * n;
      transposeOn(backend, db, small.at, m, hd); // dO^T [hd, M]
      matmulAt(backend, small.at, pb, tT.at, hd, m, n); // dV^T = dO^T P  [hd, N]
      transposeOn(backend, tT.at, dv.at + b * n * hd, hd, n); // dV [N, hd]
      transposeOn(backend, vb, kT.at, n, hd); // v^T [hd, N]
      matmulAt(backend, db, kT.at, sb, m, hd, n); // dP = dO V^T  [M, N]
      if (simd !== null) simd.attention_ds(pb * 4, sb * 4, db * 4, ob * 4, m, n, hd, scale);
      else dsInPlace(heapF32(backend), pb, sb, db, ob, m, n, hd, scale, rowD);
      matmulAt(backend, pb, kb, dq.at + b * m * hd, m, n, hd); // dQ = dS K  [M, hd]
      transposeOn(backend, qb, small.at, m, hd); // q^T [hd, M]
      matmulAt(backend, small.at, pb, tT.at, hd, m, n); // dK^T = Q^T dS  [hd, N]
      transposeOn(backend, tT.at, dk.at + b * n * hd, hd, n); // dK [N, hd]
    }
  } finally {
    scratch.free();
  }
  return [dq.info, dk.info, dv.info];
}

/**
 * dS = P * (dP - rowsum(dO * O)) * scale for one head, written over P (the JS fallback of the SIMD
 * module's attention_ds): row sums in float64, each element in float64.
 */
function dsInPlace(h: Float32Array, pb: number, sb: number, db: number, ob: number, m: number, n: number, hd: number, scale: number, rowD: Float64Array): void {
  for (let i = 0; i < m; i++) {
    let acc = 0;
    for (let j = 0; j < hd; j++) acc += h[db + i * hd + j] * h[ob + i * hd + j];
    rowD[i] = acc;
  }
  for (let i = 0; i < m; i++) {
    const r = i * n;
    const di = rowD[i];
    for (let j = 0; j < n; j++) h[pb + r + j] = h[pb + r + j] * (h[sb + r + j] - di) * scale;
  }
}

/**
 * The fused attention kernels for wasm (forward and gradient). Registered by `patchWasmForTraining`.
 *
 * @example
 * for (const config of fusedAttentionWasmConfigs()) tf.registerKernel(config);
 */
export function fusedAttentionWasmConfigs(): KernelConfig[] {
  return [
    { kernelName: NAME, backendName: 'wasm', kernelFunc: forward as unknown as KernelFunc },
    { kernelName: `${NAME}Grad`, backendName: 'wasm', kernelFunc: backward as unknown as KernelFunc },
  ];
}
