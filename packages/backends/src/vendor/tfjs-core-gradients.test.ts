import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_FILE, bundleTfjsGradients } from '../../scripts/bundle-tfjs-gradients.mjs';
import { registerGradients } from '../gradients';

/** The kernels tfjs-core's own register_all_gradients.js registers a gradient for (one file per kernel). */
function coreGradientKernels(): string[] {
  const file = createRequire(import.meta.url).resolve('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  return [...readFileSync(file, 'utf8').matchAll(/from '\.\/gradients\/(\w+)_grad'/g)].map((m) => m[1]);
}

describe('the bundled tfjs-core gradients', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    await registerGradients();
  });

  it('is the bundle of the installed tfjs-core (regenerate with scripts/bundle-tfjs-gradients.mjs otherwise)', async () => {
    const committed = readFileSync(BUNDLE_FILE, 'utf8');
    expect(committed).toContain(`tfjs-core-version: ${tf.version_core}`);
    expect((await bundleTfjsGradients()) === committed).toBe(true);
  });

  it('registers a gradient for every kernel tfjs-core has one for, and the chained tensor methods', () => {
    const kernels = coreGradientKernels();
    expect(kernels.length).toBeGreaterThan(100);
    expect(kernels.filter((k) => tf.getGradient(k) === undefined)).toEqual([]);
    const x = tf.tensor1d([1, 2, 3]);
    // the chained methods' types come with tfjs-core's register_all_chained_ops, which is not imported here
    const chained = x as unknown as { square?: () => { sum: () => tf.Tensor } };
    expect(typeof chained.square).toBe('function');
    const y = chained.square!().sum();
    expect(y.dataSync()[0]).toBe(14);
    tf.dispose([x, y]);
  });

  it('uses the one engine of the installed tfjs-core (no second engine, no leaked tensors)', () => {
    expect(tf.engine()).toBe((globalThis as { _tfengine?: unknown })._tfengine);
    const v = tf.tensor1d([1, -2]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(x, x)))(v);
      expect(Array.from(g.dataSync())).toEqual([2, -4]);
      g.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    v.dispose();
  });

  it('loads in plain Node ESM (no loader, no bundler) and makes tf.grad work there', () => {
    const bundle = fileURLToPath(new URL('./tfjs-core-gradients.js', import.meta.url));
    const script = [
      "import * as tf from '@tensorflow/tfjs-core';",
      "import '@tensorflow/tfjs-backend-cpu';",
      `await import(${JSON.stringify(bundle)});`,
      "await tf.setBackend('cpu');",
      'const g = tf.grad((x) => tf.sum(tf.square(x)))(tf.tensor1d([1, 2, 3]));',
      'console.log(JSON.stringify(Array.from(g.dataSync())), tf.engine() === globalThis._tfengine);',
    ].join('\n');
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('.', import.meta.url)), encoding: 'utf8' });
    expect(out.trim().split('\n').at(-1)).toBe('[2,4,6] true');
  });
});
