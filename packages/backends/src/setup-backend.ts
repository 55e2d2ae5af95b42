import * as tf from '@tensorflow/tfjs-core';
import { BackendError, VjepaError } from '@vjepa/errors';
import { installEagerBackprop, uninstallEagerBackprop } from './engine/eager-backprop';
import { registerGradients } from './gradients';
import { AUTO_ORDER, parseBackendChoice, type BackendChoice, type BackendName } from './backend-choice';
import { LOADERS, type LoaderOptions } from './loaders';
import { type BackendMemoryLimit, memoryLimit } from './memory-limit';

/**
 * One backend `setupBackend` tried: whether it loaded, and why not.
 *
 * @example
 * for (const t of setup.tried) if (!t.ok) console.warn(`${t.name}: ${t.reason}`);
 */
export interface BackendAttempt {
  name: BackendName;
  ok: boolean;
  /** Empty when ok; otherwise what is missing, in words a user can act on. */
  reason: string;
}

/**
 * What `setupBackend` chose; print it when the app starts.
 *
 * @example
 * const { name, detail } = await setupBackend('auto');
 * console.log(`backend ${name}: ${detail}`);
 */
export interface BackendSetup {
  /** The backend now active. */
  name: BackendName;
  /** The tfjs backend name now active (`tf.getBackend()`): 'tensorflow', 'webgpu', 'wasm' or 'cpu'. */
  tfBackend: string;
  /** One line on what runs the math, e.g. "tfjs-backend-wasm (SIMD, 1 thread), training patches: ...". */
  detail: string;
  /** Every backend tried, in order, the chosen one last. */
  tried: BackendAttempt[];
  /** The backend's memory ceiling (see `memoryLimit`), or null when it cannot be known (WebGPU). */
  memoryLimit: BackendMemoryLimit | null;
}

/**
 * Options of `setupBackend`.
 *
 * @example
 * await setupBackend('wasm', { log: console.log, wasmPatches: { slice: false } });
 */
export interface SetupBackendOptions extends LoaderOptions {
  /** Called with one line per attempt and one for the choice, e.g. `console.log`. */
  log?: (line: string) => void;
  /** Register every tfjs gradient first (see `registerGradients`); default true. */
  gradients?: boolean;
  /**
   * Install the backward pass that frees saved tensors and intermediate gradients as it goes
   * (`installEagerBackprop`; identical numbers, lower peak memory); default true.
   */
  eagerBackprop?: boolean;
}

/**
 * Chooses and initialises the TensorFlow.js backend for an app. Only apps call this (library
 * packages peer on tfjs-core and never pick a backend).
 *
 * `auto` tries, in order: tfjs-node-gpu (libtensorflow + CUDA), WebGPU (Dawn for Node, only if a
 * hardware adapter exists: software adapters such as lavapipe are skipped, and the log says so), wasm (with the training fixes of `patchWasmForTraining`), then cpu; each failure
 * is recorded in `tried` with its reason. It first registers every tfjs gradient (tfjs-core alone
 * registers none in Node; see `registerGradients`) unless `{ gradients: false }`. A named backend that cannot load throws a BackendError
 * saying what is missing and how to fix it.
 *
 * @example
 * const backend = await setupBackend('auto', { log: console.log });
 * console.log(`backend: ${backend.name} (${backend.detail})`);
 */
export async function setupBackend(choice: BackendChoice, options: SetupBackendOptions = {}): Promise<BackendSetup> {
  parseBackendChoice(choice);
  const log = options.log ?? (() => {});
  const order = choice === 'auto' ? AUTO_ORDER : [choice];
  const tried: BackendAttempt[] = [];
  if (options.gradients !== false) await registerGradients();
  if (options.eagerBackprop === false) uninstallEagerBackprop();
  else installEagerBackprop();
  for (const name of order) {
    try {
      const detail = await LOADERS[name]({ ...options, auto: choice === 'auto' });
      tried.push({ name, ok: true, reason: '' });
      log(`backend: ${name}: ${detail}`);
      return { name, tfBackend: tf.getBackend(), detail, tried, memoryLimit: memoryLimit() };
    } catch (e) {
      const reason = VjepaError.isInstance(e) ? (e.received ?? e.message) : e instanceof Error ? e.message : String(e);
      tried.push({ name, ok: false, reason });
      log(`backend: ${name} unavailable: ${reason}`);
      if (choice !== 'auto') {
        throw VjepaError.isInstance(e) ? e : new BackendError(name, { expected: 'the backend to load', received: reason, cause: e });
      }
    }
  }
  // Unreachable in practice: cpu is a hard dependency and pure JS.
  throw new BackendError('setupBackend("auto")', {
    expected: 'at least the cpu backend to load',
    received: tried.map((t) => `${t.name}: ${t.reason}`).join('; '),
    hint: 'reinstall dependencies: @tensorflow/tfjs-backend-cpu is a dependency of @vjepa/backends.',
  });
}
