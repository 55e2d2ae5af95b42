// Measures time and peak memory of every hostile-input row of @vjepa/io, each in a fresh process
// (peak RSS is a per-process high-water mark). Bombs inflate to 8 GiB (an 8.5 MB file), as in
// issue 13. Usage (repo root):
//   node_modules/.bin/tsx --conditions=@vjepa/source packages/io/scripts/measure-hostile.ts [runs]
// Prints one line per row: median wall ms of the measured call, RSS before, peak RSS after, the
// growth bound the suite asserts, and what the call ended in.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ioHostileRows, removeHostileScratch } from '../src/hostile-inputs.test-util';
import { checkHostile, runHostile } from '../src/testing/hostile';

const BOMB = 8 * 1024 ** 3;
const MiB = 1024 ** 2;
const self = fileURLToPath(import.meta.url);

interface Measured {
  name: string;
  ms: number;
  rssBeforeMiB: number;
  peakMiB: number;
  growthMiB: number;
  ended: string;
  problems: string[];
}

if (process.argv[2] === '--row') {
  const row = ioHostileRows({ bombBytes: BOMB })[Number(process.argv[3])];
  const call = await row.prepare();
  const rssBefore = process.memoryUsage().rss;
  const outcome = await runHostile(call);
  const ended = outcome.threw ? `${(outcome.error as Error).name}: ${(outcome.error as Error).message.slice(0, 110)}` : 'a value';
  const m: Measured = {
    name: row.name,
    ms: outcome.ms,
    rssBeforeMiB: rssBefore / MiB,
    peakMiB: (process.resourceUsage().maxRSS * 1024) / MiB,
    growthMiB: outcome.rssGrowthBytes / MiB,
    ended,
    problems: checkHostile(row, outcome),
  };
  removeHostileScratch();
  process.stdout.write(`${JSON.stringify(m)}\n`);
} else {
  const runs = Number(process.argv[2] ?? 3);
  const count = ioHostileRows({ bombBytes: BOMB }).length;
  console.log(`${count} rows, ${runs} runs each (median ms; peak RSS of the run with the median time); bombs inflate to 8 GiB`);
  console.log('ms\tbefore MiB\tpeak MiB\tgrowth MiB\trow -> ended in');
  let failed = 0;
  for (let i = 0; i < count; i++) {
    const all: Measured[] = [];
    for (let r = 0; r < runs; r++) {
      const out = execFileSync(process.execPath, [...process.execArgv, self, '--row', String(i)], { encoding: 'utf8', maxBuffer: 1 << 20 });
      all.push(JSON.parse(out.trim().split('\n').pop()!) as Measured);
    }
    all.sort((a, b) => a.ms - b.ms);
    const m = all[Math.floor(all.length / 2)];
    if (all.some((x) => x.problems.length > 0)) failed++;
    console.log(`${m.ms.toFixed(1)}\t${m.rssBeforeMiB.toFixed(0)}\t${m.peakMiB.toFixed(0)}\t${m.growthMiB.toFixed(0)}\t${m.name} -> ${m.ended}${m.problems.length ? `  PROBLEMS: ${m.problems.join('; ')}` : ''}`);
  }
  console.log(failed === 0 ? 'every row held' : `${failed} rows broke their bounds`);
  if (failed > 0) process.exitCode = 1;
}
