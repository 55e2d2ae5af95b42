// WebGPU for this package's tests (not exported): set up once per test file, or say in one line why not.
import * as tf from '@tensorflow/tfjs-core';
// the cpu reference the suites compare against (registerGradients registers gradients only, no backend)
import '@tensorflow/tfjs-backend-cpu';
import { registerGradients } from '../gradients';
import { loadWebGpuBackend, webgpuDeviceInfo } from './load-webgpu';

/** Where to look when WebGPU is missing: printed once with the skip line. */
export const ENABLE_WEBGPU =
  'to run it: install a Vulkan driver (a GPU driver, or Mesa lavapipe: sudo scripts/setup-webgpu-cpu.sh on Debian 12); CI sets VJEPA_REQUIRE_WEBGPU=1 so a missing adapter fails instead of skipping';

/**
 * Sets up the `webgpu` backend (software adapters allowed) and leaves `cpu` active. Returns the adapter
 * name, or null after printing one line saying why WebGPU tests are skipped and how to enable them.
 * With `VJEPA_REQUIRE_WEBGPU=1` a missing adapter throws instead (CI installs one).
 *
 * @example
 * const adapter = await webgpuForTests('WebGPU conformance suite');
 * describe.runIf(adapter !== null)('...', () => { ... });
 */
export async function webgpuForTests(suite: string): Promise<string | null> {
  await registerGradients();
  try {
    await loadWebGpuBackend({ allowSoftware: true });
  } catch (e) {
    const reason = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    if (process.env.VJEPA_REQUIRE_WEBGPU === '1') throw new Error(`${suite}: VJEPA_REQUIRE_WEBGPU=1 but WebGPU is unavailable: ${reason}`);
    console.log(`${suite} skipped: ${reason}; ${ENABLE_WEBGPU}`);
    return null;
  } finally {
    await tf.setBackend('cpu');
  }
  return webgpuDeviceInfo()?.adapter ?? 'webgpu';
}
