import { gradientsRegistered } from '@vjepa/optim';

// The check itself is @vjepa/optim's (the one the trainer and the probe training use).
export { gradientsRegistered };

/**
 * Registers every tfjs gradient (and the chained tensor methods such as `t.sum()`), which
 * `@tensorflow/tfjs-core` alone does not under Node: its Node entry registers none, and its ESM files
 * that do (`dist/register_all_gradients.js`) cannot be loaded by plain Node or tsx (extensionless
 * imports). This imports `./vendor/tfjs-core-gradients.js`, those same tfjs-core files bundled by
 * `scripts/bundle-tfjs-gradients.mjs` (about 370 kB, no `@tensorflow/tfjs` union), which register on
 * the installed tfjs-core's engine and leave the active backend alone. Works in plain Node ESM, tsx,
 * vitest and bundlers. Called by `setupBackend` unless `{ gradients: false }`.
 *
 * @example
 * await registerGradients();
 * const g = tf.grad((x: tf.Tensor) => tf.sum(tf.square(x)))(tf.ones([3]));
 */
export async function registerGradients(): Promise<void> {
  if (gradientsRegistered()) return;
  await import('./vendor/tfjs-core-gradients.js');
}
