import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from '@vjepa/errors';

const MODULE = '@tensorflow/tfjs-core/dist/register_all_gradients';

/**
 * Registers tfjs's gradient functions once (training a probe differentiates it; library packages
 * never register them). tfjs-core ships them only as ESM with extensionless imports, which plain Node
 * cannot load: the built CLI bundles them (tsup `noExternal`), under tsx/vitest they load through
 * `require`.
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
  if (tf.getGradient('BatchMatMul') === undefined) {
    throw new BackendError('tfjs gradients', { expected: 'registered gradient functions', received: `none after loading ${MODULE}` });
  }
}
