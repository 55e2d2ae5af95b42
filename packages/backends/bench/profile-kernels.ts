// Where the time of one patched-wasm train step goes, per kernel and input shapes (tf.profile).
//
//   cd packages/backends
//   ../../node_modules/.bin/tsx --conditions=@vjepa/source bench/profile-kernels.ts [stock]
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { patchWasmForTraining, registerGradients } from '../src/index';
import { blockLoss, disposeBlock, makeBlock } from './transformer-block';

await registerGradients(); // tfjs-core's Node entry registers none
await tf.setBackend('wasm');
const stock = process.argv[2] === 'stock';
patchWasmForTraining(stock ? { matMul: false, slice: false, transpose: false } : {});
const m = makeBlock();
const opt = tf.train.adam(1e-3);
opt.minimize(() => blockLoss(m), false, m.params); // warm-up
const info = await tf.profile(() => {
  opt.minimize(() => blockLoss(m), false, m.params);
});
const byKernel = new Map<string, number>();
for (const k of info.kernels) {
  const key = `${k.name} ${JSON.stringify(k.inputShapes)}`;
  byKernel.set(key, (byKernel.get(key) ?? 0) + (k.kernelTimeMs as number));
}
const total = [...byKernel.values()].reduce((a, b) => a + b, 0);
console.log(`${stock ? 'stock wasm (+ UnsortedSegmentSum)' : 'patched wasm'}: ${total.toFixed(0)} ms in ${info.kernels.length} kernel calls; top 20:`);
for (const [key, ms] of [...byKernel.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${ms.toFixed(1).padStart(8)} ms  ${key}`);
opt.dispose();
disposeBlock(m);
