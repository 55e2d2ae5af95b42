import { AddN, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';

interface WebGpuBackendLike {
  device: { limits: { maxStorageBuffersPerShaderStage: number } };
  disposeData(dataId: object, force?: boolean): boolean;
}

/**
 * AddN for WebGPU that respects the device's storage-buffer limit. tfjs-backend-webgpu binds every
 * input of AddN as a storage buffer in one shader, and the gradient of a tensor used many times
 * (a parameter shared across blocks, a token tensor read by many ops) sums dozens of inputs: 53 on
 * the V-JEPA step, against WebGPU's default limit of 8 per stage (16 on lavapipe). Over the limit the
 * pipeline is rejected and the sum is silently zero. This kernel sums in chunks of `limit - 1` inputs
 * (one binding is the output), carrying the partial sum into the next chunk; the stock kernel does
 * each chunk, so small sums are unchanged.
 *
 * @example
 * tf.unregisterKernel('AddN', 'webgpu');
 * tf.registerKernel(chunkedAddNConfig(stockAddN));
 */
export function chunkedAddNConfig(stock: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const inputs = Object.values(args.inputs) as TensorInfo[];
    const backend = args.backend as unknown as WebGpuBackendLike;
    const limit = Math.max(2, backend.device.limits.maxStorageBuffersPerShaderStage - 1);
    if (inputs.length <= limit) return stock.kernelFunc(args);
    let acc = stock.kernelFunc({ ...args, inputs: inputs.slice(0, limit) as unknown as typeof args.inputs }) as TensorInfo;
    for (let i = limit; i < inputs.length; i += limit - 1) {
      const next = stock.kernelFunc({ ...args, inputs: [acc, ...inputs.slice(i, i + limit - 1)] as unknown as typeof args.inputs }) as TensorInfo;
      backend.disposeData(acc.dataId);
      acc = next;
    }
    return acc;
  };
  return { kernelName: AddN, backendName: 'webgpu', kernelFunc };
}
