import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { TRAINING_GRADIENT_KERNELS, assertGradientsRegistered, gradientsRegistered, missingGradients } from './gradients';

describe('assertGradientsRegistered', () => {
  it('names the caller and the first kernel without a gradient, and passes once they are registered', async () => {
    const before = missingGradients();
    if (before.length > 0) {
      // tfjs-core alone (this project's tests load only it first) registers none
      expect(() => assertGradientsRegistered('Trainer.step')).toThrow(BackendError);
      expect(() => assertGradientsRegistered('Trainer.step')).toThrow(new RegExp(`Trainer.step: tfjs gradients: .*kernel "${before[0]}"`));
      expect(gradientsRegistered()).toBe(false);
    }
    await import('@tensorflow/tfjs-core/dist/register_all_gradients');
    expect(missingGradients()).toEqual([]);
    expect(gradientsRegistered()).toBe(true);
    expect(() => assertGradientsRegistered('trainProbe')).not.toThrow();
    expect(TRAINING_GRADIENT_KERNELS.every((k) => tf.getGradient(k) !== undefined)).toBe(true);
    expect(missingGradients(['NoSuchKernel'])).toEqual(['NoSuchKernel']);
  });
});
