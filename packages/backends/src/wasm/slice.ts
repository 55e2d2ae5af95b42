import type { DataId, KernelConfig, KernelFunc, SliceAttrs, SplitVAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import { backend_util, engine, slice_util, util } from '@tensorflow/tfjs-core';
import { tensorData, type WasmBackendInternals } from './internals';

/** For each backend: view dataId -> the dataId that owns the memory the view points into. */
const viewRoots = new WeakMap<WasmBackendInternals, WeakMap<DataId, DataId>>();

/**
 * Teaches `backend.disposeData` about views: a view's record is dropped without freeing memory,
 * and it releases the reference it holds on its owner (freeing the owner if it was the last one).
 */
function viewsOf(backend: WasmBackendInternals): WeakMap<DataId, DataId> {
  let views = viewRoots.get(backend);
  if (views !== undefined) return views;
  const roots = new WeakMap<DataId, DataId>();
  views = roots;
  viewRoots.set(backend, roots);
  const stockDispose = backend.disposeData.bind(backend);
  backend.disposeData = (dataId: DataId, force = false): boolean => {
    const root = roots.get(dataId);
    if (root === undefined) return stockDispose(dataId, force);
    const data = backend.dataIdMap.get(dataId);
    if (data === undefined) return true;
    data.refCount--;
    if (!force && data.refCount > 0) return false;
    backend.wasm.tfjs.disposeData(data.id);
    backend.dataIdMap.delete(dataId);
    roots.delete(dataId);
    // The owner's tensor may be gone already; the engine kept its record because the backend said
    // "not freed" then, so remove that record now that the memory really is freed.
    if (stockDispose(root)) engine().removeDataId(root, backend);
    return true;
  };
  return views;
}

/** A tensor sharing `x`'s memory from element `flatOffset` on, which keeps x's memory alive. */
function sliceView(backend: WasmBackendInternals, x: TensorInfo, flatOffset: number, shape: number[]): TensorInfo {
  const views = viewsOf(backend);
  const root = views.get(x.dataId) ?? x.dataId;
  const xData = tensorData(backend, x, 'Slice');
  const out = backend.makeOutput(shape, x.dtype, xData.memoryOffset + flatOffset * util.bytesPerElement(x.dtype));
  backend.incRef(root);
  views.set(out.dataId, root);
  return out;
}

/** Copies only the selected elements, reading the input in place (stock `Slice` copies all of x first). */
function sliceCopy(backend: WasmBackendInternals, x: TensorInfo, begin: number[], size: number[]): TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  const outVals = backend.typedArrayFromHeap(out);
  const xVals = backend.typedArrayFromHeap(x);
  const rank = x.shape.length;
  const strides = [...util.computeStrides(x.shape), 1];
  // Innermost dims taken whole merge into one contiguous run starting at dim `d`.
  let d = rank - 1;
  while (d > 0 && begin[d] === 0 && size[d] === x.shape[d]) d--;
  const run = size.slice(d).reduce((p, s) => p * s, 1);
  const outer = size.slice(0, d);
  const numRuns = util.sizeFromShape(outer);
  const idx = new Array<number>(d).fill(0);
  for (let r = 0; r < numRuns; r++) {
    let offset = begin[d] * strides[d];
    for (let j = 0; j < d; j++) offset += (begin[j] + idx[j]) * strides[j];
    outVals.set(xVals.subarray(offset, offset + run), r * run);
    for (let j = d - 1; j >= 0; j--) {
      if (++idx[j] < outer[j]) break;
      idx[j] = 0;
    }
  }
  return out;
}

/**
 * Builds the replacement wasm `Slice`: a contiguous slice (e.g. `x.slice([i], [1])` along the first
 * axis, or a split of a batch) is a zero-copy view into x's memory; any other slice copies just the
 * selected elements. The stock kernel (tfjs-backend-wasm 4.22) first copies the whole of x out of
 * the heap with `readSync` on every call. Strings go to the stock kernel.
 *
 * A view keeps the memory of the tensor it was cut from alive until the view is disposed, so
 * `tf.memory().numBytes` can be lower than what the heap really holds while views live.
 */
export function makeSliceWasm(original: KernelFunc): KernelFunc {
  return ((args: { inputs: { x: TensorInfo }; backend: WasmBackendInternals; attrs: SliceAttrs }) => {
    const { inputs, backend, attrs } = args;
    const { x } = inputs;
    if (x.dtype === 'string' || x.dtype === 'complex64') return original(args as never);
    const [begin, size] = slice_util.parseSliceParams(x as never, attrs.begin, attrs.size);
    if (util.sizeFromShape(size) === 0) return backend.makeOutput(size, x.dtype);
    if (slice_util.isSliceContinous(x.shape, begin, size)) {
      return sliceView(backend, x, slice_util.computeFlatOffset(begin, util.computeStrides(x.shape)), size);
    }
    return sliceCopy(backend, x, begin, size);
  }) as unknown as KernelFunc;
}

/**
 * Kernel config for the replacement wasm `Slice`, given the stock config it wraps.
 *
 * @example
 * const stock = tf.getKernel('Slice', 'wasm')!;
 * tf.unregisterKernel('Slice', 'wasm');
 * tf.registerKernel(sliceWasmConfig(stock));
 */
export function sliceWasmConfig(stock: KernelConfig): KernelConfig {
  return { ...stock, kernelFunc: makeSliceWasm(stock.kernelFunc) };
}


/**
 * Builds the replacement wasm `SplitV` on top of `slice` (the patched Slice kernel function): the
 * stock SplitV calls the stock slice function directly, copying the whole input once per piece.
 * Splitting along the first non-trivial axis (e.g. q, k, v from a [3, B, H, N, hd] tensor) now gives
 * zero-copy views.
 */
export function makeSplitVWasm(slice: KernelFunc): KernelFunc {
  return ((args: { inputs: { x: TensorInfo }; backend: WasmBackendInternals; attrs: SplitVAttrs }) => {
    const { inputs, backend, attrs } = args;
    const { x } = inputs;
    const axis = util.parseAxisParam(attrs.axis, x.shape)[0];
    const sizes = backend_util.prepareSplitSize(x as never, attrs.numOrSizeSplits, axis);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = [...x.shape];
      size[axis] = s;
      const piece = slice({ inputs: { x }, backend, attrs: { begin: [...begin], size } } as never) as TensorInfo;
      begin[axis] += s;
      return piece;
    });
  }) as unknown as KernelFunc;
}

/**
 * Kernel config for the replacement wasm `SplitV`, given the stock SplitV and Slice configs.
 *
 * @example
 * const stock = tf.getKernel('SplitV', 'wasm')!;
 * tf.unregisterKernel('SplitV', 'wasm');
 * tf.registerKernel(splitVWasmConfig(stock, tf.getKernel('Slice', 'wasm')!));
 */
export function splitVWasmConfig(stock: KernelConfig, stockSlice: KernelConfig): KernelConfig {
  return { ...stock, kernelFunc: makeSplitVWasm(makeSliceWasm(stockSlice.kernelFunc)) };
}
