import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '@vjepa/errors';
import type { VisionTransformer } from '@vjepa/vit';

/**
 * How token features are reduced: `none` keeps `[B, N, D]`, `mean` gives one embedding `[B, D]`.
 *
 * @example
 * await encodeClips(encoder, clips, shape, { pool: 'mean' as Pool }); // [B, D]
 */
export type Pool = 'none' | 'mean';

/**
 * Options of {@link encodeClips}.
 *
 * @example
 * const opts: EncodeOptions = { batchSize: 16, pool: 'mean' };
 */
export interface EncodeOptions {
  /** Clips per forward pass (default 16). */
  batchSize?: number;
  /** Default `none`. */
  pool?: Pool;
  /** Replace every frame with frame `oneFrame` (the "one frame repeated" control); default off. */
  oneFrame?: number;
}

/**
 * Runs a frozen encoder over channels-last clips `[B, T, H, W, 3]` (or images `[B, H, W, 3]`) in
 * batches and returns the features on the host: `[B, N, D]`, or `[B, D]` with `pool: 'mean'`.
 *
 * @example
 * const { data, shape } = await encodeClips(encoder, clips.data, clips.shape, { pool: 'mean' });
 */
export async function encodeClips(
  encoder: VisionTransformer,
  clips: Float32Array,
  shape: readonly number[],
  options: EncodeOptions = {},
): Promise<{ data: Float32Array; shape: number[] }> {
  const batchSize = options.batchSize ?? 16;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ConfigError('--batch-size', { expected: 'an integer >= 1', received: String(batchSize) });
  const b = shape[0];
  const per = shape.slice(1).reduce((a, x) => a * x, 1);
  if (per * b !== clips.length) throw new ConfigError('encodeClips', { expected: `${per * b} values for [${shape.join(', ')}]`, received: String(clips.length) });
  let out: Float32Array | undefined;
  let outShape: number[] = [];
  for (let start = 0; start < b; start += batchSize) {
    const n = Math.min(batchSize, b - start);
    const y = tf.tidy(() => {
      let x = tf.tensor(clips.subarray(start * per, (start + n) * per), [n, ...shape.slice(1)], 'float32'); // [n, T, H, W, 3]
      if (options.oneFrame !== undefined && x.rank === 5) {
        const t = x.shape[1] as number;
        const f = Math.min(Math.max(0, options.oneFrame), t - 1);
        x = tf.tile(tf.slice(x, [0, f, 0, 0, 0], [-1, 1, -1, -1, -1]), [1, t, 1, 1, 1]); // [n, T, H, W, 3], one frame repeated
      }
      const tokens = encoder.apply(x); // [n, N, D]
      return options.pool === 'mean' ? tf.mean(tokens, 1) : tokens; // [n, D] or [n, N, D]
    });
    const values = (await y.data()) as Float32Array;
    if (!out) {
      outShape = [b, ...y.shape.slice(1)];
      out = new Float32Array(outShape.reduce((a, x) => a * x, 1));
    }
    out.set(values, start * (values.length / n));
    y.dispose();
  }
  return { data: out ?? new Float32Array(0), shape: outShape };
}
