import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { gradientsRegistered, registerGradients } from './gradients';
import { setupBackend } from './setup-backend';

describe('registerGradients', () => {
  it('makes tf.grad work through the kernels a training step uses, without changing the backend', async () => {
    await setupBackend('wasm', { gradients: false });
    await registerGradients();
    expect(gradientsRegistered()).toBe(true);
    expect(tf.getBackend()).toBe('wasm');
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, x, false, true))))(tf.tensor2d([1, 2, 3, 4], [2, 2]));
    // d/dx sum((x x^T)^2) = 4 (x x^T) x for symmetric x x^T.
    expect(Array.from(await g.data())).toEqual([4 * (5 * 1 + 11 * 3), 4 * (5 * 2 + 11 * 4), 4 * (11 * 1 + 25 * 3), 4 * (11 * 2 + 25 * 4)]);
    g.dispose();
  });

  it('is done by setupBackend by default', async () => {
    await setupBackend('cpu');
    expect(gradientsRegistered()).toBe(true);
  });
});
