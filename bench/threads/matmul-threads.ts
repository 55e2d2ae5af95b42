// GFLOP/s of the wasm matmul kernels at 1 thread (stock single-threaded SIMD build) or N threads
// (the threaded SIMD build through ./threaded-wasm.ts). One process per setting:
//   node_modules/.bin/tsx --conditions=@vjepa/source bench/threads/matmul-threads.ts [threads] [runs]
import * as tf from '@tensorflow/tfjs-core';
import os from 'node:os';
import { describeBackend, setupBackend } from '@vjepa/backends';
import { enableThreadedWasm, finishThreadedWasm, threadedWasmWorkers } from './threaded-wasm';

const threads = Number(process.argv[2] ?? 1);
const runs = Number(process.argv[3] ?? 9);
if (threads > 1) await enableThreadedWasm({ threads });
await setupBackend('wasm');
finishThreadedWasm();
const cases: [string, number[], number[], boolean, boolean][] = [
  ['2-D [2048,768]@[768,192]', [2048, 768], [768, 192], false, false],
  ['2-D [512,96]@[96,384] (tiny MLP)', [512, 96], [96, 384], false, false],
  ['2-D transposeA (grad wrt weight)', [2048, 768], [2048, 192], true, false],
  ['batched [64,64,24]@[64,24,64] (tiny attn)', [64, 64, 24], [64, 24, 64], false, false],
  ['batched [48,512,32]@[48,32,512] (D192 attn)', [48, 512, 32], [48, 32, 512], false, false],
];
const flops = (a: number[], b: number[], tA: boolean, tB: boolean) =>
  2 * (a.length === 3 ? a[0] : 1) * (tA ? a.at(-1)! : a.at(-2)!) * (tA ? a.at(-2)! : a.at(-1)!) * (tB ? b.at(-2)! : b.at(-1)!);
console.log(`${(await describeBackend()).summary}; pthread workers started: ${threadedWasmWorkers()}; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
for (const [label, as, bs, tA, tB] of cases) {
  const a = tf.randomUniform(as);
  const b = tf.randomUniform(bs);
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let r = 0; r <= runs; r++) {
    const t0 = performance.now();
    const c = tf.matMul(a, b, tA, tB);
    await c.data();
    if (r > 0) times.push(performance.now() - t0);
    c.dispose();
  }
  // Process CPU time over wall time: above 1 only if more than one thread computed at once.
  const cpu = process.cpuUsage(cpu0);
  const busy = (cpu.user + cpu.system) / 1000 / (performance.now() - wall0);
  times.sort((x, y) => x - y);
  const ms = times[Math.floor(times.length / 2)];
  console.log(`${label.padEnd(44)} ${(flops(as, bs, tA, tB) / ms / 1e6).toFixed(1).padStart(7)} GFLOP/s  (${ms.toFixed(2)} ms)  cpu/wall ${busy.toFixed(2)}`);
  tf.dispose([a, b]);
}
process.exit(0);
