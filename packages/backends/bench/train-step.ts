// One transformer block train step (token gather, L1 loss, Adam) on cpu, stock wasm and patched
// wasm: median of several runs per setting and ratios against cpu measured in the same run.
//
//   cd packages/backends
//   ../../node_modules/.bin/tsx --conditions=@vjepa/source bench/train-step.ts [runs] [cpuRuns]
//
// Shapes of docs/backends.md: B 8, N 256, D 192, 3 heads, MLP 768, 64 gathered tokens.
// The block is written inline with tf ops in ./transformer-block.ts, not imported from @vjepa/vit.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import os from 'node:os';
import { patchWasmForTraining, registerGradients, restoreStockWasmKernels, type WasmPatchOptions } from '../src/index';
import { B, D, H, K, MLP, N, blockLoss, disposeBlock, makeBlock } from './transformer-block';

const runs = Math.max(1, Number(process.argv[2] ?? 5));
// cpu takes ~10-100x longer per step; a second argument lowers its run count.
const cpuRuns = Math.max(1, Number(process.argv[3] ?? runs));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(backend: string, patches: WasmPatchOptions | 'stock' | null): Promise<{ ms: number[]; loss: number[] } | string> {
  await tf.setBackend(backend);
  if (patches === 'stock') restoreStockWasmKernels();
  else if (patches !== null) patchWasmForTraining(patches);
  const m = makeBlock();
  const opt = tf.train.adam(1e-3);
  const ms: number[] = [];
  const losses: number[] = [];
  try {
    const n = backend === 'cpu' ? cpuRuns : runs;
    for (let r = 0; r <= n; r++) {
      const t0 = performance.now();
      const cost = opt.minimize(() => blockLoss(m), true, m.params)!;
      const value = (await cost.data())[0];
      const t1 = performance.now();
      cost.dispose();
      if (r > 0) ms.push(t1 - t0); // run 0 warms up (kernel setup, XNNPACK packing, heap growth)
      losses.push(value);
    }
  } catch (e) {
    return (e instanceof Error ? e.message : String(e)).split('\n')[0];
  } finally {
    opt.dispose();
    disposeBlock(m);
  }
  return { ms, loss: losses };
}

const settings: [label: string, backend: string, patches: WasmPatchOptions | 'stock' | null][] = [
  ['cpu', 'cpu', null],
  ['wasm stock (no UnsortedSegmentSum)', 'wasm', 'stock'],
  ['wasm stock + JS UnsortedSegmentSum (USS)', 'wasm', { segmentSum: true, matMul: false, slice: false, transpose: false }],
  ['wasm + USS + Slice', 'wasm', { segmentSum: true, matMul: false, slice: true, transpose: false }],
  ['wasm + USS + Transpose', 'wasm', { segmentSum: true, matMul: false, slice: false, transpose: true }],
  ['wasm + USS + BatchMatMul', 'wasm', { segmentSum: true, matMul: true, slice: false, transpose: false }],
  ['wasm patched (all four)', 'wasm', {}],
];

await registerGradients(); // tfjs-core's Node entry registers none
console.log(`train step, one block: B ${B} N ${N} D ${D} heads ${H} MLP ${MLP} gathered ${K}; median of ${runs} runs (cpu: ${cpuRuns}) after 1 warm-up`);
console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown cpu'} x ${os.cpus().length}, Node ${process.version}, tfjs ${tf.version_core}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
let cpuMs = NaN;
for (const [label, backend, patches] of settings) {
  const result = await measure(backend, patches);
  if (typeof result === 'string') {
    console.log(`${label.padEnd(42)} fails: ${result}`);
    continue;
  }
  const med = median(result.ms);
  if (backend === 'cpu') cpuMs = med;
  const first = result.loss[0].toFixed(4);
  const last = result.loss.at(-1)!.toFixed(4);
  console.log(
    `${label.padEnd(42)} ${(med / 1000).toFixed(3).padStart(7)} s   x${(cpuMs / med).toFixed(1).padStart(5)} vs cpu   runs [${result.ms.map((t) => (t / 1000).toFixed(2)).join(' ')}] s   loss ${first} -> ${last}`,
  );
}
