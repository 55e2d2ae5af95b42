import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '@vjepa/errors';

/**
 * Converts an official channels-first clip `[B, C, T, H, W]` (or image `[B, C, H, W]`) to the
 * channels-last layout the models take (`[B, T, H, W, C]` / `[B, H, W, C]`).
 *
 * @example
 * const x = channelsFirstToLast(tf.zeros([2, 3, 4, 32, 32])); // [2, 4, 32, 32, 3]
 */
export function channelsFirstToLast(x: tf.Tensor): tf.Tensor {
  if (x.rank === 5) return tf.transpose(x, [0, 2, 3, 4, 1]);
  if (x.rank === 4) return tf.transpose(x, [0, 2, 3, 1]);
  throw new ShapeError('channelsFirstToLast input', { expected: 'rank 5 [B, C, T, H, W] or rank 4 [B, C, H, W]', received: `[${x.shape.join(', ')}]` });
}

/**
 * Images as video: repeats an image batch `[B, H, W, C]` along a new time axis to `[B, T, H, W, C]`
 * (the reference evaluates images as 16-frame clips this way).
 *
 * @example
 * const clip = imageAsVideo(images, 16); // [B, 16, H, W, 3]
 */
export function imageAsVideo(images: tf.Tensor, numFrames: number): tf.Tensor {
  if (images.rank !== 4) {
    throw new ShapeError('imageAsVideo images', { expected: 'rank 4 [B, H, W, C]', received: `[${images.shape.join(', ')}]` });
  }
  if (!Number.isInteger(numFrames) || numFrames <= 0) {
    throw new ShapeError('imageAsVideo numFrames', { expected: 'a positive integer', received: String(numFrames) });
  }
  return tf.tidy(() => {
    const [b, h, w, c] = images.shape;
    return tf.tile(tf.reshape(images, [b, 1, h, w, c]), [1, numFrames, 1, 1, 1]); // [B, T, H, W, C]
  });
}
