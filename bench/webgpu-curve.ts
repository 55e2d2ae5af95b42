// The loss curve of one training on several backends, compared step by step (issue 10's check that
// WebGPU follows the cpu backend). Runs `vjepa-train` (the tiny-cpu preset, the same seed and masks) once
// per backend, each in its own process, then prints the largest and median relative loss difference of
// every backend against the first.
//
//   tsx --conditions=@vjepa/source bench/webgpu-curve.ts [--backends cpu,webgpu,wasm] [--epochs 4] [--ipe 50]
//
// On a machine without a GPU, WebGPU runs on Mesa's software adapter (scripts/setup-webgpu-cpu.sh):
// 200 steps take ~30 min there, and as long on the pure-JS cpu backend.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (flag: string, fallback: string) => {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const backends = arg('--backends', 'cpu,webgpu,wasm').split(',');
const epochs = Number(arg('--epochs', '4'));
const ipe = Number(arg('--ipe', '50'));
const base = mkdtempSync(join(os.tmpdir(), 'vjepa-curve-'));
const losses = new Map<string, number[]>();
for (const b of backends) {
  const folder = join(base, b);
  const t0 = Date.now();
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=@vjepa/source', 'apps/train/src/cli.ts', '--folder', folder, '--no-resume', '--backend', b, '--set', `optimization.epochs=${epochs}`, '--set', `optimization.ipe=${ipe}`],
    { cwd: root, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 },
  );
  if (r.status !== 0) {
    console.error(`${b}: vjepa-train exited ${r.status}: ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}`);
    process.exit(1);
  }
  const rows = readFileSync(join(folder, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { loss: number });
  losses.set(b, rows.map((row) => row.loss));
  console.log(`${b}: ${rows.length} steps in ${((Date.now() - t0) / 1000).toFixed(0)} s, loss ${rows[0].loss.toFixed(5)} -> ${rows.at(-1)!.loss.toFixed(5)}`);
}
const [ref, ...others] = backends;
const refLoss = losses.get(ref)!;
for (const b of others) {
  const rel = losses.get(b)!.map((l, i) => Math.abs(l - refLoss[i]) / Math.abs(refLoss[i]));
  const sorted = [...rel].sort((x, y) => x - y);
  const worst = Math.max(...rel);
  console.log(`${b} vs ${ref}: max relative loss difference ${worst.toExponential(2)} (step ${rel.indexOf(worst)}), median ${sorted[sorted.length >> 1].toExponential(2)} over ${rel.length} steps`);
}
console.log(`run folders: ${base}`);
