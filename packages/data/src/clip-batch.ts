/**
 * The one clip-batch layout of the project, from data to trainer and eval: channels-last float32
 * `[B, T, H, W, 3]`, row-major (the models take it as is; official `[B, 3, T, H, W]` arrays are
 * converted on reading). The loader's `Batch` is one, with labels and indices added.
 *
 * @example
 * const batch: ClipBatch = { clips: new Float32Array(2 * 8 * 32 * 32 * 3), shape: [2, 8, 32, 32, 3] };
 * const x = tf.tensor(batch.clips, batch.shape, 'float32');
 */
export interface ClipBatch {
  /** `[B, T, H, W, 3]` row-major. */
  clips: Float32Array;
  shape: [number, number, number, number, number];
}
