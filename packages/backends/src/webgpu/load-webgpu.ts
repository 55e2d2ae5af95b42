import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from '@vjepa/errors';
import { type FoundAdapter, WEBGPU_HINT, findWebGpuAdapter } from './adapter';
import { chunkedAddNConfig } from './add-n';
import { type WebGpuErrorGuard, guardWebGpuBackend } from './error-guard';
import { fusedAttentionWebGpuConfigs } from './fused-attention';
import { fusedElementwiseWebGpuConfigs } from './fused-elementwise';
import { fusedLayerNormWebGpuConfigs } from './fused-layer-norm';
import { tiledBatchMatMulConfig } from './tiled-matmul';

/** Options of {@link loadWebGpuBackend}. */
export interface WebGpuLoadOptions {
  /** Use a software adapter (lavapipe, SwiftShader) if that is all there is. `auto` passes false. */
  allowSoftware?: boolean;
}

/**
 * The WebGPU device behind the active `webgpu` backend, as {@link loadWebGpuBackend} set it up.
 *
 * @example
 * const info = webgpuDeviceInfo();
 * if (info) console.log(info.adapter, info.limits.maxStorageBuffersPerShaderStage);
 */
export interface WebGpuDeviceInfo {
  /** One-line adapter name, e.g. "nvidia nvidia-h200" or "mesa llvmpipe-... (software)". */
  readonly adapter: string;
  readonly software: boolean;
  /** The limits the device was created with (the adapter's own, not WebGPU's defaults). */
  readonly limits: Readonly<Record<string, number>>;
  /** Optional features the device was created with (`shader-f16`, `subgroups`, `timestamp-query`). */
  readonly features: readonly string[];
  /** Errors Dawn reported; the guard throws on each (see {@link guardWebGpuBackend}). */
  readonly guard: WebGpuErrorGuard;
  /**
   * Our kernels registered for this device: the fused ones unless `VJEPA_WEBGPU_FUSED=0`, and the tiled
   * matmul when `VJEPA_WEBGPU_MATMUL=tiled` (for comparison on a GPU).
   */
  readonly fusedKernels: readonly string[];
}

let current: WebGpuDeviceInfo | null = null;

/**
 * The device info of the `webgpu` backend this package registered, or null before it is set up.
 *
 * @example
 * console.log(webgpuDeviceInfo()?.adapter ?? 'no WebGPU');
 */
export function webgpuDeviceInfo(): WebGpuDeviceInfo | null {
  return current;
}

// Limits requested at the adapter's values: WebGPU's defaults (8 storage buffers per stage, 128 MiB
// bindings, 16 KiB workgroup memory) are far below what GPUs offer, and a pipeline over a default is
// rejected even when the hardware could run it.
const LIMITS = [
  'maxStorageBuffersPerShaderStage',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
  'maxUniformBufferBindingSize',
] as const;
const FEATURES = ['timestamp-query', 'shader-f16', 'subgroups'] as const;

/**
 * Sets up tfjs-backend-webgpu on Dawn for Node and makes it the active backend. Compared with the
 * stock registration it (1) refuses software adapters unless `allowSoftware`, (2) creates the device
 * with the adapter's real limits and optional features, (3) installs {@link guardWebGpuBackend} so a
 * rejected kernel throws instead of leaving zeros, and (4) replaces AddN with a chunked kernel that
 * respects the storage-buffer limit. Returns a one-line description. Throws BackendError.
 *
 * @example
 * const detail = await loadWebGpuBackend({ allowSoftware: true });
 */
export async function loadWebGpuBackend(options: WebGpuLoadOptions = {}): Promise<string> {
  if (current !== null && tf.findBackend('webgpu') !== null) {
    if (current.software && !options.allowSoftware) throw softwareRefused(current.adapter);
    await activate();
    return describe(current);
  }
  const found = await findWebGpuAdapter();
  if (found.software && !options.allowSoftware) throw softwareRefused(found.name);
  exposeGlobals(found);
  let WebGPUBackend: new (device: unknown, info?: unknown) => object;
  try {
    // A literal specifier, so a bundle of an app (bench/device) carries the backend with it.
    ({ WebGPUBackend } = (await import('@tensorflow/tfjs-backend-webgpu')) as unknown as { WebGPUBackend: typeof WebGPUBackend });
  } catch (e) {
    throw new BackendError('webgpu', { expected: 'the optional peer @tensorflow/tfjs-backend-webgpu', received: String(e), hint: WEBGPU_HINT, cause: e });
  }
  const requiredLimits: Record<string, number> = {};
  for (const name of LIMITS) if (typeof found.adapter.limits[name] === 'number') requiredLimits[name] = found.adapter.limits[name];
  const requiredFeatures = FEATURES.filter((f) => found.adapter.features.has(f));
  const device = (await found.adapter.requestDevice({ requiredFeatures: [...requiredFeatures], requiredLimits })) as ConstructorParameters<typeof WebGPUBackend>[0] & {
    limits: Record<string, number>;
  };
  const backend = new WebGPUBackend(device, found.info);
  const guard = guardWebGpuBackend(backend, device as unknown as Parameters<typeof guardWebGpuBackend>[1]);
  if (tf.findBackendFactory('webgpu') !== null) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => backend as unknown as tf.KernelBackend, 3);
  const stockAddN = tf.getKernel('AddN', 'webgpu');
  if (stockAddN && !(stockAddN as { vjepaChunked?: boolean }).vjepaChunked) {
    tf.unregisterKernel('AddN', 'webgpu');
    tf.registerKernel({ ...chunkedAddNConfig(stockAddN), vjepaChunked: true } as tf.KernelConfig);
  }
  const fused = process.env.VJEPA_WEBGPU_FUSED !== '0';
  const fusedConfigs = [...fusedAttentionWebGpuConfigs(), ...fusedLayerNormWebGpuConfigs(), ...fusedElementwiseWebGpuConfigs()];
  for (const config of fused ? fusedConfigs : []) {
    if (tf.getKernel(config.kernelName, 'webgpu') === undefined) tf.registerKernel(config);
  }
  // Our tiled matmul is opt-in until a GPU benchmark shows it beats the stock kernel there.
  const tiled = process.env.VJEPA_WEBGPU_MATMUL === 'tiled';
  const stockMatMul = tf.getKernel('BatchMatMul', 'webgpu');
  if (tiled && stockMatMul && !(stockMatMul as { vjepaTiled?: boolean }).vjepaTiled) {
    tf.unregisterKernel('BatchMatMul', 'webgpu');
    tf.registerKernel({ ...tiledBatchMatMulConfig(stockMatMul), vjepaTiled: true } as tf.KernelConfig);
  }
  const limits: Record<string, number> = {};
  for (const name of LIMITS) limits[name] = device.limits[name];
  current = { adapter: found.name, software: found.software, limits, features: requiredFeatures, guard, fusedKernels: [...(fused ? ['attention', 'layer norm', 'GELU', 'AdamW', 'EMA'] : []), ...(tiled ? ['tiled matmul'] : [])] };
  await activate();
  return describe(current);
}

/**
 * The error `auto` gives for a software adapter (`said`: what Dawn printed while finding it, if known).
 *
 * @example
 * throw softwareRefused('mesa llvmpipe-llvm-15 (software)');
 */
export function softwareRefused(name: string, said = ''): BackendError {
  return new BackendError('webgpu', {
    expected: 'a hardware GPU adapter (auto skips software adapters)',
    received: `only the software adapter ${name}, which runs on the CPU several times slower than wasm${said}`,
    hint: 'ask for it by name (--backend webgpu) to use it anyway, e.g. to test WebGPU kernels on a machine without a GPU',
  });
}

/** tfjs-backend-webgpu needs the WebGPU globals and `navigator.gpu` (it checks them when imported). */
function exposeGlobals(found: FoundAdapter): void {
  Object.assign(globalThis, found.globals);
  const nav = (globalThis as { navigator?: object }).navigator;
  Object.defineProperty(globalThis, 'navigator', { value: { ...nav, gpu: found.gpu }, configurable: true, writable: true });
}

async function activate(): Promise<void> {
  let ok = false;
  let cause: unknown;
  try {
    ok = await tf.setBackend('webgpu');
  } catch (e) {
    cause = e;
  }
  if (!ok) {
    throw new BackendError('webgpu', { expected: "tf.setBackend('webgpu') to succeed", received: cause === undefined ? 'false' : String(cause), hint: WEBGPU_HINT, cause });
  }
}

function describe(info: WebGpuDeviceInfo): string {
  const f16 = info.features.includes('shader-f16') ? ', shader-f16' : '';
  const fused = info.fusedKernels.length > 0 ? `our kernels: ${info.fusedKernels.join(', ')}` : 'stock tfjs kernels only';
  return `tfjs-backend-webgpu on Dawn, adapter ${info.adapter}; ${info.limits.maxStorageBuffersPerShaderStage} storage buffers per stage${f16}; ${fused}; errors checked`;
}
