import type { WasmBackendInternals } from '../internals';
import { KERNELS_WASM_BASE64 } from './kernels-wasm';

// The wasm SIMD kernels of kernels.c, instantiated on the tfjs wasm backend's own memory, so they
// read and write tensors in place (every pointer is a byte offset into the tfjs heap). Used by the
// fused kernels of ../fused/ when available; their JS loops stay as the fallback (and as the
// reference the tests compare against).

/**
 * The exports of kernels.c. Pointers are byte offsets into the backend's heap (0 for an absent
 * optional one, e.g. matmul_small's bias); `colsum` arguments are float64 scratch of the stated
 * size, 8-byte aligned.
 *
 * @example
 * simd.gelu(xPtr, yPtr, n);
 */
export interface SimdKernels {
  layer_norm(x: number, gamma: number, beta: number, y: number, stats: number, rows: number, d: number, eps: number, affine: number): void;
  layer_norm_grad(x: number, stats: number, dy: number, gamma: number, dx: number, dgamma: number, dbeta: number, colsum: number, rows: number, d: number, affine: number): void;
  gelu(x: number, y: number, n: number): void;
  gelu_grad(x: number, dy: number, dx: number, n: number): void;
  transpose(src: number, dst: number, rows: number, cols: number, scale: number): void;
  column_sums(src: number, out: number, colsum: number, rows: number, cols: number): void;
  adamw(p: number, g: number, m: number, v: number, po: number, mo: number, vo: number, n: number, decay: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, stepSize: number, bc2Sqrt: number, eps: number): void;
  ema(t: number, online: number, out: number, n: number, momentum: number, rest: number): void;
  matmul_small(a: number, b: number, bias: number, out: number, m: number, k: number, n: number): void;
  attention_lse(s: number, p: number, lse: number, rows: number, n: number): void;
  attention_ds(p: number, dp: number, dout: number, out: number, m: number, n: number, hd: number, scale: number): void;
  copy_runs(src: number, dst: number, run: number, o0: number, o1: number, o2: number, o3: number, s0: number, s1: number, s2: number, s3: number): void;
}

// the part of the WebAssembly global used here (the packages' type libraries do not include it)
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: abstract new (...args: never[]) => { buffer: ArrayBufferLike };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const instances = new WeakMap<WasmBackendInternals, SimdKernels | null>();
let module: object | null | undefined;

function compiled(): object | null {
  if (module === undefined) {
    try {
      module = new WA.Module(Buffer.from(KERNELS_WASM_BASE64, 'base64'));
    } catch {
      module = null; // no wasm SIMD in this runtime: the JS kernels run instead
    }
  }
  return module;
}

/**
 * The SIMD kernels bound to `backend`'s heap, or null where they cannot run: `VJEPA_WASM_SIMD=0`,
 * a runtime without wasm SIMD, or a shared (threaded-build) heap. Instantiated once per backend.
 *
 * @example
 * const simd = simdKernels(backend);
 * if (simd) simd.gelu(x, y, n); else jsGelu(...);
 */
export function simdKernels(backend: WasmBackendInternals): SimdKernels | null {
  let k = instances.get(backend);
  if (k !== undefined) return k;
  k = null;
  const memory = (backend.wasm as { asm?: { memory?: unknown } }).asm?.memory;
  const isMemory = memory instanceof WA.Memory;
  const shared = isMemory && typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  if (process.env.VJEPA_WASM_SIMD !== '0' && isMemory && !shared) {
    const mod = compiled();
    if (mod !== null) k = new WA.Instance(mod, { env: { memory } }).exports as SimdKernels;
  }
  instances.set(backend, k);
  return k;
}

/**
 * Whether the wasm SIMD kernels run on `backend` (for describeBackend and the benchmarks).
 *
 * @example
 * simdKernelsActive(backend); // true
 */
export function simdKernelsActive(backend: WasmBackendInternals): boolean {
  return simdKernels(backend) !== null;
}
