import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from '@vjepa/errors';
import type { BackendName } from './backend-choice';
import { patchWasmForTraining, type WasmPatchOptions } from './wasm/patch';
import { assertWasmInternals } from './wasm/internals';
import { simdKernelsActive } from './wasm/simd/simd-kernels';
import { WEBGPU_HINT } from './webgpu/adapter';
import { loadWebGpuBackend, softwareRefused, webgpuDeviceInfo } from './webgpu/load-webgpu';
import { probeWebGpuAdapter } from './webgpu/probe-adapter';

/** A loader makes its backend the active tfjs backend and returns a one-line description, or throws BackendError. */
export type BackendLoader = (options: LoaderOptions) => Promise<string>;

/** Options the loaders share. */
export interface LoaderOptions {
  /** Wasm training fixes to apply (default: all); `false` keeps stock wasm kernels. */
  wasmPatches?: WasmPatchOptions | false;
  /** True when `auto` is choosing: loaders then refuse what is available but not worth it (software GPUs). */
  auto?: boolean;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0].trim();

/**
 * Turns an import failure of tfjs-node-gpu into the reason a user can act on.
 *
 * @example
 * await import('@tensorflow/tfjs-node-gpu').catch((e) => console.warn(explainNodeGpuFailure(e)));
 */
export function explainNodeGpuFailure(e: unknown, pkg = '@tensorflow/tfjs-node-gpu'): string {
  const text = message(e);
  const code = (e as { code?: string } | null)?.code;
  if (text.includes('tfjs_binding.node')) {
    return 'tfjs_binding.node can not be found: the native addon was not built (its install script downloads libtensorflow, which needs network access to Google storage)';
  }
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
    return `the optional peer ${pkg} is not installed (${text})`;
  }
  if (/lib(cudart|cudnn|cublas|tensorflow)/.test(text)) {
    return `a native library is missing (libtensorflow 2.9.1 GPU needs CUDA 11.2 and cuDNN 8.1 on the library path): ${text}`;
  }
  return text;
}

async function activate(name: string, what: BackendName, hint: string): Promise<void> {
  let ok = false;
  let cause: unknown;
  try {
    ok = await tf.setBackend(name);
  } catch (e) {
    cause = e;
  }
  if (!ok) {
    throw new BackendError(what, {
      expected: `tf.setBackend('${name}') to succeed`,
      received: cause === undefined ? 'false (tfjs logged why above)' : message(cause),
      hint,
      cause,
    });
  }
}

const NODE_GPU_HINT =
  'tfjs-node-gpu is an optional peer of @vjepa/backends: install it (`npm install @tensorflow/tfjs-node-gpu@4.22.0`) and let its install script run (pnpm: add it to onlyBuiltDependencies, or run `pnpm approve-builds`) on a machine that can reach storage.googleapis.com, or point TFJS_NODE_BASE_URI / TFJS_NODE_CDN_STORAGE at a mirror, with CUDA 11.2 and cuDNN 8.1 installed; then `pnpm rebuild @tensorflow/tfjs-node-gpu`.';

/** Loads @tensorflow/tfjs-node-gpu (libtensorflow with CUDA) through a guarded dynamic import. */
export const loadNodeGpu: BackendLoader = async () => {
  try {
    const specifier = '@tensorflow/tfjs-node-gpu';
    await import(/* @vite-ignore */ specifier);
  } catch (e) {
    throw new BackendError('tfjs-node-gpu', {
      expected: 'a built native addon (tfjs_binding.node) and libtensorflow 2.9.1 GPU',
      received: explainNodeGpuFailure(e),
      hint: NODE_GPU_HINT,
      cause: e,
    });
  }
  await activate('tensorflow', 'tfjs-node-gpu', NODE_GPU_HINT);
  return 'libtensorflow 2.9.1 (CUDA) through @tensorflow/tfjs-node-gpu';
};

const NODE_CPU_HINT =
  'tfjs-node is an optional peer of @vjepa/backends: install it (`npm install @tensorflow/tfjs-node@4.22.0`) and let its install script run (pnpm: add @tensorflow/tfjs-node to onlyBuiltDependencies, or run `pnpm approve-builds`) on a machine that can reach storage.googleapis.com, or point TFJS_NODE_BASE_URI / TFJS_NODE_CDN_STORAGE at a mirror; then `pnpm rebuild @tensorflow/tfjs-node`.';

const RE_REGISTERED = /^The kernel '[^']+' for backend 'tensorflow' is already registered$/;

/** Runs `load` with tfjs's "kernel ... for backend 'tensorflow' is already registered" warnings dropped (other warnings pass). */
async function withoutReRegistrationWarnings<T>(load: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!(args.length === 1 && typeof args[0] === 'string' && RE_REGISTERED.test(args[0]))) warn(...args);
  };
  try {
    return await load();
  } finally {
    console.warn = warn;
  }
}

/**
 * Loads @tensorflow/tfjs-node (libtensorflow on the CPU, multi-threaded) through a guarded dynamic
 * import, like tfjs-node-gpu. Both register the tfjs backend 'tensorflow'.
 */
export const loadNodeCpu: BackendLoader = async () => {
  if (tf.findBackend('tensorflow') !== null && tf.findBackend('tensorflow') !== undefined) {
    await activate('tensorflow', 'tfjs-node', NODE_CPU_HINT); // already registered (e.g. by tfjs-node-gpu)
    return 'libtensorflow 2.9.1 (CPU) through @tensorflow/tfjs-node';
  }
  try {
    const specifier = '@tensorflow/tfjs-node';
    // after a failed tfjs-node-gpu import (same kernels, registered before its binding failed), tfjs
    // would warn once per kernel (about 150 lines) that 'tensorflow' kernels are registered again
    await withoutReRegistrationWarnings(() => import(/* @vite-ignore */ specifier));
  } catch (e) {
    throw new BackendError('tfjs-node', {
      expected: 'a built native addon (tfjs_binding.node) and libtensorflow 2.9.1 (CPU)',
      received: explainNodeGpuFailure(e, '@tensorflow/tfjs-node'),
      hint: NODE_CPU_HINT,
      cause: e,
    });
  }
  await activate('tensorflow', 'tfjs-node', NODE_CPU_HINT);
  return 'libtensorflow 2.9.1 (CPU) through @tensorflow/tfjs-node';
};

/**
 * Loads WebGPU through Dawn for Node with the adapter's real limits, kernel-error checks and the
 * AddN fix (see `loadWebGpuBackend`). Software adapters (lavapipe, SwiftShader) are used only when
 * the backend is asked for by name: `auto` skips them and says why. Under `auto` the adapter is first
 * found in a child process (`probeWebGpuAdapter`), so the warnings Dawn prints on stderr when it
 * creates an adapter appear only when WebGPU is really used (they are in the skip reason, for
 * `--verbose`); `VJEPA_WEBGPU_PROBE=0` skips the probe.
 */
export const loadWebGpu: BackendLoader = async (options) => {
  if (options.auto === true && webgpuDeviceInfo() === null && process.env.VJEPA_WEBGPU_PROBE !== '0') {
    const probe = await probeWebGpuAdapter();
    const said = probe.stderr === '' ? '' : `; Dawn printed: ${probe.stderr.split('\n').join(' / ').slice(0, 600)}`;
    if (probe.adapter === null) {
      throw new BackendError('webgpu', { expected: 'a WebGPU adapter', received: `no adapter: Dawn found no usable GPU (no GPU, or no Vulkan driver/loader)${said}`, hint: WEBGPU_HINT });
    }
    if (probe.adapter.software) throw softwareRefused(probe.adapter.name, said);
  }
  return loadWebGpuBackend({ allowSoftware: options.auto !== true });
};

/** Loads tfjs-backend-wasm and, unless told not to, applies the wasm training fixes. */
export const loadWasm: BackendLoader = async (options) => {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  await activate('wasm', 'wasm', 'tfjs-backend-wasm ships its .wasm files; in a bundled app call setWasmPaths() with the folder that holds them.');
  // VJEPA_WASM_FUSED=0 keeps the fused kernels out (the composed tfjs ops run instead), for comparisons.
  const envFused = process.env.VJEPA_WASM_FUSED === '0' ? { fused: false } : {};
  const state =
    options.wasmPatches === false
      ? patchWasmForTraining({ segmentSum: false, matMul: false, slice: false, transpose: false, identity: false, fused: false })
      : patchWasmForTraining({ ...envFused, ...(options.wasmPatches ?? {}) });
  const patches = Object.entries(state).filter(([, on]) => on).map(([k]) => k).join(', ') || 'none (stock kernels)';
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) ? 'SIMD' : 'no SIMD';
  // the fused kernels run our wasm SIMD module (kernels.c) unless VJEPA_WASM_SIMD=0 or the runtime lacks it
  const ours = state.fused && simdKernelsActive(assertWasmInternals(tf.backend())) ? ' (their loops and small matmuls in our wasm SIMD module)' : '';
  return `tfjs-backend-wasm (${simd}, ${wasm.getThreadsCount()} thread${wasm.getThreadsCount() === 1 ? '' : 's'}), training patches: ${patches}${ours}`;
};

/** Loads the pure-JS cpu backend (always works; about 1 GFLOP/s on matmul). */
export const loadCpu: BackendLoader = async () => {
  await import('@tensorflow/tfjs-backend-cpu');
  await activate('cpu', 'cpu', 'the cpu backend is pure JS; if it fails, @tensorflow/tfjs-backend-cpu is not installed.');
  return 'tfjs-backend-cpu (pure JS, reference, slow)';
};

/** The loader for each backend name. */
export const LOADERS: Readonly<Record<BackendName, BackendLoader>> = {
  'tfjs-node-gpu': loadNodeGpu,
  webgpu: loadWebGpu,
  'tfjs-node': loadNodeCpu,
  wasm: loadWasm,
  cpu: loadCpu,
};
