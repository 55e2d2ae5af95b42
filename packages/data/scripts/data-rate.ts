// The data pipeline alone on a folder of videos: clips/s and ffmpeg CPU per clip, whole-file decode
// (the path before frame indexes) vs decoding only the sampled frames.
//
//   node_modules/.bin/tsx --conditions=@vjepa/source packages/data/scripts/data-rate.ts DIR [--epochs 6] [--frames 8] [--step 1] [--size 37] [--concurrency 2]
//
// All read the same (file, clip window) sequence through createLoader with the train transform
// (crop 32), batch 8, dropLast, as vjepa-train does, for --epochs epochs after every file was read
// once: "whole" decodes each sample's file in full with decodeVideo and takes the clip's frames (the
// dataset before frame indexes); "sampled" is VideoFolderDataset with cacheBytes 0 (index once, then
// seek and decode only the sampled frames); "memory" is it with the default cache (small videos kept
// whole after their index pass). CPU is the reaped children's (ffmpeg) from /proc/self/stat; wall
// times on a shared machine are noisy.
import { readFileSync } from 'node:fs';
import { VideoFolderDataset, createDataRng, createLoader, createTrainTransform, decodeVideo, sampleClipIndices, type Dataset } from '../src/index';

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

const open = (cacheBytes: number) => VideoFolderDataset.open(dir, { sampling, decode, includeImages: false, cacheBytes });
const ds = await open(0);
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

async function measure(dataset: Dataset, count: number) {
  const loader = createLoader(dataset, { batchSize, seed: 0, dropLast: true, transform, startEpoch: 1, epochs: count, concurrency });
  const c0 = childCpuSec();
  const t0 = performance.now();
  let clips = 0;
  for await (const b of loader) clips += b.shape[0];
  const wall = (performance.now() - t0) / 1000;
  return { clips, perSec: clips / wall, cpuMs: ((childCpuSec() - c0) * 1000) / clips };
}

/** Reads every file once (index passes), timed apart. */
async function firstReads(dataset: VideoFolderDataset) {
  const c0 = childCpuSec();
  for (let i = 0; i < dataset.length; i++) await dataset.get(i, { rng: createDataRng(i), epoch: 0 });
  return ((childCpuSec() - c0) * 1000) / dataset.length;
}

console.log(`${ds.length} videos, ${sampling.framesPerClip} frames step ${sampling.frameStep}, decode short side ${decode.size}, batch ${batchSize}, concurrency ${concurrency}, ${epochs} epochs of ${Math.floor(ds.length / batchSize)} batch(es)`);
const cached = await open(256 * 1024 * 1024);
const first0 = await firstReads(ds);
const first1 = await firstReads(cached);
console.log(`first read of each file (index pass + clip), ffmpeg CPU/file: ${first0.toFixed(1)} ms without cache, ${first1.toFixed(1)} ms keeping frames`);
const old = await measure(whole, epochs);
console.log(`whole-file decode per clip:        ${old.perSec.toFixed(1).padStart(6)} clips/s, ffmpeg ${old.cpuMs.toFixed(1).padStart(6)} ms CPU/clip`);
const seek = await measure(ds, epochs);
console.log(`sampled frames only (cacheBytes 0): ${seek.perSec.toFixed(1).padStart(6)} clips/s, ffmpeg ${seek.cpuMs.toFixed(1).padStart(6)} ms CPU/clip  ${JSON.stringify(ds.decodeCounts())}`);
const mem = await measure(cached, epochs);
console.log(`cut from memory (default cache):    ${mem.perSec.toFixed(1).padStart(6)} clips/s, ffmpeg ${mem.cpuMs.toFixed(1).padStart(6)} ms CPU/clip  ${JSON.stringify(cached.decodeCounts())}`);
console.log(`ffmpeg CPU per clip: ${(old.cpuMs / seek.cpuMs).toFixed(2)}x less decoding only the sampled frames`);
