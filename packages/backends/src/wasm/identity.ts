import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { Identity } from '@tensorflow/tfjs-core';
import type { WasmBackendInternals } from './internals';

/**
 * A zero-copy `Identity` for wasm: the output shares the input's memory (one more reference on it),
 * as Reshape does and as the cpu backend's Identity does. The stock wasm kernel copies: the tfjs
 * engine runs Identity on every tensor it saves for the backward pass (`engine.clone`), ~1,160 copies
 * per tiny V-JEPA step. Safe because tfjs never writes into a tensor's memory after creating it.
 */
function identity({ inputs, backend }: { inputs: { x: TensorInfo }; backend: WasmBackendInternals }): TensorInfo {
  const { x } = inputs;
  if (x.dtype === 'string') throw new Error('zero-copy Identity: string tensors go to the stock kernel');
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

/**
 * Kernel config for the zero-copy wasm `Identity`, given the stock one (string tensors still copy).
 *
 * @example
 * tf.registerKernel(identityWasmConfig(tf.getKernel('Identity', 'wasm')!));
 */
export function identityWasmConfig(stock: KernelConfig): KernelConfig {
  return {
    ...stock,
    kernelName: Identity,
    kernelFunc: ((args: { inputs: { x: TensorInfo }; backend: WasmBackendInternals }) =>
      args.inputs.x.dtype === 'string' ? stock.kernelFunc(args as never) : identity(args)) as unknown as KernelFunc,
  };
}
