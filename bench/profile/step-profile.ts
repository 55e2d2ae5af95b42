// Where one training step's time and memory go, on the patched wasm backend, for a benchmark
// workload (the reference objective: regularisers off). After the workload's warm-up steps, one
// step is instrumented by wrapping the tfjs engine (instance methods, nothing in the packages):
//  - every kernel the engine runs: name, phase, wall time, output bytes;
//  - the phase: target encoder (before the tape starts), forward on the tape, backward (+ gradient
//    norms and the loss read-back), AdamW (inside trainer.optimizer.applyGradients), EMA (after);
//  - every tensor the tape saves for the backward pass (engine.addTapeNode's `saved`), by kernel and
//    by what it is (attention N x N, q/k/v, MLP hidden, token features, ...), counted once per buffer;
//  - live tensor bytes after every kernel (peak), the wasm heap, and the process's peak RSS.
//
//   node --import tsx --conditions=@vjepa/source bench/profile/step-profile.ts <tiny|d192> [--dir workload] [--wasm-threads N]
//        [--eager-backprop] [--checkpoint-blocks]   (the memory prototypes in bench/memory)
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installEagerBackprop, memoryReport, setupBackend } from '@vjepa/backends';
import { createTrainer } from '@vjepa/trainer';
import { clipTensor, loadWorkload, replayMasks, trainerConfig } from '../lib/ours-setup';
import { readWorkload } from '../lib/workload';
import { checkpointBlocks } from '../memory/checkpoint-blocks';
import { enableThreadedWasm, finishThreadedWasm } from '../threads/threaded-wasm';

type Phase = 'target' | 'forward' | 'backward' | 'adamw' | 'ema';
interface KernelRecord {
  name: string;
  phase: Phase;
  ms: number;
  outBytes: number;
  inShapes: string;
  /** Run from inside another kernel (e.g. the Identity of a tensor the tape saves): its time is in the parent's. */
  nested: boolean;
}

/** Kernels that move or relabel data without arithmetic: per-call overhead and nothing else. */
export const CHURN_KERNELS = ['Identity', 'Reshape', 'Cast', 'ExpandDims', 'Squeeze', 'ZerosLike', 'OnesLike', 'Fill'];
/** Layout kernels: real copies (our patched Slice is a view when contiguous). */
export const LAYOUT_KERNELS = ['Transpose', 'Slice', 'SplitV', 'Concat', 'Pack', 'Unpack', 'GatherV2', 'Tile', 'BroadcastTo', 'UnsortedSegmentSum'];

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const argv = process.argv.slice(2);
const name = argv[0] ?? 'tiny';
const flag = (f: string) => (argv.indexOf(f) >= 0 ? argv[argv.indexOf(f) + 1] : undefined);
let dir = flag('--dir');
if (!dir) {
  dir = join(mkdtempSync(join(os.tmpdir(), 'vjepa-prof-')), name);
  const p = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=@vjepa/source', 'bench/ours-step.ts', 'prepare', dir, name, '0'], { cwd: root, encoding: 'utf8' });
  if (p.status !== 0) throw new Error(`prepare failed: ${p.stderr}`);
}
const threads = Number(flag('--wasm-threads') ?? 1);
if (threads > 1) await enableThreadedWasm({ threads });
await setupBackend('wasm');
finishThreadedWasm();
const variants = [argv.includes('--eager-backprop') && 'eager-backprop', argv.includes('--checkpoint-blocks') && 'checkpoint-blocks'].filter(Boolean);
if (argv.includes('--eager-backprop') || argv.includes('--checkpoint-blocks')) installEagerBackprop();
if (argv.includes('--checkpoint-blocks')) checkpointBlocks();
const w = readWorkload(dir);
const c = w.config;
const loaded = loadWorkload(dir, w);
const clips = loaded.clips.map((x) => clipTensor(x, 0, c.batchSize));
const trainer = createTrainer({ encoder: loaded.encoder, predictor: loaded.predictor, masking: replayMasks(loaded.masks), config: trainerConfig(c), seed: w.seed });
for (let s = 0; s < c.warmup; s++) await trainer.step(clips[s % clips.length]);

// ---- instrumentation (instance-level wrappers on the engine; removed after the step)
interface EngineInternals {
  state: { numBytes: number; gradientDepth: number };
  runKernelFunc(params: { kernelName?: string; inputs?: Record<string, tf.Tensor> }): tf.Tensor | tf.Tensor[];
  addTapeNode(kernelName: string, inputs: unknown, outputs: tf.Tensor[], gradientsFunc: unknown, saved: tf.Tensor[], attrs: unknown): void;
}
const engine = tf.engine() as unknown as EngineInternals;
const records: KernelRecord[] = [];
const saved = new Map<object, { kernel: string; shape: number[]; bytes: number }>();
let phase: Phase = 'target';
let depth = 0;
let peakBytes = 0;
const origRun = engine.runKernelFunc;
const origTape = engine.addTapeNode;
engine.runKernelFunc = function (this: EngineInternals, params) {
  const top = depth === 0;
  if (top && phase === 'target' && this.state.gradientDepth > 0) phase = 'forward';
  if (top && phase === 'forward' && this.state.gradientDepth === 0) phase = 'backward';
  depth++;
  const t0 = performance.now();
  try {
    const out = origRun.call(this, params);
    const outs = Array.isArray(out) ? out : [out];
    records.push({
      name: params.kernelName ?? 'customGrad',
      phase,
      ms: performance.now() - t0,
      outBytes: outs.reduce((a, t) => a + t.size * 4, 0),
      inShapes: JSON.stringify(Object.values(params.inputs ?? {}).map((t) => t.shape)),
      nested: !top,
    });
    if (top) peakBytes = Math.max(peakBytes, this.state.numBytes);
    return out;
  } finally {
    depth--;
  }
};
engine.addTapeNode = function (this: EngineInternals, kernelName, inputs, outputs, gradientsFunc, savedTensors, attrs) {
  for (const t of savedTensors ?? []) {
    if (!saved.has(t.dataId)) saved.set(t.dataId, { kernel: kernelName ?? 'customGrad', shape: t.shape, bytes: t.size * 4 });
  }
  return origTape.call(this, kernelName, inputs, outputs, gradientsFunc, savedTensors, attrs);
};
const apply = trainer.optimizer.applyGradients.bind(trainer.optimizer);
trainer.optimizer.applyGradients = (g) => {
  phase = 'adamw';
  apply(g);
  phase = 'ema';
};

const bytesBefore = engine.state.numBytes;
const t0 = performance.now();
const m = await trainer.step(clips[c.warmup % clips.length]);
const lossesNote = `step ${c.warmup} loss ${m.loss.toFixed(7)} (the plain step's is in the bench's PyTorch/ours loss lists, index ${c.warmup})`;
const wall = performance.now() - t0;
engine.runKernelFunc = origRun;
engine.addTapeNode = origTape;

// ---- report
const f1 = (x: number) => x.toFixed(1);
const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
const topLevel = (r: KernelRecord) => (r.nested ? 0 : r.ms);
const kernelMs = records.reduce((a, r) => a + topLevel(r), 0);
const nestedCount = records.filter((r) => r.nested).length;
console.log(
  `# ${name}: one step after ${c.warmup} warm-up steps, patched wasm (${threads} thread${threads > 1 ? 's' : ''})` +
    `${variants.length ? `, with ${variants.join(' + ')}` : ''}; ${os.cpus()[0]?.model} x ${os.cpus().length}; ` +
    `load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
);
console.log(
  `step wall ${f1(wall)} ms (instrumented), ${records.length} kernels (${nestedCount} of them run from inside another kernel, ` +
    `e.g. the Identity that clones each tensor the tape saves), kernel time ${f1(kernelMs)} ms, loss ${m.loss.toFixed(6)}`,
);
console.log('\n| phase | kernels | kernel ms |\n| --- | --- | --- |');
for (const p of ['target', 'forward', 'backward', 'adamw', 'ema'] as Phase[]) {
  const rs = records.filter((r) => r.phase === p);
  console.log(`| ${p} | ${rs.length} | ${f1(rs.reduce((a, r) => a + topLevel(r), 0))} |`);
}
const byName = new Map<string, { n: number; ms: number }>();
for (const r of records) {
  const e = byName.get(r.name) ?? { n: 0, ms: 0 };
  e.n++;
  e.ms += topLevel(r);
  byName.set(r.name, e);
}
console.log('\n| kernel | count | ms | share of kernel time |\n| --- | --- | --- | --- |');
for (const [k, e] of [...byName].sort((a, b) => b[1].ms - a[1].ms).slice(0, 18)) {
  console.log(`| ${k} | ${e.n} | ${f1(e.ms)} | ${((100 * e.ms) / kernelMs).toFixed(1)}% |`);
}
const sumOf = (names: string[]) =>
  names.reduce((a, k) => ({ n: a.n + (byName.get(k)?.n ?? 0), ms: a.ms + (byName.get(k)?.ms ?? 0) }), { n: 0, ms: 0 });
const churn = sumOf(CHURN_KERNELS);
const layout = sumOf(LAYOUT_KERNELS);
console.log(
  `\nchurn kernels (${CHURN_KERNELS.join(', ')}): ${churn.n} of ${records.length} (${f1(churn.ms)} ms); ` +
    CHURN_KERNELS.filter((k) => byName.has(k)).map((k) => `${k} x${byName.get(k)!.n}`).join(', '),
);
console.log(
  `layout kernels (${LAYOUT_KERNELS.join(', ')}): ${layout.n} (${f1(layout.ms)} ms); ` +
    LAYOUT_KERNELS.filter((k) => byName.has(k)).map((k) => `${k} x${byName.get(k)!.n}`).join(', '),
);
const phases: Phase[] = ['target', 'forward', 'backward', 'adamw', 'ema'];
for (const k of [...CHURN_KERNELS, 'Multiply', 'Add', 'Sum']) {
  if (!byName.has(k)) continue;
  const parts = phases.map((p) => `${p} ${records.filter((r) => r.name === k && r.phase === p).length}`);
  console.log(`  ${k} by phase: ${parts.join(', ')}`);
}
const small = records.filter((r) => r.outBytes <= 4 * 1024);
console.log(`kernels with outputs <= 4 KiB (scalars, per-parameter-tensor optimizer math on biases/norms): ${small.length} (${f1(small.reduce((a, r) => a + topLevel(r), 0))} ms)`);
const byShape = new Map<string, { n: number; ms: number }>();
for (const r of records) {
  const k = `${r.name} ${r.inShapes}`;
  const e = byShape.get(k) ?? { n: 0, ms: 0 };
  e.n++;
  e.ms += topLevel(r);
  byShape.set(k, e);
}
console.log('\ntop kernels by input shapes:');
for (const [k, e] of [...byShape].sort((a, b) => b[1].ms - a[1].ms).slice(0, 12)) console.log(`  ${f1(e.ms).padStart(7)} ms x${e.n} ${k}`);

// Saved for backward: what autograd keeps from the forward until the backward has used it.
const hd = c.embedDim / c.numHeads;
const phd = c.predEmbedDim / c.predNumHeads;
function category(shape: number[]): string {
  const last = shape[shape.length - 1];
  if (shape.length === 4 && last !== hd && last !== phd) return 'attention scores / probabilities [B, H, N, N]';
  if (shape.length >= 4) return 'q, k, v, heads [B, H, N, hd] / [3, B, H, N, hd]';
  if (last === 4 * c.embedDim || last === 4 * c.predEmbedDim) return 'MLP hidden (4D) pre/post GELU';
  if (last === 3 * c.embedDim || last === 3 * c.predEmbedDim) return 'qkv projection output [., 3D]';
  if (last === c.embedDim || last === c.predEmbedDim) return 'token features [., D] (block inputs, LN, residual)';
  if (shape.length === 0 || shape.reduce((a, b) => a * b, 1) <= 1024) return 'small (scalars, LN statistics, parameters)';
  return `other (${c.tubeletSize * c.patchSize * c.patchSize * 3}-wide patches, indices, ...)`;
}
const byCat = new Map<string, { n: number; bytes: number }>();
const bySavedKernel = new Map<string, { n: number; bytes: number }>();
let savedBytes = 0;
for (const s of saved.values()) {
  savedBytes += s.bytes;
  for (const [map, key] of [[byCat, category(s.shape)], [bySavedKernel, s.kernel]] as const) {
    const e = map.get(key) ?? { n: 0, bytes: 0 };
    e.n++;
    e.bytes += s.bytes;
    map.set(key, e);
  }
}
const mem = memoryReport();
console.log(`\nmemory: tensors before the step ${mib(bytesBefore)} (weights x3 incl. EMA target, AdamW moments, clips); peak live tensor bytes during the step ${mib(peakBytes)}`);
console.log(
  `saved for backward (distinct buffers saved over the step; with tfjs's stock backward all of them are alive together at its end, ` +
    `with --eager-backprop / --checkpoint-blocks they are freed as used): ${mib(savedBytes)} in ${saved.size} buffers`,
);
console.log('| saved tensor kind | buffers | MiB |\n| --- | --- | --- |');
for (const [k, e] of [...byCat].sort((a, b) => b[1].bytes - a[1].bytes)) console.log(`| ${k} | ${e.n} | ${f1(e.bytes / 2 ** 20)} |`);
console.log('| saved by kernel | buffers | MiB |\n| --- | --- | --- |');
for (const [k, e] of [...bySavedKernel].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 10)) console.log(`| ${k} | ${e.n} | ${f1(e.bytes / 2 ** 20)} |`);
console.log(lossesNote);
console.log(`wasm heap ${mib(mem.wasmHeapBytes ?? 0)} (grows only: its peak); process peak RSS ${mib(process.resourceUsage().maxRSS * 1024)}; tfjs live bytes now ${mib(mem.numBytes)}`);
process.exit(0);
