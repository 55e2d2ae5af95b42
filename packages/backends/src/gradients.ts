import { gradientsRegistered } from '@vjepa/optim';

// The check itself is @vjepa/optim's (the one the trainer and the probe training use).
export { gradientsRegistered };

/**
 * Registers every tfjs gradient (and the chained tensor methods such as `t.sum()`), which
 * `@tensorflow/tfjs-core` alone does not: its Node entry registers none, and its ESM files that do
 * cannot be loaded by plain Node (extensionless imports). It imports the `@tensorflow/tfjs` union,
 * which registers them on the shared engine (and the cpu backend; it does not change the active
 * backend). Called by `setupBackend` unless `{ gradients: false }`. Costs ~0.4 s once.
 *
 * @example
 * await registerGradients();
 * const g = tf.grad((x: tf.Tensor) => tf.sum(tf.square(x)))(tf.ones([3]));
 */
export async function registerGradients(): Promise<void> {
  if (gradientsRegistered()) return;
  await import('@tensorflow/tfjs');
}
