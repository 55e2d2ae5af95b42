import * as tf from '@tensorflow/tfjs-core';
import { setupBackend } from '@vjepa/backends';
await setupBackend('wasm');
function bench(name: string, m: number, k: number, n: number, f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, a: tf.Tensor, b: tf.Tensor) {
  const N = 50;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    for (let i = 0; i < N; i++) f(a, b).dispose();
    const dt = (performance.now() - t0) / N;
    if (r === 2) console.log(name, `${dt.toFixed(3)} ms`, `${((2 * m * k * n) / dt / 1e6).toFixed(1)} GFLOP/s`);
  }
}
for (const [m, k, n] of [[512, 96, 384], [512, 384, 96], [2048, 192, 768], [2048, 768, 192], [160, 96, 288]]) {
  const a = tf.randomNormal([m, k]); const b = tf.randomNormal([k, n]); const bt = tf.randomNormal([n, k]);
  const at = tf.randomNormal([k, m]);
  bench(`[${m},${k}]@[${k},${n}] same b`, m, k, n, (x, y) => tf.matMul(x, y), a, b);
  bench(`  new b each call (clone)`, m, k, n, (x, y) => { const c = tf.clone(y); const o = tf.matMul(x, c); c.dispose(); return o; }, a, b);
  bench(`  transposeB`, m, k, n, (x, y) => tf.matMul(x, y, false, true), a, bt);
  bench(`  transposeA`, m, k, n, (x, y) => tf.matMul(x, y, true, false), at, b);
}
