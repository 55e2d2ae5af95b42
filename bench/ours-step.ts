// Our side of the benchmark: the project's real training step (`createTrainer` from @vjepa/trainer,
// models from @vjepa/vit and @vjepa/predictor, AdamW and EMA from @vjepa/optim) on the wasm backend
// set up by @vjepa/backends, run in its own process so that its peak RSS is its own.
//
//   tsx --conditions=@vjepa/source bench/ours-step.ts prepare <dir> <tiny|d192> [seed]
//   tsx --conditions=@vjepa/source bench/ours-step.ts run <dir> [--wasm-threads N] [--eager-backprop] [--checkpoint-blocks] [--backend webgpu]
//       [--recompute] [--steps N] [--memory-every K]
//
// --recompute: the packages' activation checkpointing (model.use_activation_checkpointing: each block
// recomputed in the backward pass); --steps N: run N steps instead of the workload's (masks and clips
// cycle); --memory-every K: print `MEMORY {json}` (current RSS, peak RSS, wasm heap, live tensors)
// every K steps, for the no-growth check.
//
// `prepare` writes a workload folder (see lib/workload.ts): initial weights, clips, the masks of
// every step (sampled with the released two mask types by multiblock3d) and the schedule values.
// `run` loads it, replays those masks through a MaskingStrategy that returns the stored pairs, and
// prints one line `BENCH_RESULT {json}` with the step times, losses and memory.
import * as tf from '@tensorflow/tfjs-core';
import { mkdirSync, writeFileSync } from 'node:fs';
import { describeBackend, installEagerBackprop, memoryReport, setupBackend } from '@vjepa/backends';
import { tensorData, writeNpy, writeSafetensors } from '@vjepa/io';
import { RELEASED_MASK_TYPES, createRng, deriveSeed, multiblock3d } from '@vjepa/masking';
import { DEFAULT_TRAINER_CONFIG, MASK_RNG_STREAM, createTrainer } from '@vjepa/trainer';
import { buildModels, clipTensor, gridOf, loadWorkload, replayMasks, trainerConfig } from './lib/ours-setup';
import { BENCH_CONFIGS, type WorkloadFile, readWorkload, workloadPaths } from './lib/workload';
import { checkpointBlocks } from './memory/checkpoint-blocks';
import { enableThreadedWasm, finishThreadedWasm, threadedWasmWorkers } from './threads/threaded-wasm';

async function prepare(dir: string, name: string, seed: number): Promise<void> {
  const c = BENCH_CONFIGS[name];
  if (!c) throw new Error(`unknown config "${name}": expected one of ${Object.keys(BENCH_CONFIGS).join(', ')}`);
  // Initial values are seeded on the host, so any backend gives the same workload; cpu has no 4 GB
  // heap ceiling (ViT-L's weights and target copy take ~2.6 GB).
  await setupBackend('cpu');
  mkdirSync(`${dir}/masks`, { recursive: true });
  const { encoder, predictor } = buildModels(c, seed);
  writeFileSync(workloadPaths.encoder(dir), writeSafetensors(await encoder.stateDict()));
  writeFileSync(workloadPaths.predictor(dir), writeSafetensors(await predictor.stateDict()));

  const steps = c.warmup + c.timed;
  const strategy = multiblock3d(RELEASED_MASK_TYPES);
  const trainer = createTrainer({ encoder, predictor, masking: strategy, config: trainerConfig(c), seed });
  const schedule = Array.from({ length: steps }, (_, i) => ({
    lr: trainer.schedules.lr.forIteration(i),
    wd: trainer.schedules.wd.forIteration(i),
    momentum: trainer.schedules.momentum.forIteration(i),
  }));
  const rng = createRng(deriveSeed(seed, MASK_RNG_STREAM)); // the trainer's own masking stream
  const maskSizes: { context: number; target: number }[][] = [];
  for (let s = 0; s < steps; s++) {
    const pairs = strategy.sample({ grid: gridOf(c), batchSize: c.batchSize, rng, step: s });
    maskSizes.push(pairs.map((p) => ({ context: p.context.length, target: p.target.length })));
    pairs.forEach((p, k) => {
      for (const which of ['context', 'target'] as const) {
        const b = p[which];
        writeFileSync(workloadPaths.mask(dir, s, k, which), writeNpy(tensorData('int32', [b.batchSize, b.length], b.data)));
      }
    });
  }
  // Clips: seeded standard normal values (what normalised frames look like to the model).
  const dataRng = createRng(deriveSeed(seed, 0x636c6970));
  const shape = [c.batchSize, c.numFrames, c.imgSize, c.imgSize, 3];
  const size = shape.reduce((a, b) => a * b, 1);
  for (let j = 0; j < c.numBatches; j++) {
    const x = new Float32Array(size);
    for (let i = 0; i < size; i += 2) {
      const r = Math.sqrt(-2 * Math.log(1 - dataRng.next()));
      const a = 2 * Math.PI * dataRng.next();
      x[i] = r * Math.cos(a);
      if (i + 1 < size) x[i + 1] = r * Math.sin(a);
    }
    writeFileSync(workloadPaths.clips(dir, j), writeNpy(tensorData('float32', shape, x)));
  }
  const o = DEFAULT_TRAINER_CONFIG.optimization;
  const file: WorkloadFile = {
    config: c,
    seed,
    steps,
    schedule,
    betas: [o.betas[0], o.betas[1]],
    eps: o.eps,
    targetLayerNormEps: trainer.config.loss.targetLayerNormEps,
    layerNormEps: encoder.config.layerNormEps,
    mlpRatio: encoder.config.mlpRatio,
    uniformPower: encoder.config.uniformPower,
    numMaskTypes: 2,
    maskSizes,
  };
  writeFileSync(workloadPaths.config(dir), JSON.stringify(file, null, 1));
  trainer.dispose();
  encoder.dispose();
  predictor.dispose();
}

async function run(
  dir: string,
  threads: number,
  memory: { eager: boolean; checkpoint: boolean; recompute?: boolean; steps?: number; memoryEvery?: number },
  backendName: 'wasm' | 'webgpu',
): Promise<void> {
  const w = readWorkload(dir);
  const c = w.config;
  if (threads > 1) await enableThreadedWasm({ threads });
  await setupBackend(backendName);
  if (backendName === 'wasm') finishThreadedWasm();
  const variants = [memory.eager || memory.checkpoint ? 'eager-backprop' : '', memory.checkpoint ? 'checkpoint-blocks' : ''].filter(Boolean);
  if (variants.length) installEagerBackprop();
  if (memory.checkpoint) checkpointBlocks();
  const backend =
    (await describeBackend()).summary + (variants.length ? ` + ${variants.join(' + ')} (bench/memory prototypes)` : '') + (memory.recompute ? ' + activation checkpointing' : '');
  const loaded = loadWorkload(dir, w);
  const { encoder, predictor, masks } = loaded;
  const clips = loaded.clips.map((x) => clipTensor(x, 0, c.batchSize));
  // the packages' switch (what model.use_activation_checkpointing sets in @vjepa/run)
  encoder.activationCheckpointing = memory.recompute === true;
  predictor.activationCheckpointing = memory.recompute === true;
  // --steps beyond the workload's: stretch the schedule over them (else the EMA momentum passes 1)
  const long = memory.steps !== undefined && memory.steps > w.steps;
  const trainer = createTrainer({ encoder, predictor, masking: replayMasks(masks), config: trainerConfig(long ? { ...c, timed: memory.steps! - c.warmup } : c), seed: w.seed });
  const rssBeforeSteps = process.resourceUsage().maxRSS * 1024; // peak so far: setup, models, data
  const heapBeforeSteps = memoryReport().wasmHeapBytes ?? 0;
  const stepMs: number[] = [];
  const losses: number[] = [];
  const schedule: { lr: number; wd: number; momentum: number }[] = [];
  let cpuStart = process.cpuUsage();
  let peakGpuBytes = 0;
  const steps = memory.steps ?? w.steps;
  for (let s = 0; s < steps; s++) {
    if (s === c.warmup) cpuStart = process.cpuUsage(); // process-wide: includes the pthread workers
    const t0 = performance.now();
    const m = await trainer.step(clips[s % clips.length]); // reads the loss back: the GPU has finished
    stepMs.push(performance.now() - t0);
    // tfjs-backend-webgpu keeps freed buffers for reuse, so what it has allocated is its peak.
    const gpu = tf.memory() as { numBytesAllocatedInGPU?: number; numBytesInGPUAllocated?: number };
    peakGpuBytes = Math.max(peakGpuBytes, gpu.numBytesAllocatedInGPU ?? gpu.numBytesInGPUAllocated ?? 0);
    losses.push(m.loss);
    schedule.push({ lr: m.lr, wd: m.wd, momentum: m.momentum });
    if (memory.memoryEvery && (s + 1) % memory.memoryEvery === 0) {
      const r = memoryReport();
      const line = { step: s + 1, rssBytes: process.memoryUsage().rss, peakRssBytes: process.resourceUsage().maxRSS * 1024, wasmHeapBytes: r.wasmHeapBytes ?? null, numTensors: r.numTensors, stepMs: stepMs[s], loss: m.loss };
      console.log(`MEMORY ${JSON.stringify(line)}`);
    }
  }
  const cpu = process.cpuUsage(cpuStart);
  const mem = memoryReport();
  const result = {
    cpuMsPerStep: (cpu.user + cpu.system) / 1000 / (steps - c.warmup),
    side: 'ours',
    config: c.name,
    backend,
    threads: threads > 1 ? threads : 1,
    pthreadWorkers: threadedWasmWorkers(),
    runtime: `Node ${process.version}, tfjs-core ${tf.version_core}`,
    stepMs,
    losses,
    scheduleMatches: schedule.slice(0, w.schedule.length).every((x, i) => x.lr === w.schedule[i].lr && x.wd === w.schedule[i].wd && x.momentum === w.schedule[i].momentum),
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    rssBeforeSteps,
    wasmHeapBytes: mem.wasmHeapBytes ?? null,
    peakGpuBytes: backendName === 'webgpu' ? peakGpuBytes : null,
    heapBeforeSteps,
    numTensors: mem.numTensors,
  };
  console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
  trainer.dispose();
  encoder.dispose();
  predictor.dispose();
  tf.dispose(clips);
}

const [mode, dir, ...rest] = process.argv.slice(2);
if (mode === 'prepare' && dir && rest[0]) {
  await prepare(dir, rest[0], Number(rest[1] ?? 0));
} else if (mode === 'run' && dir) {
  const i = rest.indexOf('--wasm-threads');
  const b = rest.indexOf('--backend');
  const backendName = b >= 0 ? rest[b + 1] : 'wasm';
  if (backendName !== 'wasm' && backendName !== 'webgpu') throw new Error(`--backend: expected wasm or webgpu, received ${backendName}`);
  const num = (flag: string) => (rest.indexOf(flag) >= 0 ? Number(rest[rest.indexOf(flag) + 1]) : undefined);
  const memory = { eager: rest.includes('--eager-backprop'), checkpoint: rest.includes('--checkpoint-blocks'), recompute: rest.includes('--recompute'), steps: num('--steps'), memoryEvery: num('--memory-every') };
  await run(dir, i >= 0 ? Number(rest[i + 1]) : 1, memory, backendName);
} else {
  console.error('usage: ours-step.ts prepare <dir> <tiny|d192|vits16|vitl16> [seed] | run <dir> [--wasm-threads N] [--eager-backprop] [--checkpoint-blocks] [--backend wasm|webgpu]');
  process.exit(2);
}
// The threaded build keeps pthread workers alive; leave explicitly.
process.exit(0);
