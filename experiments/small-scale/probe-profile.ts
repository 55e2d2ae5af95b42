// Kernel-time breakdown of attentive-probe training on wasm (one epoch, 400 x 64 x 96 features).
import * as tf from '@tensorflow/tfjs-core';
import { setupBackend } from '@vjepa/backends';
import { AttentiveProbe, hostFeatures, trainProbe } from '@vjepa/probe';
await setupBackend((process.argv[2] ?? 'wasm') as 'wasm');
const bs = Number(process.argv[3] ?? 16);
const xt = tf.randomNormal([400, 64, 96], 0, 1, "float32", 1) as tf.Tensor3D; const x = hostFeatures(xt.dataSync() as Float32Array, [400, 64, 96]);
const y = Int32Array.from({ length: 400 }, (_, i) => i % 10);
const probe = new AttentiveProbe({ embedDim: 96, numHeads: 4, numClasses: 10, seed: 0 });
await trainProbe(probe, x, y, { epochs: 1, batchSize: bs, lr: 5e-3 });
const t0 = Date.now();
const prof = await tf.profile(async () => { await trainProbe(probe, x, y, { epochs: 1, batchSize: bs, lr: 5e-3 }); });
const wall = Date.now() - t0;
const by = new Map<string, { ms: number; n: number }>();
for (const k of prof.kernels) { const e = by.get(k.name) ?? { ms: 0, n: 0 }; e.ms += k.kernelTimeMs as number; e.n++; by.set(k.name, e); }
const rows = [...by].sort((a, b) => b[1].ms - a[1].ms);
console.log(`wall ${wall} ms for ${Math.ceil(400 / bs)} steps; kernels ${prof.kernels.length}; sum ${rows.reduce((s, r) => s + r[1].ms, 0).toFixed(0)} ms`);
for (const [name, e] of rows.slice(0, 25)) console.log(`${name.padEnd(24)} ${e.ms.toFixed(1).padStart(8)} ms  x${e.n}`);
const mm = new Map<string, { ms: number; n: number }>();
for (const k of prof.kernels) if (k.name === 'BatchMatMul' || k.name === 'Sum' || k.name === 'Transpose') { const key = `${k.name} ${JSON.stringify(k.inputShapes)} ${JSON.stringify(k.extraInfo ?? '')}`; const e = mm.get(key) ?? { ms: 0, n: 0 }; e.ms += k.kernelTimeMs as number; e.n++; mm.set(key, e); }
for (const [key, e] of [...mm].sort((a, b) => b[1].ms - a[1].ms).slice(0, 20)) console.log(`${e.ms.toFixed(1).padStart(8)} ms x${e.n} ${key}`);
