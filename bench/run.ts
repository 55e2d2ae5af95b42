// One command, one table: the project's training step (clips/s, peak RSS, wasm heap) beside a small
// PyTorch script of the same step, at the issue's tiny and D192 configurations.
//
//   pnpm bench                                   # both configs, ours 1 and 2 wasm threads, PyTorch 1 and 2 threads
//   pnpm bench --configs tiny --ours-threads 1 --torch-threads 1,2 --rounds 2 --json out.json
//
// Every run is its own process, so each peak RSS is that run's alone. Per config: one child writes
// the workload (weights, clips, masks, schedule) into a temp folder; then the sides run in turn,
// alternating (ours, torch, torch, ours, ...) so that a load change on this shared machine hits both.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_CONFIGS, type BenchConfig, median } from './lib/workload';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

interface RunResult {
  side: 'ours' | 'torch';
  config: string;
  backend: string;
  threads: number;
  runtime: string;
  stepMs: number[];
  /** Process CPU time (all threads) per timed step: the work done, less sensitive to the load than wall time. */
  cpuMsPerStep?: number;
  losses: number[];
  peakRssBytes: number;
  rssBeforeSteps: number;
  wasmHeapBytes?: number | null;
  pthreadWorkers?: number;
  scheduleMatches?: boolean;
  posTableMaxAbsDiff?: number;
  load: [number, number];
  error?: string;
}

function parseArgs(argv: string[]) {
  const get = (flag: string, fallback: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
  };
  const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);
  const configs = list(get('--configs', 'tiny,d192'));
  for (const c of configs) {
    if (!BENCH_CONFIGS[c]) throw new Error(`--configs: unknown "${c}"; expected some of ${Object.keys(BENCH_CONFIGS).join(', ')}`);
  }
  return {
    configs,
    oursThreads: list(get('--ours-threads', '1,2')).map(Number),
    // configs where ours also runs once with the packages' activation checkpointing (1 thread)
    oursRecompute: list(get('--ours-recompute', 'd192')),
    torchThreads: list(get('--torch-threads', '1,2')).map(Number),
    rounds: Math.max(1, Number(get('--rounds', '1'))),
    seed: Number(get('--seed', '0')),
    json: get('--json', ''),
    keep: argv.includes('--keep'),
  };
}

/** The first Python that imports torch and numpy (Debian's python3-torch lives in /usr/bin/python3). */
function findTorchPython(): { python: string | null; why: string } {
  // An explicit VJEPA_BENCH_PYTHON is the only candidate (no silent fallback to another python).
  const candidates = process.env.VJEPA_BENCH_PYTHON ? [process.env.VJEPA_BENCH_PYTHON] : ['/usr/bin/python3', 'python3'];
  const tried: string[] = [];
  for (const py of [...new Set(candidates)]) {
    const r = spawnSync(py, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return { python: py, why: `${py} (torch ${r.stdout.trim()})` };
    tried.push(`${py}: ${(r.stderr || String(r.error ?? '')).trim().split('\n').pop()}`);
  }
  return { python: null, why: tried.join('; ') };
}

function runChild(cmd: string, args: string[], env: Record<string, string> = {}): { out: string; err: string; status: number | null } {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 * 2 ** 20 });
  return { out: r.stdout ?? '', err: r.stderr ?? String(r.error ?? ''), status: r.status };
}

const tsx = ['--import', 'tsx', '--conditions=@vjepa/source'];

function parseResult(out: string, err: string, status: number | null): Omit<RunResult, 'load'> | { error: string } {
  const line = out.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (line) return JSON.parse(line.slice('BENCH_RESULT '.length));
  const tail = `${err}\n${out}`.trim().split('\n').slice(-4).join(' | ');
  return { error: `exit ${status}: ${tail}` };
}

function runOurs(dir: string, threads: number, recompute = false): RunResult | { error: string; load: [number, number] } {
  const before = os.loadavg()[0];
  const r = runChild(process.execPath, [...tsx, 'bench/ours-step.ts', 'run', dir, '--wasm-threads', String(threads), ...(recompute ? ['--recompute'] : [])]);
  return { ...parseResult(r.out, r.err, r.status), load: [before, os.loadavg()[0]] } as RunResult;
}

function runTorch(python: string, dir: string, threads: number): RunResult | { error: string; load: [number, number] } {
  const before = os.loadavg()[0];
  const n = String(threads);
  const r = runChild(python, ['bench/torch_step.py', dir, '--threads', n], { OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, MKL_NUM_THREADS: n });
  return { ...parseResult(r.out, r.err, r.status), load: [before, os.loadavg()[0]] } as RunResult;
}

const mib = (b: number | null | undefined) => (b == null ? '-' : `${(b / 2 ** 20).toFixed(0)} MiB`);

function describeConfig(c: BenchConfig): string {
  return (
    `D${c.embedDim}, depth ${c.depth}, ${c.numHeads} heads; predictor ${c.predEmbedDim}x${c.predDepth}, ${c.predNumHeads} heads; ` +
    `${c.numFrames}x${c.imgSize}x${c.imgSize}, patch ${c.patchSize}, tubelet ${c.tubeletSize}; batch ${c.batchSize}; ` +
    `released mask types (8 blocks of 0.15 + 2 of 0.7); ${c.warmup} warm-up + ${c.timed} timed steps`
  );
}

function summarise(c: BenchConfig, runs: RunResult[]): Record<string, unknown> {
  const ok = runs.filter((r) => !r.error);
  const timed = (r: RunResult) => r.stepMs.slice(c.warmup);
  const clipsPerSec = (r: RunResult) => (1000 * c.batchSize) / median(timed(r));
  console.log(`\n## ${c.name}: ${describeConfig(c)}`);
  console.log('| side | backend | threads | median step | clips/s | min-max step | CPU per step | peak RSS | RSS before 1st step | wasm heap | step-0 loss | load 1-min (start-end) |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of runs) {
    if (r.error) {
      console.log(`| ${r.side} | FAILED: ${r.error.slice(0, 300)} | ${r.threads} | | | | | | | | | ${r.load[0].toFixed(1)}-${r.load[1].toFixed(1)} |`);
      continue;
    }
    const t = timed(r);
    console.log(
      `| ${r.side === 'ours' ? 'ours' : 'PyTorch'} | ${r.backend} | ${r.threads} | ${median(t).toFixed(1)} ms | ${clipsPerSec(r).toFixed(1)} | ` +
        `${Math.min(...t).toFixed(0)}-${Math.max(...t).toFixed(0)} ms | ${r.cpuMsPerStep == null ? '-' : `${r.cpuMsPerStep.toFixed(0)} ms`} | ${mib(r.peakRssBytes)} | ${mib(r.rssBeforeSteps)} | ${mib(r.wasmHeapBytes)} | ` +
        `${r.losses[0].toFixed(6)} | ${r.load[0].toFixed(2)}-${r.load[1].toFixed(2)} |`,
    );
  }
  const best = (side: 'ours' | 'torch') =>
    ok.filter((r) => r.side === side).reduce<RunResult | null>((a, r) => (a === null || clipsPerSec(r) > clipsPerSec(a) ? r : a), null);
  const o = best('ours');
  const p = best('torch');
  const summary: Record<string, unknown> = { config: c.name };
  if (o && p) {
    const ratio = clipsPerSec(o) / clipsPerSec(p);
    console.log(
      `ratio ours/PyTorch (best of each, clips/s): **${ratio.toFixed(2)}x** (ours ${clipsPerSec(o).toFixed(1)} at ${o.threads} wasm thread(s), ` +
        `PyTorch ${clipsPerSec(p).toFixed(1)} at ${p.threads} thread(s)); peak RSS ours/PyTorch ${(o.peakRssBytes / p.peakRssBytes).toFixed(2)}x`,
    );
    const ours1 = ok.find((r) => r.side === 'ours' && r.threads === 1);
    if (ours1) console.log(`ratio ours at 1 wasm thread (what the project ships) / PyTorch best: ${(clipsPerSec(ours1) / clipsPerSec(p)).toFixed(2)}x`);
    // Same function: every step's loss, same initial weights, clips, masks, lr/wd/momentum.
    const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
    const n = Math.min(o.losses.length, p.losses.length);
    const diffs = Array.from({ length: n }, (_, i) => rel(o.losses[i], p.losses[i]));
    console.log(
      `same function: step-0 loss ours ${o.losses[0].toFixed(7)} vs PyTorch ${p.losses[0].toFixed(7)} (relative difference ${diffs[0].toExponential(1)}); ` +
        `all ${n} steps (AdamW + EMA applied between them) within ${Math.max(...diffs).toExponential(1)}; ` +
        `loss ${p.losses[0].toFixed(4)} -> ${p.losses[n - 1].toFixed(4)}`,
    );
    // Threads must not change the arithmetic: compare our runs with each other.
    const oursRuns = ok.filter((r) => r.side === 'ours');
    if (oursRuns.length > 1) {
      const diffs = oursRuns.slice(1).map((r) => Math.max(...r.losses.map((l, i) => rel(l, oursRuns[0].losses[i]))));
      const worst = Math.max(...diffs);
      console.log(
        `ours, all ${oursRuns.length} runs (threads ${oursRuns.map((r) => r.threads).join(', ')}): losses ${worst === 0 ? 'bit-identical' : `within ${worst.toExponential(1)}`} over ${o.losses.length} steps`,
      );
    }
    Object.assign(summary, { ratio, oursClipsPerSec: clipsPerSec(o), torchClipsPerSec: clipsPerSec(p), step0RelDiff: diffs[0], maxRelDiff: Math.max(...diffs) });
  } else if (o && !p) {
    console.log('ratio: no PyTorch result (see above)');
  }
  return summary;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(`# vjepa-ts step benchmark (${new Date().toISOString().slice(0, 16)}Z)`);
  console.log(
    `machine: ${cpu} x ${os.cpus().length} logical CPUs, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}; ` +
      `Node ${process.version}; load average at start ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (shared machine: compare ratios within this run)`,
  );
  const torch = findTorchPython();
  if (!torch.python) {
    console.log(
      `PyTorch: NOT FOUND (${torch.why}). Install Debian's build: apt-get update && apt-get install -y python3-torch libopenblas0-pthread ` +
        `(or point VJEPA_BENCH_PYTHON at a python with torch and numpy). Our side still runs.`,
    );
  } else {
    console.log(`PyTorch: ${torch.why}`);
  }
  const work = mkdtempSync(join(os.tmpdir(), 'vjepa-bench-'));
  const all: RunResult[] = [];
  const summaries: Record<string, unknown>[] = [];
  try {
    for (const name of args.configs) {
      const c = BENCH_CONFIGS[name];
      const dir = join(work, name);
      const prep = runChild(process.execPath, [...tsx, 'bench/ours-step.ts', 'prepare', dir, name, String(args.seed)]);
      if (prep.status !== 0) throw new Error(`preparing ${name} failed: ${prep.err.trim().split('\n').slice(-5).join(' | ')}`);
      const runs: RunResult[] = [];
      for (let round = 0; round < args.rounds; round++) {
        // Alternate the sides so a change of load on the shared machine hits both.
        const n = Math.max(args.oursThreads.length, args.torchThreads.length);
        for (let i = 0; i < n; i++) {
          const jobs: (() => RunResult)[] = [];
          if (i < args.oursThreads.length) jobs.push(() => ({ side: 'ours', threads: args.oursThreads[i], ...runOurs(dir, args.oursThreads[i]) }) as RunResult);
          if (torch.python && i < args.torchThreads.length) {
            const py = torch.python;
            jobs.push(() => ({ side: 'torch', threads: args.torchThreads[i], ...runTorch(py, dir, args.torchThreads[i]) }) as RunResult);
          }
          if (i === 0 && args.oursRecompute.includes(name)) jobs.push(() => ({ side: 'ours', threads: 1, ...runOurs(dir, 1, true) }) as RunResult);
          if (i % 2 === 1) jobs.reverse();
          for (const job of jobs) {
            const r = job();
            r.config = name;
            runs.push(r);
            process.stderr.write(`  ${name} ${r.side} ${r.threads}t: ${r.error ? 'FAILED' : `${median(r.stepMs.slice(c.warmup)).toFixed(0)} ms/step`}\n`);
          }
        }
      }
      summaries.push(summarise(c, runs));
      all.push(...runs);
    }
  } finally {
    if (!args.keep) rmSync(work, { recursive: true, force: true });
    else console.log(`\nworkloads kept in ${work}`);
  }
  console.log(`\nload average at end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(
    [
      'How memory is measured: "peak RSS" is the process\'s maximum resident set size from getrusage (Node process.resourceUsage().maxRSS,',
      'Python resource.getrusage(RUSAGE_SELF).ru_maxrss), i.e. the whole process at its worst moment, runtime and setup included;',
      '"RSS before 1st step" is the same peak measured after loading models, data and masks; "wasm heap" is the byte length of the wasm',
      "backend's WebAssembly.Memory after the last step, which only grows, so it is the heap's peak (it is part of the RSS once touched).",
      'Step time: wall clock of one full step (masks are precomputed; both sides read the loss and gradient norms back every step);',
      'clips/s = batch / median timed step. "CPU per step": process CPU time (all threads) over the timed steps / steps: the work done,',
      'which a busy machine inflates much less than wall time (a thread pool that spins while waiting shows up here as extra CPU).',
      'Ours "2 threads" is the threaded wasm prototype in bench/threads (not what the project ships).',
    ].join('\n'),
  );
  if (args.json) writeFileSync(args.json, JSON.stringify({ args, summaries, runs: all }, null, 1));
}

await main();
