// Kernel-time breakdown of the tiny-cpu train step on patched wasm (tf.profile over 10 steps).
//   node --import tsx --conditions=@vjepa/source experiments/small-scale/train-profile.ts [objective]
import * as tf from '@tensorflow/tfjs-core';
import { setupBackend } from '@vjepa/backends';
import type { ClipBatch } from '@vjepa/data';
import { createBatchSource, createTrainingSession, loadConfig, runPaths, strategyForConfig } from '@vjepa/run';
await setupBackend('wasm');
const config = loadConfig({ set: [`meta.objective=${process.argv[2] ?? 'features'}`, 'logging.folder=/tmp/exp/prof-run'] });
const strategy = await strategyForConfig(config);
const data = await createBatchSource(config, () => {});
const session = createTrainingSession(config, strategy, runPaths(config).checkpoints);
for (let s = 0; s < 5; s++) await session.step(await data.batch(s));
const batches: ClipBatch[] = [];
for (let s = 5; s < 15; s++) batches.push(await data.batch(s));
const t0 = performance.now();
const prof = await tf.profile(async () => { for (const b of batches) await session.step(b); });
const wall = performance.now() - t0;
const by = new Map<string, { ms: number; n: number }>();
const byShape = new Map<string, { ms: number; n: number }>();
for (const k of prof.kernels) {
  for (const [m, key] of [[by, k.name], [byShape, `${k.name} ${JSON.stringify(k.inputShapes)}`]] as const) {
    const e = m.get(key) ?? { ms: 0, n: 0 }; e.ms += k.kernelTimeMs as number; e.n++; m.set(key, e);
  }
}
const sum = [...by.values()].reduce((s, e) => s + e.ms, 0);
console.log(`wall ${(wall / 10).toFixed(1)} ms/step, kernel sum ${(sum / 10).toFixed(1)} ms/step, ${prof.kernels.length / 10} kernels/step`);
for (const [name, e] of [...by].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15)) console.log(`${name.padEnd(24)} ${(e.ms / 10).toFixed(2).padStart(8)} ms/step  x${e.n / 10}`);
console.log('--- by shape');
for (const [name, e] of [...byShape].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) console.log(`${(e.ms / 10).toFixed(2).padStart(8)} ms/step x${e.n / 10} ${name}`);
session.dispose();
