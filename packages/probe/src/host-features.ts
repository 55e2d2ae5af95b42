import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '@vjepa/errors';
import type { FeatureProvider } from './features';

/**
 * Features on the host, served in batches (what {@link hostFeatures} returns).
 *
 * @example
 * const f: HostFeatures = hostFeatures(data, [400, 64, 96]);
 * const x = f.batch(Int32Array.from([3, 1])); // [2, 64, 96]
 */
export interface HostFeatures extends FeatureProvider {
  readonly shape: readonly [number, number, number];
  batch(indices: Int32Array): tf.Tensor3D;
}

/**
 * A {@link FeatureProvider} over features held on the host (`[N, tokens, D]` row-major): each batch
 * is built by copying its rows, instead of `tf.gather` on a device tensor (the wasm backend's
 * GatherV2 costs milliseconds per batch, a large share of a probe step).
 *
 * @example
 * const train = hostFeatures(cached.data, [400, 64, 96]);
 * await trainProbe(probe, train, labels, { epochs: 20 });
 */
export function hostFeatures(data: Float32Array, shape: readonly [number, number, number]): HostFeatures {
  const [n, tokens, d] = shape;
  if (![n, tokens, d].every((v) => Number.isInteger(v) && v >= 0) || data.length !== n * tokens * d) {
    throw new ShapeError('hostFeatures data', { expected: `${n} x ${tokens} x ${d} = ${n * tokens * d} floats for shape [${shape.join(', ')}]`, received: `${data.length} floats` });
  }
  const row = tokens * d;
  return {
    size: n,
    shape,
    batch(indices: Int32Array): tf.Tensor3D {
      const out = new Float32Array(indices.length * row);
      for (let i = 0; i < indices.length; i++) {
        const src = indices[i]!;
        if (!(src >= 0 && src < n)) throw new ShapeError('hostFeatures batch index', { expected: `an index in [0, ${n})`, received: String(src) });
        out.set(data.subarray(src * row, (src + 1) * row), i * row);
      }
      return tf.tensor3d(out, [indices.length, tokens, d], 'float32'); // [b, tokens, D]
    },
  };
}
