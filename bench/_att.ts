import * as tf from '@tensorflow/tfjs-core';
import { setupBackend } from '@vjepa/backends';
await setupBackend('wasm');
function cpuMs(f: () => void, reps: number): number {
  f();
  const c0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / reps;
}
for (const [B, H, N, hd] of [[8, 4, 64, 16], [16, 3, 256, 64]]) {
  const q = tf.randomNormal([B, H, N, hd]); const k = tf.randomNormal([B, H, N, hd]); const v = tf.randomNormal([B, H, N, hd]);
  const scale = 1 / Math.sqrt(hd);
  const fwd = () => { const [o, l] = tf.engine().runKernel('VjepaFusedAttention', { q, k, v }, { scale }) as tf.Tensor[]; o.dispose(); l.dispose(); };
  const [o, l] = tf.engine().runKernel('VjepaFusedAttention', { q, k, v }, { scale }) as tf.Tensor[];
  const bwd = () => tf.dispose(tf.engine().runKernel('VjepaFusedAttentionGrad', { q, k, v, out: o, lse: l, dy: o }, { scale }) as tf.Tensor[]);
  const comp = () => tf.tidy(() => { tf.matMul(tf.softmax(tf.mul(tf.matMul(q, k, false, true), scale)), v); });
  const compG = () => tf.tidy(() => { tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.matMul(tf.softmax(tf.mul(tf.matMul(a, b, false, true), scale)), c)))([q, k, v]); });
  const reps = N > 100 ? 3 : 20;
  console.log(`[${B},${H},${N},${hd}] fused fwd ${cpuMs(fwd, reps).toFixed(2)} ms, bwd ${cpuMs(bwd, reps).toFixed(2)} ms; composed fwd ${cpuMs(comp, reps).toFixed(2)} ms, fwd+bwd ${cpuMs(compG, reps).toFixed(2)} ms`);
}
