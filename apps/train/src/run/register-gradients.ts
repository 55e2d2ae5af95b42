import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';

const MODULE = '@tensorflow/tfjs-core/dist/register_all_gradients';

/**
 * Registers tfjs's gradient functions (apps do this once; library packages never do). tfjs-core ships
 * them only as ESM files with extensionless imports, which Node cannot load directly: the built CLI
 * bundles them (see tsup.config.ts), under tsx/vitest they load through `require`. Checks the result.
 *
 * @example
 * await registerAllGradients();
 */
export async function registerAllGradients(): Promise<void> {
  if (tf.getGradient('BatchMatMul') !== undefined) return;
  try {
    await import('@tensorflow/tfjs-core/dist/register_all_gradients');
  } catch {
    createRequire(import.meta.url)(MODULE);
  }
  if (tf.getGradient('BatchMatMul') === undefined) throw new Error(`tfjs gradients did not register from ${MODULE}`);
}
