import * as tf from '@tensorflow/tfjs-core';
import { setupBackend } from '@vjepa/backends';
import { AttentiveProbe, trainProbe } from '@vjepa/probe';

const backend = process.argv[2] ?? 'wasm';
const batch = Number(process.argv[3] ?? 16);
await setupBackend(backend as 'wasm');
const n = 400, tokens = 64, d = 96;
const x = tf.randomNormal([n, tokens, d], 0, 1, 'float32', 1);
const y = new Int32Array(n).map((_, i) => i % 8);
for (const epochs of [1, 3]) {
  const probe = new AttentiveProbe({ embedDim: d, numHeads: 4, numClasses: 8, seed: 0 });
  const t0 = performance.now();
  await trainProbe(probe, x, y, { epochs, batchSize: batch, lr: 5e-3, seed: 0 });
  const ms = performance.now() - t0;
  console.log(`${backend} batch ${batch} epochs ${epochs}: ${(ms / 1000).toFixed(2)} s, ${(ms / (epochs * Math.ceil(n / batch))).toFixed(1)} ms/step`);
  probe.dispose();
}
