// The data pipeline alone on a folder of videos: clips/s and ffmpeg CPU per clip, whole-file decode
// (the path before frame indexes) vs decoding only the sampled frames.
//
//   node_modules/.bin/tsx --conditions=@vjepa/source packages/data/scripts/data-rate.ts DIR [--epochs 6] [--frames 8] [--step 1] [--size 37] [--concurrency 2]
//
// Both read the same (file, clip window) sequence: a VideoFolderDataset through createLoader with the
// train transform (crop 32), batch 8, dropLast, as vjepa-train does. "whole" decodes every sample's
// file in full with decodeVideo and takes the clip's frames (what the dataset did before); "sampled"
// is the dataset as it is now (first read of a file: one index pass; then only the sampled frames).
// The first epoch of "sampled" (index passes) is reported apart. CPU is the reaped children's
// (ffmpeg) from /proc/self/stat; wall times on a shared machine are noisy.
import { readFileSync } from 'node:fs';
import { VideoFolderDataset, createLoader, createTrainTransform, decodeVideo, sampleClipIndices, type Dataset } from '../src/index';

const args = process.argv.slice(2);
const dir = args[0];
if (dir === undefined) {
  console.error('usage: data-rate.ts DIR [--epochs 6] [--frames 8] [--step 1] [--size 37] [--concurrency 2]');
  process.exit(2);
}
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return Number(i >= 0 ? args[i + 1] : dflt);
};
const epochs = opt('epochs', '6');
const sampling = { framesPerClip: opt('frames', '8'), frameStep: opt('step', '1'), numClips: 1 };
const decode = { size: opt('size', '37') };
const concurrency = opt('concurrency', '2');
const batchSize = 8;

const childCpuSec = () => {
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[13]) + Number(f[14])) / 100;
};

const ds = await VideoFolderDataset.open(dir, { sampling, decode, includeImages: false });
// the same samples, decoded the old way
const whole: Dataset = {
  length: ds.length,
  async get(i, ctx) {
    const path = ds.entries[i]!.path;
    const v = await decodeVideo(path, decode);
    const idx = sampleClipIndices(v.numFrames, v.fps > 0 ? v.fps : 30, sampling, ctx.rng)[0]!;
    const n = v.height * v.width * 3;
    const clip = new Float32Array(idx.length * n);
    idx.forEach((f, t) => {
      for (let k = 0; k < n; k++) clip[t * n + k] = v.frames[f * n + k]! / 255;
    });
    return { clip, shape: [idx.length, v.height, v.width, 3] };
  },
};
const transform = createTrainTransform({ cropSize: 32, scale: [0.6, 1], ratio: [0.75, 1.35] });

async function measure(dataset: Dataset, startEpoch: number, count: number) {
  const loader = createLoader(dataset, { batchSize, seed: 0, dropLast: true, transform, startEpoch, epochs: count, concurrency });
  const c0 = childCpuSec();
  const t0 = performance.now();
  let clips = 0;
  for await (const b of loader) clips += b.shape[0];
  const wall = (performance.now() - t0) / 1000;
  return { clips, perSec: clips / wall, cpuMs: ((childCpuSec() - c0) * 1000) / clips };
}

console.log(`${ds.length} videos, ${sampling.framesPerClip} frames step ${sampling.frameStep}, decode short side ${decode.size}, batch ${batchSize}, concurrency ${concurrency}`);
const first = await measure(ds, 0, 1);
console.log(`sampled, epoch 0 (index passes): ${first.perSec.toFixed(1)} clips/s, ffmpeg ${first.cpuMs.toFixed(1)} ms CPU/clip`);
const later = await measure(ds, 1, epochs);
console.log(`sampled, epochs 1-${epochs}:         ${later.perSec.toFixed(1)} clips/s, ffmpeg ${later.cpuMs.toFixed(1)} ms CPU/clip  (${JSON.stringify(ds.decodeCounts())})`);
const old = await measure(whole, 1, epochs);
console.log(`whole-file decode, epochs 1-${epochs}: ${old.perSec.toFixed(1)} clips/s, ffmpeg ${old.cpuMs.toFixed(1)} ms CPU/clip`);
console.log(`ffmpeg CPU per clip: ${(old.cpuMs / later.cpuMs).toFixed(2)}x less when decoding only the sampled frames`);
