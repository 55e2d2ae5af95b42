import { totalmem } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';

/**
 * How much memory the active backend can give a run, and what sets that ceiling.
 *
 * @example
 * const limit: BackendMemoryLimit = { bytes: 4 * 2 ** 30, what: 'the wasm heap: 32-bit addresses' };
 */
export interface BackendMemoryLimit {
  bytes: number;
  what: string;
}

/** tfjs-backend-wasm 4.22 is built for 32-bit wasm with growable memory up to 4 GiB. */
const WASM_HEAP_MAX = 4 * 2 ** 30;

/**
 * The memory ceiling of the active backend: the wasm heap's 4 GiB (or the machine's RAM if smaller),
 * the machine's RAM for cpu and tfjs-node(-gpu)'s host memory, and null for WebGPU (the device's
 * memory is not visible through WebGPU). The apps hand it to `@vjepa/run` (through the backend
 * setup's `memoryLimit`), which refuses a run whose estimate exceeds it before the first step.
 *
 * @example
 * await setupBackend('wasm');
 * memoryLimit(); // { bytes: 4294967296, what: 'the wasm heap: 32-bit addresses' }
 */
export function memoryLimit(): BackendMemoryLimit | null {
  const name = tf.getBackend();
  const ram = totalmem();
  if (name === 'wasm') {
    return ram < WASM_HEAP_MAX ? { bytes: ram, what: `the machine's RAM, below the wasm heap's 4 GiB` } : { bytes: WASM_HEAP_MAX, what: 'the wasm heap: 32-bit addresses' };
  }
  if (name === 'cpu' || name === 'tensorflow') return { bytes: ram, what: `the machine's RAM` };
  return null;
}
