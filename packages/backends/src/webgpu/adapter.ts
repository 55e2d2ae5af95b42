import { createRequire } from 'node:module';
import { BackendError } from '@vjepa/errors';

/** The parts of Dawn's `GPUAdapterInfo` we read (every field may be empty). */
export interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

/** A WebGPU adapter as Dawn for Node returns it (the subset we use). */
export interface GpuAdapterLike {
  readonly info?: AdapterInfoLike;
  readonly isFallbackAdapter?: boolean;
  readonly features: ReadonlySet<string>;
  readonly limits: Readonly<Record<string, number>>;
  requestDevice(descriptor?: { requiredFeatures?: string[]; requiredLimits?: Record<string, number> }): Promise<unknown>;
}

interface DawnModule {
  create(flags: string[]): { requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null> };
  globals: Record<string, unknown>;
}

/**
 * What Dawn found: the adapter, its one-line name, and whether it is a software rasteriser.
 *
 * @example
 * const found = await findWebGpuAdapter();
 * console.log(found.name, found.software ? '(software)' : '');
 */
export interface FoundAdapter {
  readonly adapter: GpuAdapterLike;
  /** The `navigator.gpu` object that made it (kept alive while the backend lives). */
  readonly gpu: unknown;
  /** The WebGPU globals (`GPUBufferUsage`, ...) that tfjs-backend-webgpu expects on `globalThis`. */
  readonly globals: Record<string, unknown>;
  readonly info: AdapterInfoLike;
  /** e.g. "nvidia nvidia-h200" or "mesa llvmpipe-llvm-15-0-6-256-bits (software)". */
  readonly name: string;
  /** True for CPU rasterisers (lavapipe/llvmpipe, SwiftShader, WARP) and any fallback adapter. */
  readonly software: boolean;
}

const SOFTWARE = /llvmpipe|lavapipe|swiftshader|software|microsoft basic render|\bwarp\b/i;

/**
 * True for a software (CPU) adapter: Dawn's `isFallbackAdapter`, or a known CPU rasteriser named in
 * the adapter info (Mesa's lavapipe reports vendor "mesa", architecture "software", device "llvmpipe-...").
 *
 * @example
 * isSoftwareAdapter({ vendor: 'mesa', device: 'llvmpipe-llvm-15' }); // true
 * isSoftwareAdapter({ vendor: 'nvidia', device: 'nvidia-h200' });    // false
 */
export function isSoftwareAdapter(info: AdapterInfoLike, isFallbackAdapter = false): boolean {
  if (isFallbackAdapter || info.isFallbackAdapter === true) return true;
  return [info.vendor, info.architecture, info.device, info.description].some((s) => typeof s === 'string' && SOFTWARE.test(s));
}

/** The hint every WebGPU load failure carries. */
export const WEBGPU_HINT =
  'WebGPU in Node needs the optional peers `webgpu` (Dawn) and @tensorflow/tfjs-backend-webgpu (`npm install webgpu@^0.6.2 @tensorflow/tfjs-backend-webgpu@4.22.0`) ' +
  "and a Vulkan driver with its loader (libvulkan.so.1): a GPU driver, or Mesa's software driver lavapipe for testing (Debian 12: mesa-vulkan-drivers from bookworm-backports; vjepa-ts's scripts/setup-webgpu-cpu.sh installs it).";

/**
 * Loads Dawn for Node (the optional `webgpu` package) and asks it for a high-performance adapter,
 * without touching any global. Throws BackendError when the package or an adapter is missing.
 *
 * @example
 * const { adapter, name, software } = await findWebGpuAdapter();
 */
export async function findWebGpuAdapter(): Promise<FoundAdapter> {
  let dawn: DawnModule;
  // VJEPA_DAWN_NODE names a dawn.node file to load instead of the `webgpu` package's (a custom Dawn
  // build, or a bundled app that carries dawn.node beside it, as bench/device does).
  const custom = process.env.VJEPA_DAWN_NODE;
  try {
    if (custom) {
      dawn = createRequire(import.meta.url)(custom) as DawnModule;
    } else {
      const specifier = 'webgpu';
      dawn = (await import(/* @vite-ignore */ specifier)) as DawnModule;
    }
  } catch (e) {
    throw new BackendError('webgpu', {
      expected: custom ? `a loadable dawn.node at VJEPA_DAWN_NODE=${custom}` : 'the optional `webgpu` package (Dawn for Node)',
      received: firstLine(e),
      hint: WEBGPU_HINT,
      cause: e,
    });
  }
  const gpu = dawn.create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null) {
    throw new BackendError('webgpu', {
      expected: 'a WebGPU adapter',
      received: 'no adapter: Dawn found no usable GPU (no GPU, or no Vulkan driver/loader)',
      hint: WEBGPU_HINT,
    });
  }
  const info = readInfo(adapter.info ?? {});
  const software = isSoftwareAdapter(info, adapter.isFallbackAdapter === true);
  const device = (info.device || info.architecture || info.description || 'unknown device').replace(/-+$/, '');
  const name = `${[info.vendor, device].filter(Boolean).join(' ')}${software ? ' (software)' : ''}`;
  return { adapter, gpu, globals: dawn.globals, info, name, software };
}

/** Dawn's GPUAdapterInfo exposes its fields as getters: copy them into a plain object. */
function readInfo(info: AdapterInfoLike): AdapterInfoLike {
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    isFallbackAdapter: info.isFallbackAdapter === true,
  };
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0].trim();
}
