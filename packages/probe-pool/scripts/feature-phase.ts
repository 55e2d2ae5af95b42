// The suite's feature phase on a finished main run: in this process (what runSuite does without a
// runner: every pass one after the other) against the feature pool (2 workers), in one run, on fresh
// caches, and whether their cache files are byte-identical.
//   node --import tsx --conditions=@vjepa/source packages/probe-pool/scripts/feature-phase.ts RUN [BACKEND] [JOBS]
// RUN is the V-JEPA run folder of `vjepa-eval main` (its pixel control in RUN-pixels); BACKEND wasm
// (default, what `auto` picks on a machine without a GPU) or cpu; JOBS pool workers (default 2).
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setupBackend } from '@vjepa/backends';
import { type FeatureJob, computeFeatureJobs, suiteFeatureJobs } from '@vjepa/eval';
import { poolBackend, runFeaturePool } from '../src/index';

const [run, backendName = 'wasm', jobsText = '2'] = process.argv.slice(2);
if (run === undefined) throw new Error('usage: feature-phase.ts RUN [wasm|cpu] [JOBS]');
await setupBackend(backendName as 'wasm' | 'cpu');
const threads = Number(jobsText);
const scratch = mkdtempSync(join(tmpdir(), 'vjepa-feature-phase-'));
const jobsIn = async (name: string): Promise<FeatureJob[]> => suiteFeatureJobs({ run, pixelRun: `${run}-pixels`, cacheDir: join(scratch, name) });
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
/** Wall seconds of `f`, and the CPU seconds of this process meanwhile (its worker threads included). */
const cpu: number[] = [];
const seconds = async (f: () => Promise<unknown>): Promise<number> => {
  const t = performance.now();
  const c = process.cpuUsage();
  await f();
  const used = process.cpuUsage(c);
  cpu.push((used.user + used.system) / 1e6);
  return (performance.now() - t) / 1000;
};
/** `cores used` of the last timing: CPU seconds over wall seconds (2 on two idle cores for a 2-worker pool). */
const cores = (wall: number) => `${cpu[cpu.length - 1].toFixed(1)} CPU s, ${(cpu[cpu.length - 1] / wall).toFixed(2)} cores`;
const files = (dir: string) => new Map(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f))]));
const same = (a: Map<string, Buffer>, b: Map<string, Buffer>) => a.size === b.size && [...a].every(([k, v]) => b.get(k)?.equals(v) === true);

console.log(`run ${run}, backend ${backendName}, ${threads} pool workers; load average before: ${load()}`);
const all = await jobsIn('here');
console.log(`jobs: ${all.map((j) => `${j.name} (${j.clips.count})`).join(', ')}`);
const controls = (js: FeatureJob[]) => js.filter((j) => j.encoder === 'random-init');

// 1. in process: the suite's feature phase of today's main (all 8 passes, one after the other)
const here = await seconds(() => computeFeatureJobs(all));
const hereCores = cores(here);
const hereControls = await seconds(() => computeFeatureJobs(controls(all).map((j) => ({ ...j, cacheDir: join(scratch, 'controls-here') }))));
console.log(`in process, 8 passes: ${here.toFixed(1)} s, ${hereCores} (of which the random-init control's 2 passes, timed again alone: ${hereControls.toFixed(1)} s); load ${load()}`);

// 2. the pool as main --jobs 2 runs it: the random-init passes already in the cache (the child's), the other 6 on the pool
const pooled = await jobsIn('pool');
await computeFeatureJobs(controls(pooled)); // what the child does on its own core during the V-JEPA training
const pool6 = await seconds(() => runFeaturePool(pooled, { jobs: threads, backend: poolBackend()! }));
console.log(`pool (${threads} workers), 6 passes + 2 cache hits (main --jobs 2): ${pool6.toFixed(1)} s, ${cores(pool6)}; load ${load()}`);

// 3. the pool with nothing cached (suite --jobs 2)
const pool8 = await seconds(async () => runFeaturePool(await jobsIn('pool-all'), { jobs: threads, backend: poolBackend()! }));
console.log(`pool (${threads} workers), 8 passes (suite --jobs 2): ${pool8.toFixed(1)} s, ${cores(pool8)}; load ${load()}`);

const identical = same(files(join(scratch, 'here')), files(join(scratch, 'pool'))) && same(files(join(scratch, 'here')), files(join(scratch, 'pool-all')));
console.log(`cache files byte-identical in process / pool: ${identical}`);
console.log(`feature phase of main: ${here.toFixed(1)} s in process -> ${pool6.toFixed(1)} s on the pool (ratio ${(pool6 / here).toFixed(2)}); saved ${(here - pool6).toFixed(1)} s`);
rmSync(scratch, { recursive: true, force: true });
