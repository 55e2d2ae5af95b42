#!/usr/bin/env node
// Training clips/s on real video vs the embedded Moving MNIST, same model, same run conditions.
//
//   node packages/data/scripts/train-video-rate.mjs --videos /tmp/clips [--steps 60] [--repeats 3] [--skip 10] [--baseline DIR] [--set k=v ...]
//
// Runs `vjepa-train` (apps/train from source through tsx, wasm backend, tiny-cpu preset) alternately
// on Moving MNIST and on `data.dataset_type=video_folder` over --videos, --repeats times each, and
// prints per run: whole-run clips/s (the CLI's summary.json) and steady-state clips/s over the steps
// after --skip (from metrics.jsonl: batch size / wall time per step), the mean time a step waited for
// its batch (wall - step), then medians and the video / Moving MNIST ratio. Extra --set flags go to
// both runs. --baseline DIR also runs the video training from another checkout (its own tsx and
// sources, e.g. a worktree of the commit before a change), in the same rotation. Timings on a shared
// machine are noisy: read the medians.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const videos = opt('videos');
if (videos === undefined) {
  console.error('usage: train-video-rate.mjs --videos DIR [--steps 60] [--repeats 3] [--skip 10] [--set key=value ...]');
  process.exit(2);
}
const steps = Number(opt('steps', '60'));
const repeats = Number(opt('repeats', '3'));
const skip = Number(opt('skip', '10'));
const baseline = opt('baseline');
const extra = args.flatMap((a, i) => (a === '--set' ? ['--set', args[i + 1]] : []));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function runOnce(kind) {
  const folder = mkdtempSync(join(tmpdir(), `rate-${kind}-`));
  const data = kind !== 'mnist' ? ['--set', 'data.dataset_type=video_folder', '--set', `data.datasets=[${resolve(videos)}]`] : [];
  const from = kind === 'baseline' ? resolve(baseline) : root;
  const cli = [
    '--conditions=@vjepa/source', join(from, 'apps/train/src/cli.ts'),
    '--backend', 'wasm', '--folder', folder, '--no-resume',
    '--set', 'optimization.ipe=' + steps, '--set', 'optimization.epochs=1', '--set', 'optimization.warmup=0',
    '--set', `logging.checkpoint_every=${steps * 10}`,
    ...data, ...extra,
  ];
  const r = spawnSync(join(from, 'node_modules/.bin/tsx'), cli, { cwd: from, encoding: 'utf8', env: { ...process.env, CI: '1' } });
  if (r.status !== 0) {
    console.error(r.stdout, r.stderr);
    throw new Error(`${kind} run failed (exit ${r.status})`);
  }
  const summary = JSON.parse(readFileSync(join(folder, 'summary.json'), 'utf8'));
  const rows = readFileSync(join(folder, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).slice(skip);
  const wall = rows.reduce((s, r) => s + r.wallMs, 0);
  const wait = rows.reduce((s, r) => s + (r.wallMs - r.stepMs), 0) / rows.length;
  const stepMs = rows.reduce((s, r) => s + r.stepMs, 0) / rows.length;
  const batch = summary.clipsPerSec * summary.wallSeconds / (summary.endStep - summary.startStep);
  rmSync(folder, { recursive: true, force: true });
  return { whole: summary.clipsPerSec, steady: (rows.length * batch * 1000) / wall, waitMs: wait, stepMs, skipped: summary.skipped.length };
}

const kinds = baseline === undefined ? ['mnist', 'video'] : ['mnist', 'video', 'baseline'];
const results = Object.fromEntries(kinds.map((k) => [k, []]));
for (let k = 0; k < repeats; k++) {
  for (const kind of kinds) {
    const r = runOnce(kind);
    results[kind].push(r);
    console.log(`${kind.padEnd(8)} run ${k + 1}: ${r.whole.toFixed(1)} clips/s whole run, ${r.steady.toFixed(1)} steady (steps ${skip}+), step ${r.stepMs.toFixed(1)} ms, batch wait ${r.waitMs.toFixed(1)} ms/step, skipped files ${r.skipped}`);
  }
}
const m = (kind, key) => median(results[kind].map((r) => r[key]));
console.log(`median whole run: mnist ${m('mnist', 'whole').toFixed(1)}, video ${m('video', 'whole').toFixed(1)} clips/s, ratio ${(m('video', 'whole') / m('mnist', 'whole')).toFixed(2)}`);
console.log(`median steady:    mnist ${m('mnist', 'steady').toFixed(1)}, video ${m('video', 'steady').toFixed(1)} clips/s, ratio ${(m('video', 'steady') / m('mnist', 'steady')).toFixed(2)}`);
const paired = results.video.map((r, i) => r.whole / results.mnist[i].whole);
console.log(`paired whole-run ratios video/mnist per repeat: ${paired.map((x) => x.toFixed(2)).join(', ')} (median ${median(paired).toFixed(2)})`);
if (baseline !== undefined) {
  console.log(`baseline (${baseline}) video: median whole run ${m('baseline', 'whole').toFixed(1)} clips/s (ratio to mnist ${(m('baseline', 'whole') / m('mnist', 'whole')).toFixed(2)}), steady ${m('baseline', 'steady').toFixed(1)} (${(m('baseline', 'steady') / m('mnist', 'steady')).toFixed(2)}), batch wait ${m('baseline', 'waitMs').toFixed(1)} ms/step`);
}
console.log(`median step: mnist ${m('mnist', 'stepMs').toFixed(1)}, video ${m('video', 'stepMs').toFixed(1)} ms; batch wait: mnist ${m('mnist', 'waitMs').toFixed(1)}, video ${m('video', 'waitMs').toFixed(1)} ms/step`);
