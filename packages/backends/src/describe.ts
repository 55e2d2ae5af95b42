import * as tf from '@tensorflow/tfjs-core';
import { webgpuDeviceInfo } from './webgpu/load-webgpu';
import { initialisedWasmBackend } from './wasm/internals';
import { wasmPatchState, type WasmPatchState } from './wasm/patch';

/**
 * What runs the math, for logs.
 *
 * @example
 * const { name, gpu } = await describeBackend();
 */
export interface BackendDescription {
  /** `tf.getBackend()`: 'tensorflow' (tfjs-node/-gpu), 'webgpu', 'wasm', 'cpu', ... */
  name: string;
  /** True for backends that run on a GPU (webgpu, webgl, tfjs-node-gpu). */
  gpu: boolean;
  /** For wasm: threads (tfjs turns threads off in Node, so 1 there) and whether the SIMD build runs. */
  wasm?: { threads: number; simd: boolean; patches: WasmPatchState };
  /** One line for a log. */
  summary: string;
}

/**
 * Describes the active backend: name, GPU or not, and wasm threads/SIMD/patches.
 *
 * @example
 * await setupBackend('auto');
 * console.log((await describeBackend()).summary); // "wasm (cpu, SIMD, 1 thread, patches: segmentSum, matMul, slice)"
 */
export async function describeBackend(): Promise<BackendDescription> {
  const name = tf.getBackend();
  // tfjs-node and tfjs-node-gpu both register as 'tensorflow'; only the latter can find a CUDA device.
  const gpu = name === 'webgpu' || name === 'webgl' || (name === 'tensorflow' && isNodeGpuBuild());
  const webgpu = name === 'webgpu' ? webgpuDeviceInfo() : null;
  if (webgpu) {
    const kernels = webgpu.fusedKernels.length ? `our kernels: ${webgpu.fusedKernels.join(', ')}` : 'stock tfjs kernels';
    return { name, gpu: !webgpu.software, summary: `webgpu (${webgpu.adapter}; ${kernels})` };
  }
  if (name !== 'wasm') return { name, gpu, summary: `${name} (${gpu ? 'GPU' : 'cpu'})` };
  const wasmModule = await import('@tensorflow/tfjs-backend-wasm');
  const threads = wasmModule.getThreadsCount();
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const patches = wasmPatchState();
  const on = Object.entries(patches).filter(([, v]) => v).map(([k]) => k);
  return {
    name,
    gpu: false,
    wasm: { threads, simd, patches },
    summary: `wasm (cpu, ${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'}, patches: ${on.length ? on.join(', ') : 'none'})`,
  };
}

function isNodeGpuBuild(): boolean {
  // NodeJSKernelBackend (tfjs-node/-gpu) says whether libtensorflow found a CUDA device.
  return (tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
}

/**
 * A summary of `tf.memory()` for logs.
 *
 * @example
 * const { numTensors } = memoryReport();
 */
export interface MemoryReport {
  numTensors: number;
  numDataBuffers: number;
  /** Bytes tfjs accounts for its live tensors. */
  numBytes: number;
  /** GPU bytes (webgpu/webgl), when the backend reports them. */
  numBytesInGPU?: number;
  /** For wasm: the size of the WebAssembly heap, which grows and never shrinks. */
  wasmHeapBytes?: number;
  /** True when the backend says its numbers are not exact, with its reasons. */
  unreliable: boolean;
  reasons: string[];
  /** One line for a log. */
  summary: string;
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/**
 * Summarises `tf.memory()` (plus the wasm heap size on wasm) in one line for the apps' logs.
 *
 * @example
 * if (step % 100 === 0) console.log(`step ${step} memory: ${memoryReport().summary}`);
 */
export function memoryReport(): MemoryReport {
  const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number; numBytesInGPUAllocated?: number };
  const report: MemoryReport = {
    numTensors: m.numTensors,
    numDataBuffers: m.numDataBuffers,
    numBytes: m.numBytes,
    unreliable: m.unreliable === true,
    reasons: m.reasons ?? [],
    summary: '',
  };
  if (typeof m.numBytesInGPU === 'number') report.numBytesInGPU = m.numBytesInGPU;
  if (tf.getBackend() === 'wasm') {
    const wasm = initialisedWasmBackend();
    if (wasm !== undefined) report.wasmHeapBytes = wasm.wasm.HEAPU8.byteLength;
  }
  const parts = [`${report.numTensors} tensors`, `${report.numDataBuffers} buffers`, mib(report.numBytes)];
  if (report.numBytesInGPU !== undefined) parts.push(`${mib(report.numBytesInGPU)} on GPU`);
  if (report.wasmHeapBytes !== undefined) parts.push(`wasm heap ${mib(report.wasmHeapBytes)}`);
  if (report.unreliable) parts.push(`unreliable${report.reasons.length ? `: ${report.reasons.join('; ')}` : ''}`);
  report.summary = parts.join(', ');
  return report;
}
