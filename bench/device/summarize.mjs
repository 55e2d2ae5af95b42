// Reads the device bench's results.jsonl and prints one table: median step time, clips/s, ratio
// against PyTorch fp32 of the same config, peak GPU memory, and whether the first losses agree.
import { readFileSync } from 'node:fs';

const rows = readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const batch = { tiny: 8, d192: 16, vits16: 24, vitl16: 24 };
const out = ['| config | run | backend | median step (ms) | clips/s | vs PyTorch fp32 | peak GPU memory | first loss |', '| --- | --- | --- | --- | --- | --- | --- | --- |'];
const timed = (r) => r.stepMs.slice(r.stepMs.length >= 7 ? 2 : 1);
for (const cfg of Object.keys(batch)) {
  const mine = rows.filter((r) => r.run.startsWith(`${cfg}-`) && !r.run.endsWith('-prepare'));
  const ref = mine.find((r) => r.run === `${cfg}-torch-fp32` && r.stepMs);
  const refRate = ref ? batch[cfg] / (median(timed(ref)) / 1000) : null;
  for (const r of mine) {
    if (r.error) { out.push(`| ${cfg} | ${r.run} | | failed: ${r.error.slice(0, 160)} | | | | |`); continue; }
    const ms = median(timed(r));
    const rate = batch[cfg] / (ms / 1000);
    const gb = r.peakGpuBytes ? `${(r.peakGpuBytes / 2 ** 30).toFixed(1)} GiB` : '';
    out.push(`| ${cfg} | ${r.run} | ${r.backend} | ${ms.toFixed(1)} | ${rate.toFixed(1)} | ${refRate ? (rate / refRate).toFixed(2) + 'x' : ''} | ${gb} | ${r.losses?.[0]?.toFixed(5) ?? ''} |`);
  }
}
console.log(out.join('\n'));
