// Data-parallel training on worker threads, prototype for issue 11 ("both cores for one training").
// Runs the project's step with R replicas (R = 1 is the plain step, in a worker too, for a fair
// comparison) on the same workload, each setting in its own process, alternating settings when
// --rounds > 1, and prints: median step, clips/s, speed-up over R = 1, all-reduce time, peak RSS,
// whether every replica ends with bit-identical weights, EMA weights and AdamW moments, and the
// losses against R = 1.
//
//   node --import tsx --conditions=@vjepa/source bench/data-parallel/run.ts [--config tiny] [--replicas 1,2] [--rounds 1]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { readSafetensors } from '@vjepa/io';
import { BENCH_CONFIGS, median, readWorkload, workloadPaths } from '../lib/workload';
import { allReduceBuffer } from './all-reduce';
import type { ReplicaInput, ReplicaOutput } from './replica';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const argv = process.argv.slice(2);
const get = (flag: string, fallback: string) => {
  const i = argv.indexOf(flag);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
};

/** Gradient floats: every tensor of the initial weights but the fixed position tables. */
function gradientSize(dir: string): number {
  let n = 0;
  for (const file of [workloadPaths.encoder(dir), workloadPaths.predictor(dir)]) {
    for (const [name, t] of Object.entries(readSafetensors(new Uint8Array(readFileSync(file))).tensors)) {
      if (!name.endsWith('pos_embed')) n += t.data.length;
    }
  }
  return n;
}

/**
 * Worker source that registers tsx in the worker, then loads replica.ts. (Node 20 does not apply
 * the parent's `--import tsx` hooks to a worker's own entry file: ERR_UNKNOWN_FILE_EXTENSION.)
 */
function replicaBootstrap(): string {
  const api = import.meta.resolve('tsx/esm/api'); // the ESM build (its CJS build cannot register)
  const entry = new URL('./replica.ts', import.meta.url).href;
  return `import(${JSON.stringify(api)}).then(async (tsx) => { tsx.register(); await import(${JSON.stringify(entry)}); });`;
}

async function child(dir: string, replicas: number): Promise<void> {
  const size = gradientSize(dir);
  const sab = allReduceBuffer(replicas, size);
  const outs = await Promise.all(
    Array.from({ length: replicas }, (_, rank) => {
      const data: ReplicaInput = { dir, rank, replicas, sab, size };
      const worker = new Worker(replicaBootstrap(), { eval: true, workerData: data, execArgv: process.execArgv });
      return new Promise<ReplicaOutput>((resolve, reject) => {
        worker.once('message', (m: ReplicaOutput) => resolve(m));
        worker.once('error', reject);
        worker.once('exit', (code) => code !== 0 && reject(new Error(`replica ${rank} exited with ${code}`)));
      });
    }),
  );
  console.log(`DP_RESULT ${JSON.stringify({ replicas, size, outs, peakRssBytes: process.resourceUsage().maxRSS * 1024 })}`);
  process.exit(0);
}

async function main(): Promise<void> {
  const name = get('--config', 'tiny');
  const settings = get('--replicas', '1,2').split(',').map(Number);
  const rounds = Math.max(1, Number(get('--rounds', '1')));
  const c = BENCH_CONFIGS[name];
  if (!c) throw new Error(`--config: unknown "${name}"`);
  const work = mkdtempSync(join(os.tmpdir(), 'vjepa-dp-'));
  const dir = get('--dir', join(work, name));
  const tsx = ['--import', 'tsx', '--conditions=@vjepa/source'];
  if (!argv.includes('--dir')) {
    const prep = spawnSync(process.execPath, [...tsx, 'bench/ours-step.ts', 'prepare', dir, name, '0'], { cwd: root, encoding: 'utf8' });
    if (prep.status !== 0) throw new Error(`prepare failed: ${prep.stderr}`);
  }
  const w = readWorkload(dir);
  console.log(
    `data-parallel replicas on worker threads, config ${name} (batch ${c.batchSize}, ${c.warmup} warm-up + ${c.timed} timed steps); ` +
      `${os.cpus()[0]?.model} x ${os.cpus().length}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  );
  const results: { replicas: number; stepMs: number[]; arMs: number[]; losses: number[]; hashes: string[]; rss: number; heap: number; cpu: number; load: number[] }[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const r of round % 2 ? [...settings].reverse() : settings) {
      const load0 = os.loadavg()[0];
      const p = spawnSync(process.execPath, [...tsx, 'bench/data-parallel/run.ts', '--child', dir, String(r)], { cwd: root, encoding: 'utf8', maxBuffer: 2 ** 26 });
      const line = p.stdout.split('\n').find((l) => l.startsWith('DP_RESULT '));
      if (!line) {
        console.log(`R=${r}: FAILED (exit ${p.status}): ${p.stderr.trim().split('\n').slice(-5).join(' | ')}`);
        continue;
      }
      const res = JSON.parse(line.slice(10)) as { replicas: number; outs: ReplicaOutput[]; peakRssBytes: number };
      const steps = res.outs[0].stepMs.length;
      const stepMs = Array.from({ length: steps }, (_, s) => Math.max(...res.outs.map((o) => o.stepMs[s])));
      const arMs = Array.from({ length: steps }, (_, s) => Math.max(...res.outs.map((o) => o.allReduceMs[s])));
      const losses = Array.from({ length: steps }, (_, s) => res.outs.reduce((a, o) => a + o.losses[s], 0) / res.outs.length);
      results.push({
        replicas: r,
        stepMs,
        arMs,
        losses,
        hashes: res.outs.map((o) => o.stateHash),
        rss: res.peakRssBytes,
        heap: res.outs.reduce((a, o) => a + o.wasmHeapBytes, 0),
        cpu: res.outs[0].cpuMsPerStep,
        load: [load0, os.loadavg()[0]],
      });
    }
  }
  const clipsPerSec = (ms: number[]) => (1000 * c.batchSize) / median(ms.slice(c.warmup));
  const base = results.filter((x) => x.replicas === 1);
  const baseRate = base.length ? median(base.map((x) => clipsPerSec(x.stepMs))) : NaN;
  console.log('| replicas | median step | clips/s | speed-up vs 1 | all-reduce incl. wait (median) | CPU per step (all threads) | peak RSS | wasm heaps (sum) | replicas identical | load (start-end) |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const x of results) {
    const same = x.hashes.every((h) => h === x.hashes[0]);
    console.log(
      `| ${x.replicas} | ${median(x.stepMs.slice(c.warmup)).toFixed(1)} ms | ${clipsPerSec(x.stepMs).toFixed(1)} | ${(clipsPerSec(x.stepMs) / baseRate).toFixed(2)}x | ` +
        `${median(x.arMs.slice(c.warmup)).toFixed(1)} ms | ${x.cpu.toFixed(0)} ms | ${(x.rss / 2 ** 20).toFixed(0)} MiB | ${(x.heap / 2 ** 20).toFixed(0)} MiB | ` +
        `${x.replicas === 1 ? '-' : same ? `yes (${x.hashes[0]})` : `NO: ${x.hashes.join(' ')}`} | ${x.load.map((l) => l.toFixed(2)).join('-')} |`,
    );
  }
  if (base.length) {
    const ref = base[0].losses;
    for (const x of results.filter((y) => y.replicas > 1)) {
      const rel = ref.map((l, i) => Math.abs(x.losses[i] - l) / Math.abs(l));
      console.log(`R=${x.replicas} losses vs R=1: step 0 ${x.losses[0].toFixed(7)} vs ${ref[0].toFixed(7)}, max relative difference over ${ref.length} steps ${Math.max(...rel).toExponential(1)}`);
    }
  }
  console.log(`steps in the workload: ${w.steps}; load average at end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  if (!argv.includes('--dir')) rmSync(work, { recursive: true, force: true });
}

if (argv[0] === '--child') await child(argv[1], Number(argv[2]));
else await main();
