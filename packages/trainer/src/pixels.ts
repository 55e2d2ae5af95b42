import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '@vjepa/errors';

/**
 * The pixel objective's targets: each tubelet patch's pixels, normalised per patch and channel,
 * VideoMAE-style, `(x - mean) / sqrt(var + 1e-6)` (biased variance over the patch's
 * `tubelet * p * p` pixels). `clips [B, T, H, W, C]` -> `[B, N, tubelet * p * p * C]`, tokens in the
 * encoder's time-major order, each vector ordered (frame, row, column, channel).
 *
 * @example
 * const pixels = tf.tidy(() => normalizedPixelTargets(clips, 2, 16)); // [B, 1568, 1536]
 */
export function normalizedPixelTargets(clips: tf.Tensor, tubeletSize: number, patchSize: number, eps = 1e-6): tf.Tensor {
  if (clips.rank !== 5) {
    throw new ShapeError('normalizedPixelTargets(clips)', { expected: '[B, T, H, W, C]', received: `[${clips.shape}]` });
  }
  const [b, t, h, w, c] = clips.shape;
  if (t % tubeletSize !== 0 || h % patchSize !== 0 || w % patchSize !== 0) {
    throw new ShapeError('normalizedPixelTargets(clips)', {
      expected: `T a multiple of tubelet ${tubeletSize}, H and W multiples of patch ${patchSize}`,
      received: `[${clips.shape}]`,
    });
  }
  const gt = t / tubeletSize;
  const gh = h / patchSize;
  const gw = w / patchSize;
  const n = gt * gh * gw;
  const pix = tubeletSize * patchSize * patchSize;
  return tf.tidy(() => {
    // Split rows and columns first (rank 7), then frames, keeping every transpose at rank <= 6.
    const x = tf.reshape(clips, [b * t, gh, patchSize, gw, patchSize, c]); // [B*T, H', p, W', p, C]
    const perFrame = tf.transpose(x, [0, 1, 3, 2, 4, 5]); // [B*T, H', W', p, p, C]
    const framed = tf.reshape(perFrame, [b, gt, tubeletSize, gh * gw, patchSize * patchSize * c]); // [B, T', t, H'W', ppC]
    const tubes = tf.transpose(framed, [0, 1, 3, 2, 4]); // [B, T', H'W', t, ppC]
    const grouped = tf.reshape(tubes, [b, n, pix, c]); // [B, N, t*p*p, C]
    const { mean, variance } = tf.moments(grouped, 2, true); // [B, N, 1, C]
    const normed = tf.div(tf.sub(grouped, mean), tf.sqrt(tf.add(variance, eps)));
    return tf.reshape(normed, [b, n, pix * c]); // [B, N, t*p*p*C]
  });
}
