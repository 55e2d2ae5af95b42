// GFLOP/s of wasm matmul per case, stock kernel vs the patched one, median of several runs.
//
//   cd packages/backends
//   ../../node_modules/.bin/tsx --conditions=@vjepa/source bench/matmul.ts [runs]
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import os from 'node:os';
import { patchWasmForTraining, restoreStockWasmKernels } from '../src/index';

const runs = Math.max(1, Number(process.argv[2] ?? 7));
// [label, a shape, b shape, transposeA, transposeB]: the products of one ViT-S block step.
const cases: [string, number[], number[], boolean, boolean][] = [
  ['2-D [2048,768]@[768,192]', [2048, 768], [768, 192], false, false],
  ['2-D transposeB (grad wrt input)', [2048, 768], [192, 768], false, true],
  ['2-D transposeA (grad wrt weight)', [2048, 768], [2048, 192], true, false],
  ['batched [24,256,64]@[24,64,256]', [24, 256, 64], [24, 64, 256], false, false],
  ['batched transposeB (q k^T)', [24, 256, 64], [24, 256, 64], false, true],
];

function flops(a: number[], b: number[], tA: boolean, tB: boolean): number {
  const batch = a.length === 3 ? a[0] : 1;
  const m = tA ? a.at(-1)! : a.at(-2)!;
  const k = tA ? a.at(-2)! : a.at(-1)!;
  const n = tB ? b.at(-2)! : b.at(-1)!;
  return 2 * batch * m * k * n;
}

async function gflops(a: tf.Tensor, b: tf.Tensor, tA: boolean, tB: boolean): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r <= runs; r++) {
    const t0 = performance.now();
    const c = tf.matMul(a, b, tA, tB);
    await c.data();
    const t1 = performance.now();
    c.dispose();
    if (r > 0) times.push(t1 - t0);
  }
  times.sort((x, y) => x - y);
  return flops(a.shape, b.shape, tA, tB) / (times[Math.floor(times.length / 2)] / 1000) / 1e9;
}

await tf.setBackend('wasm');
console.log(`wasm matmul GFLOP/s, median of ${runs}; ${os.cpus()[0]?.model ?? ''} x ${os.cpus().length}, Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
for (const [label, as, bs, tA, tB] of cases) {
  const a = tf.randomUniform(as);
  const b = tf.randomUniform(bs);
  restoreStockWasmKernels();
  const stock = await gflops(a, b, tA, tB);
  patchWasmForTraining();
  const patched = await gflops(a, b, tA, tB);
  console.log(`${label.padEnd(34)} stock ${stock.toFixed(1).padStart(6)}   patched ${patched.toFixed(1).padStart(6)}   x${(patched / stock).toFixed(1)}`);
  tf.dispose([a, b]);
}
