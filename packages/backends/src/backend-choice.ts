import { BackendError } from '@vjepa/errors';

/**
 * A backend an app can ask for by name.
 *
 * @example
 * const name: BackendName = 'wasm';
 */
export type BackendName = 'tfjs-node-gpu' | 'webgpu' | 'tfjs-node' | 'wasm' | 'cpu';

/**
 * What `setupBackend` accepts: a backend by name, or `auto` (the first that works, fastest first).
 *
 * @example
 * const choice: BackendChoice = process.env.CI ? 'cpu' : 'auto';
 */
export type BackendChoice = 'auto' | BackendName;

/**
 * The order `auto` tries backends in: the GPUs first (libtensorflow with CUDA, then WebGPU on a
 * hardware adapter), then libtensorflow on the CPU (tfjs-node: multi-threaded, faster than wasm),
 * then wasm with our kernels, then pure JS.
 *
 * @example
 * console.log(`auto tries: ${AUTO_ORDER.join(' > ')}`);
 */
export const AUTO_ORDER: readonly BackendName[] = ['tfjs-node-gpu', 'webgpu', 'tfjs-node', 'wasm', 'cpu'];

/**
 * Every value `setupBackend` accepts, for CLI validation and help text.
 *
 * @example
 * program.option('--backend <name>', `one of ${BACKEND_CHOICES.join(', ')}`, 'auto');
 */
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', ...AUTO_ORDER];

/**
 * Checks a user-supplied string (a CLI flag, a config value) against the backend choices.
 *
 * @example
 * const choice = parseBackendChoice(process.env.VJEPA_BACKEND ?? 'auto');
 */
export function parseBackendChoice(value: string): BackendChoice {
  if ((BACKEND_CHOICES as readonly string[]).includes(value)) return value as BackendChoice;
  throw new BackendError('backend choice', {
    expected: `one of ${BACKEND_CHOICES.join(', ')}`,
    received: JSON.stringify(value),
    hint: 'use "auto" to take the fastest backend that loads on this machine.',
  });
}
