// Frame-exactness of decodeFrames against a full decode, on every video in a folder.
//
//   node_modules/.bin/tsx --conditions=@vjepa/source packages/data/scripts/check-frame-exact.ts DIR [--size 37] [--trials 20]
//
// For each video: the index's frame count must equal decodeVideo's; then --trials random clip
// windows (8 frames, step 1, and 16 frames, step 4, as the dataset samples them) plus one frame
// after each keyframe and the last frame are decoded with decodeFrames and compared byte for byte
// with the same frames of the full decode. Prints per file: frames, keyframes, runs that seeked /
// decoded from the start / fell back, ffmpeg CPU time of the full decode vs the mean per window, and
// exits 1 on any mismatch.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDataRng, decodeVideo, sampleClipIndices } from '../src/index';
import { decodeFrames } from '../src/decode-frames';
import { indexVideo } from '../src/frame-index';

const args = process.argv.slice(2);
const dir = args[0];
if (dir === undefined) {
  console.error('usage: check-frame-exact.ts DIR [--size 37] [--trials 20]');
  process.exit(2);
}
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] as string) : dflt;
};
const size = Number(opt('size', '37'));
const trials = Number(opt('trials', '20'));

// ffmpeg's CPU is the reaped children's: cutime + cstime from /proc/self/stat (linux), in clock ticks.
const childCpuSec = () => {
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[13]) + Number(f[14])) / 100;
};

let bad = 0;
for (const name of readdirSync(dir).sort()) {
  const path = join(dir, name);
  const c0 = childCpuSec();
  const full = await decodeVideo(path, { size });
  const c1 = childCpuSec();
  const { index } = await indexVideo(path);
  const c2 = childCpuSec();
  const fb = full.height * full.width * 3;
  const problems: string[] = [];
  if (index.numFrames !== full.numFrames) problems.push(`index ${index.numFrames} frames vs full decode ${full.numFrames}`);
  const rng = createDataRng(7);
  const sets: number[][] = [];
  for (let t = 0; t < trials; t++) {
    sets.push(Array.from(sampleClipIndices(full.numFrames, full.fps || 30, { framesPerClip: 8, frameStep: 1 }, rng)[0]!));
    sets.push(Array.from(sampleClipIndices(full.numFrames, full.fps || 30, { framesPerClip: 16, frameStep: 4 }, rng)[0]!));
  }
  for (const k of index.keyframes) if (k + 1 < full.numFrames) sets.push([k, k + 1]);
  sets.push([full.numFrames - 1]);
  let seeks = 0, fromStart = 0, fallbacks = 0;
  const c3 = childCpuSec();
  for (const want of sets) {
    const got = await decodeFrames(index, want, { size });
    seeks += got.seeks;
    fromStart += got.fromStart;
    fallbacks += got.fallbacks;
    want.forEach((f, i) => {
      const a = full.frames.subarray(f * fb, (f + 1) * fb);
      const b = got.frames.subarray(i * fb, (i + 1) * fb);
      if (Buffer.compare(Buffer.from(a), Buffer.from(b)) !== 0) problems.push(`frame ${f} differs (set ${want.join(',')})`);
    });
  }
  const c4 = childCpuSec();
  console.log(
    `${name.padEnd(28)} ${String(full.numFrames).padStart(4)} frames, keys [${Array.from(index.keyframes).slice(0, 8).join(',')}${index.keyframes.length > 8 ? ',...' : ''}], ` +
      `pts ${index.pts === null ? 'none' : index.pts instanceof Float64Array ? 'per-frame' : 'even'}; runs: ${seeks} seek, ${fromStart} from start, ${fallbacks} fell back; ` +
      `cpu: full ${(c1 - c0).toFixed(2)} s, index ${(c2 - c1).toFixed(2)} s, per set ${((c4 - c3) / sets.length).toFixed(3)} s` +
      (problems.length ? `\n  MISMATCH: ${problems.slice(0, 5).join('; ')}` : ''),
  );
  if (problems.length) bad++;
}
if (bad > 0) {
  console.log(`${bad} file(s) with mismatches`);
  process.exit(1);
}
console.log('all frames identical to the full decode');
