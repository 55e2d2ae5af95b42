import type { KernelConfig, KernelFunc, TensorInfo, UnsortedSegmentSumAttrs } from '@tensorflow/tfjs-core';
import { UnsortedSegmentSum, util } from '@tensorflow/tfjs-core';
import { BackendError } from '@vjepa/errors';
import type { WasmBackendInternals } from './internals';

/**
 * `UnsortedSegmentSum` for the wasm backend, which has none in tfjs 4.22. It is the gradient of
 * `tf.gather`, so without it any training step that gathers tokens (V-JEPA's context and target
 * selection) fails on wasm with "kernel UnsortedSegmentSum not registered".
 *
 * out[s, ...] = sum over i with segmentIds[i] == s of x[i, ...]; ids outside [0, numSegments) are
 * dropped, as on the cpu backend. Reads and writes the wasm heap in place (no copies of x).
 */
function unsortedSegmentSum(args: { inputs: { x: TensorInfo; segmentIds: TensorInfo }; backend: WasmBackendInternals; attrs: UnsortedSegmentSumAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, segmentIds } = inputs;
  const { numSegments } = attrs;
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new BackendError('UnsortedSegmentSum on wasm', { expected: 'x of dtype float32 or int32', received: x.dtype });
  }
  const numIds = util.sizeFromShape(segmentIds.shape);
  const innerShape = x.shape.slice(segmentIds.shape.length);
  const inner = util.sizeFromShape(innerShape);
  if (numIds * inner !== util.sizeFromShape(x.shape)) {
    throw new BackendError('UnsortedSegmentSum on wasm', {
      expected: 'segmentIds.shape to be a prefix of x.shape',
      received: `x [${x.shape}], segmentIds [${segmentIds.shape}]`,
    });
  }
  // Allocate before taking heap views: an allocation may grow the heap and detach older views.
  const out = backend.makeOutput([numSegments, ...innerShape], x.dtype);
  const outVals = backend.typedArrayFromHeap(out);
  outVals.fill(0);
  const xVals = backend.typedArrayFromHeap(x);
  const idVals = backend.typedArrayFromHeap(segmentIds);
  for (let i = 0; i < numIds; i++) {
    const s = idVals[i];
    if (s < 0 || s >= numSegments) continue;
    const src = i * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) outVals[dst + j] += xVals[src + j];
  }
  return out;
}

/**
 * Kernel config registering the JS `UnsortedSegmentSum` on `wasm`.
 *
 * @example
 * tf.registerKernel(unsortedSegmentSumWasmConfig);
 */
export const unsortedSegmentSumWasmConfig: KernelConfig = {
  kernelName: UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum as unknown as KernelFunc,
};
