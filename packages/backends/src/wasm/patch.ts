import type { KernelConfig } from '@tensorflow/tfjs-core';
import { BatchMatMul, Identity, Slice, SplitV, Transpose, UnsortedSegmentSum, getKernel, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import { BackendError } from '@vjepa/errors';
import { batchMatMulWasmConfig } from './batch-mat-mul';
import { fusedAttentionWasmConfigs } from './fused/attention';
import { fusedGeluWasmConfigs } from './fused/gelu';
import { fusedLayerNormWasmConfigs } from './fused/layer-norm';
import { fusedLinearWasmConfigs } from './fused/linear';
import { fusedOptimizerWasmConfigs } from './fused/optimizer';
import { identityWasmConfig } from './identity';
import { initialisedWasmBackend } from './internals';
import { sliceWasmConfig, splitVWasmConfig } from './slice';
import { transposeWasmConfig } from './transpose';
import { unsortedSegmentSumWasmConfig } from './unsorted-segment-sum';

/**
 * Which wasm training fixes to apply; each defaults to true.
 *
 * @example
 * patchWasmForTraining({ transpose: false });
 */
export interface WasmPatchOptions {
  /** Register a JS `UnsortedSegmentSum` (the gradient of `tf.gather`; wasm has none). */
  segmentSum?: boolean;
  /** Replace `BatchMatMul` with the transpose-materialising, per-slice XNNPACK kernel. */
  matMul?: boolean;
  /** Replace `Slice` (and `SplitV`, built on it) with a zero-copy view for contiguous slices and a partial copy otherwise. */
  slice?: boolean;
  /** Replace `Transpose` with one that copies whole rows when the innermost axis stays put (rank-5 attention permutes). */
  transpose?: boolean;
  /** Replace `Identity` with a zero-copy one (the engine clones every tensor it saves for the backward pass). */
  identity?: boolean;
  /** Register the fused kernels the library calls when present: attention, linear, layer norm, GELU (with gradients), AdamW, EMA. */
  fused?: boolean;
}

/**
 * Which wasm training fixes are active after a call.
 *
 * @example
 * const state: WasmPatchState = wasmPatchState(); // { segmentSum: true, matMul: true, ... }
 */
export interface WasmPatchState {
  segmentSum: boolean;
  matMul: boolean;
  slice: boolean;
  transpose: boolean;
  identity: boolean;
  fused: boolean;
}

/** The stock kernels we replaced, so that `restoreStockWasmKernels` can put them back. */
const stock: { [name: string]: KernelConfig } = {};
const active: WasmPatchState = { segmentSum: false, matMul: false, slice: false, transpose: false, identity: false, fused: false };

/** The fused kernels (names the library looks up: @vjepa/vit's and @vjepa/optim's). */
export function fusedWasmConfigs(): KernelConfig[] {
  return [...fusedAttentionWasmConfigs(), ...fusedLinearWasmConfigs(), ...fusedLayerNormWasmConfigs(), ...fusedGeluWasmConfigs(), ...fusedOptimizerWasmConfigs()];
}
/** True when the registered wasm `UnsortedSegmentSum` is ours (a future tfjs may ship its own). */
let ownSegmentSum = false;

function replace(name: string, make: (stockConfig: KernelConfig) => KernelConfig): void {
  const current = getKernel(name, 'wasm');
  if (stock[name] === undefined) {
    if (current === undefined) {
      throw new BackendError(`wasm kernel ${name}`, {
        expected: 'the stock kernel registered by @tensorflow/tfjs-backend-wasm',
        received: 'none',
        hint: 'import "@tensorflow/tfjs-backend-wasm" (or call setupBackend("wasm")) before patching.',
      });
    }
    stock[name] = current;
  }
  const config = make(stock[name]);
  if (current !== undefined) unregisterKernel(name, 'wasm');
  registerKernel(config);
  // Kernel setup functions run when a backend is initialised; if wasm already is, run ours now.
  const backend = initialisedWasmBackend();
  if (backend !== undefined) config.setupFunc?.(backend);
}

function restore(name: string): void {
  if (getKernel(name, 'wasm') !== undefined) unregisterKernel(name, 'wasm');
  if (stock[name] !== undefined) registerKernel(stock[name]);
}

/**
 * Applies the wasm training fixes (see docs/backends.md in the repository) to the (global) wasm kernel registry.
 * Only apps call this, through `setupBackend('wasm')`; library packages never do. Idempotent; a
 * fix switched off with `false` is put back to stock. Needs `@tensorflow/tfjs-backend-wasm` to have
 * been imported (its kernels must be registered).
 *
 * Not fixed here: `tf.oneHot(idx, n, 1, 0, 'float32')` returns wrong values on wasm; write
 * `tf.oneHot(idx, n).cast('float32')` instead.
 *
 * @example
 * await import('@tensorflow/tfjs-backend-wasm');
 * patchWasmForTraining();                    // all four fixes
 * patchWasmForTraining({ slice: false });    // keep the stock Slice
 */
export function patchWasmForTraining(options: WasmPatchOptions = {}): WasmPatchState {
  const want: WasmPatchState = {
    segmentSum: options.segmentSum ?? true,
    matMul: options.matMul ?? true,
    slice: options.slice ?? true,
    transpose: options.transpose ?? true,
    identity: options.identity ?? true,
    fused: options.fused ?? true,
  };
  if (getKernel(BatchMatMul, 'wasm') === undefined) {
    throw new BackendError('patchWasmForTraining', {
      expected: 'the wasm kernels to be registered',
      received: 'no wasm BatchMatMul kernel',
      hint: 'import "@tensorflow/tfjs-backend-wasm" (or call setupBackend("wasm")) first.',
    });
  }
  if (want.segmentSum) {
    if (getKernel(UnsortedSegmentSum, 'wasm') === undefined) {
      registerKernel(unsortedSegmentSumWasmConfig);
      ownSegmentSum = true;
    }
  } else if (ownSegmentSum) {
    unregisterKernel(UnsortedSegmentSum, 'wasm');
    ownSegmentSum = false;
  }
  if (want.matMul) replace(BatchMatMul, batchMatMulWasmConfig);
  else if (active.matMul) restore(BatchMatMul);
  if (want.slice) {
    replace(Slice, sliceWasmConfig);
    replace(SplitV, (stockSplitV) => splitVWasmConfig(stockSplitV, stock[Slice]));
  } else if (active.slice) {
    restore(Slice);
    restore(SplitV);
  }
  if (want.transpose) replace(Transpose, transposeWasmConfig);
  else if (active.transpose) restore(Transpose);
  if (want.identity) replace(Identity, identityWasmConfig);
  else if (active.identity) restore(Identity);
  for (const config of fusedWasmConfigs()) {
    const registered = getKernel(config.kernelName, 'wasm') !== undefined;
    if (want.fused && !registered) registerKernel(config);
    if (!want.fused && registered) unregisterKernel(config.kernelName, 'wasm');
  }
  Object.assign(active, want);
  return { ...active };
}

/**
 * Puts back the stock wasm kernels (and removes the JS `UnsortedSegmentSum`): for benchmarks and
 * tests that compare stock and patched wasm in one process.
 *
 * @example
 * restoreStockWasmKernels();
 * await trainStep(); // runs on stock wasm kernels
 */
export function restoreStockWasmKernels(): void {
  patchWasmForTraining({ segmentSum: false, matMul: false, slice: false, transpose: false, identity: false, fused: false });
}

/**
 * Which wasm training fixes are active now.
 *
 * @example
 * if (!wasmPatchState().matMul) console.warn('stock wasm matmul: backward will be slow');
 */
export function wasmPatchState(): WasmPatchState {
  return { ...active };
}
