import type { DataType, KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from '@vjepa/errors';

/** What the wasm backend keeps for each tensor (mirrors tfjs-backend-wasm's private `TensorData`). */
export interface WasmTensorData {
  id: number;
  memoryOffset: number;
  shape: number[];
  dtype: DataType;
  refCount: number;
  stringBytes?: Uint8Array[];
}

/**
 * The parts of tfjs-backend-wasm's `BackendWasm` the training patches use. They are public on the
 * class in 4.22 except `dataIdNextNumber`; `assertWasmInternals` checks them once so a future
 * version that renames them fails loudly instead of corrupting memory.
 */
export interface WasmBackendInternals extends KernelBackend {
  wasm: {
    HEAPU8: Uint8Array;
    cwrap(name: string, returnType: null, argTypes: string[]): (...args: unknown[]) => void;
    tfjs: { registerTensor(id: number, size: number, memoryOffset: number): void; disposeData(id: number): void };
  };
  dataIdNextNumber: number;
  dataIdMap: {
    get(dataId: object): WasmTensorData | undefined;
    set(dataId: object, data: WasmTensorData): void;
    has(dataId: object): boolean;
    delete(dataId: object): boolean;
  };
  makeOutput(shape: number[], dtype: DataType, memoryOffset?: number): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: object, force?: boolean): boolean;
  incRef(dataId: object): void;
}

/**
 * Checks that `backend` is a tfjs-backend-wasm instance with the internals the patches need.
 *
 * @example
 * const wasm = assertWasmInternals(tf.findBackend('wasm'));
 */
export function assertWasmInternals(backend: KernelBackend | undefined | null): WasmBackendInternals {
  const b = backend as Partial<WasmBackendInternals> | undefined | null;
  const ok =
    b != null &&
    typeof b.wasm?.cwrap === 'function' &&
    typeof b.wasm?.tfjs?.registerTensor === 'function' &&
    typeof b.wasm?.tfjs?.disposeData === 'function' &&
    typeof b.dataIdNextNumber === 'number' &&
    typeof b.dataIdMap?.get === 'function' &&
    typeof b.makeOutput === 'function' &&
    typeof b.typedArrayFromHeap === 'function';
  if (!ok) {
    throw new BackendError('wasm backend internals', {
      expected: 'a @tensorflow/tfjs-backend-wasm 4.22 BackendWasm (wasm.cwrap, wasm.tfjs.registerTensor, dataIdMap, dataIdNextNumber)',
      received: b == null ? 'no wasm backend' : `an object with keys ${Object.keys(b).join(', ')}`,
      hint: 'call setupBackend("wasm") first; the patches are written against tfjs-backend-wasm 4.22.',
    });
  }
  return b as WasmBackendInternals;
}

/** The heap record of a tensor, or a BackendError naming the kernel that needed it. */
export function tensorData(backend: WasmBackendInternals, info: TensorInfo, kernel: string): WasmTensorData {
  const data = backend.dataIdMap.get(info.dataId);
  if (data === undefined) {
    throw new BackendError(`${kernel} on wasm`, {
      expected: 'an input tensor that lives on the wasm backend',
      received: `a tensor of shape [${info.shape}] with no wasm data (disposed, or on another backend)`,
    });
  }
  return data;
}

/**
 * A tensor id registered with the wasm runtime for `size` elements at `memoryOffset`, owning no
 * memory: used to hand a sub-range of a buffer to a wasm kernel without copying. Call the returned
 * function to unregister it (which also runs the runtime's disposal callbacks, e.g. dropping a
 * cached XNNPACK operator keyed on this id); it never frees the memory.
 */
export function borrowTensorId(backend: WasmBackendInternals, size: number, memoryOffset: number): [id: number, release: () => void] {
  const id = backend.dataIdNextNumber++;
  backend.wasm.tfjs.registerTensor(id, size, memoryOffset);
  return [id, () => backend.wasm.tfjs.disposeData(id)];
}

/** The wasm backend instance if it is registered and initialised, else undefined. */
export function initialisedWasmBackend(): WasmBackendInternals | undefined {
  if (!tf.engine().registryFactory['wasm']) return undefined;
  const instance = tf.engine().registry['wasm'];
  return instance === undefined ? undefined : assertWasmInternals(instance);
}
