// One data-parallel replica (a worker thread): its own tfjs engine and wasm heap, its own copy of
// the model, rows [rank*B/R, (rank+1)*B/R) of every batch and of every step's masks. It runs the
// project's real `trainer.step`; the only change is that `trainer.optimizer.applyGradients` first
// averages the gradients with the other replicas through shared memory (./all-reduce.ts), so every
// replica applies the same full-batch AdamW update, then the same EMA.
//
// Exact for the reference objective: the loss is a mean over [B, Kt, D] with the same Kt for every
// sample, so the mean of the replicas' half-batch losses (and gradients) is the full-batch one.
import * as tf from '@tensorflow/tfjs-core';
import { parentPort, workerData } from 'node:worker_threads';
import { setupBackend } from '@vjepa/backends';
import { createTrainer } from '@vjepa/trainer';
import { clipTensor, loadWorkload, replayMasks, sliceRows, trainerConfig } from '../lib/ours-setup';
import { readWorkload } from '../lib/workload';
import { AllReduce } from './all-reduce';

/** What the coordinator hands each replica. */
export interface ReplicaInput {
  dir: string;
  rank: number;
  replicas: number;
  sab: SharedArrayBuffer;
  size: number;
}

/** What a replica reports when done. */
export interface ReplicaOutput {
  rank: number;
  stepMs: number[];
  allReduceMs: number[];
  losses: number[];
  /** Process CPU time (all replicas) per timed step, measured by this replica. */
  cpuMsPerStep: number;
  /** FNV-1a over the bytes of every encoder, predictor, target-encoder and AdamW-moment value. */
  stateHash: string;
  wasmHeapBytes: number;
}

function fnv1a(hash: number, bytes: Uint8Array): number {
  let h = hash;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 16777619) >>> 0;
  return h;
}

const input = workerData as ReplicaInput;
const { dir, rank, replicas } = input;
await setupBackend('wasm');
const w = readWorkload(dir);
const c = w.config;
if (c.batchSize % replicas !== 0) throw new Error(`batch ${c.batchSize} does not split into ${replicas} equal parts`);
const per = c.batchSize / replicas;
const [from, to] = [rank * per, (rank + 1) * per];
const loaded = loadWorkload(dir, w);
const { encoder, predictor } = loaded;
const masks = loaded.masks.map((pairs) => pairs.map((p) => ({ context: sliceRows(p.context, from, to), target: sliceRows(p.target, from, to) })));
const clips = loaded.clips.map((x) => clipTensor(x, from, to)); // [B/R, T, H, W, 3]
const trainer = createTrainer({ encoder, predictor, masking: replayMasks(masks), config: trainerConfig(c), seed: w.seed });

const ar = new AllReduce(input.sab, rank, replicas, input.size);
const allReduceMs: number[] = [];
const apply = trainer.optimizer.applyGradients.bind(trainer.optimizer);
trainer.optimizer.applyGradients = (grads) => {
  const t0 = performance.now();
  const map = grads instanceof Map ? grads : new Map(Object.entries(grads));
  const names = [...map.keys()].sort();
  const slot = ar.slot();
  let off = 0;
  for (const n of names) {
    const g = map.get(n)!.dataSync() as Float32Array;
    slot.set(g, off);
    off += g.length;
  }
  if (off !== input.size) throw new Error(`replica ${rank}: ${off} gradient values, the shared buffer was sized for ${input.size}`);
  const avg = ar.average();
  const averaged = new Map<string, tf.Tensor>();
  off = 0;
  for (const n of names) {
    const g = map.get(n)!;
    averaged.set(n, tf.tensor(avg.slice(off, off + g.size), g.shape, 'float32'));
    off += g.size;
  }
  allReduceMs.push(performance.now() - t0);
  apply(averaged);
  tf.dispose([...averaged.values()]);
};

const stepMs: number[] = [];
const losses: number[] = [];
let cpuStart = process.cpuUsage();
for (let s = 0; s < w.steps; s++) {
  if (s === c.warmup) cpuStart = process.cpuUsage(); // process-wide: every replica's thread
  const t0 = performance.now();
  const m = await trainer.step(clips[s % clips.length]);
  stepMs.push(performance.now() - t0);
  losses.push(m.loss);
}

const cpuUsed = process.cpuUsage(cpuStart);
const cpuMsPerStep = (cpuUsed.user + cpuUsed.system) / 1000 / c.timed;
let h = 2166136261;
const state = new Map<string, tf.Tensor>([
  ...[...encoder.variables()].map(([n, v]) => [`encoder.${n}`, v] as const),
  ...[...predictor.variables()].map(([n, v]) => [`predictor.${n}`, v] as const),
  ...[...trainer.targetEncoder!.variables()].map(([n, v]) => [`target.${n}`, v] as const),
]);
for (const name of [...state.keys()].sort()) h = fnv1a(h, new Uint8Array((state.get(name)!.dataSync() as Float32Array).slice().buffer));
const opt = await trainer.optimizer.getState();
for (const name of Object.keys(opt.params).sort()) {
  h = fnv1a(h, new Uint8Array(opt.params[name].expAvg.slice().buffer));
  h = fnv1a(h, new Uint8Array(opt.params[name].expAvgSq.slice().buffer));
}
const { memoryReport } = await import('@vjepa/backends');
const out: ReplicaOutput = { rank, stepMs, allReduceMs, losses, cpuMsPerStep, stateHash: h.toString(16).padStart(8, '0'), wasmHeapBytes: memoryReport().wasmHeapBytes ?? 0 };
parentPort!.postMessage(out);
