import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@vjepa/errors';
import { beforeAll, describe, expect, it } from 'vitest';
import { sampleClipIndices } from './clip-sampling';
import { decodeFrames, planSegments } from './decode-frames';
import { type DecodedVideo, decodeVideo } from './decode-video';
import { resolveFfmpegPath } from './ffmpeg-path';
import { type FrameIndex, indexVideo } from './frame-index';
import { createDataRng } from './rng';

const videos = fileURLToPath(new URL('../../../fixtures/videos/', import.meta.url));
const lego = join(videos, 'lego-technic.mp4');
const mars = join(videos, 'mars-retrograde.avi');
const tmp = mkdtempSync(join(tmpdir(), 'vjepa-data-frames-'));
// The lego clip re-encoded to h264 with a keyframe every 24 frames and B-frames (closed and open GOPs),
// so that reads seek into the middle of an h264 stream (the fixture itself has one keyframe).
const gop24 = join(tmp, 'lego-gop24.mp4');
const openGop = join(tmp, 'lego-open-gop.mp4');
const size = [24, 40] as [number, number];

function sameFrames(full: DecodedVideo, wanted: ArrayLike<number>, got: Uint8Array): boolean {
  const n = full.height * full.width * 3;
  for (let i = 0; i < wanted.length; i++) {
    const f = wanted[i] as number;
    if (Buffer.compare(Buffer.from(full.frames.subarray(f * n, (f + 1) * n)), Buffer.from(got.subarray(i * n, (i + 1) * n))) !== 0) return false;
  }
  return true;
}

function makeGops(): void {
  const x264 = ['-an', '-vf', 'scale=280:160', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '24', '-keyint_min', '24', '-sc_threshold', '0', '-bf', '2'];
  execFileSync(resolveFfmpegPath(), ['-v', 'error', '-y', '-i', lego, ...x264, gop24]);
  execFileSync(resolveFfmpegPath(), ['-v', 'error', '-y', '-i', lego, ...x264, '-x264-params', 'open_gop=1', openGop]);
}

describe('decodeFrames: the sampled frames, byte for byte those of a full decode', () => {
  beforeAll(makeGops);

  it.each([
    ['h264 mp4, keyframe every 24, B-frames', gop24, true],
    ['h264 mp4, open GOPs', openGop, true],
    ['mpeg4 avi, keyframes 0, 12, 24', mars, true],
    ['h264 mp4, one keyframe (decoded from the start)', lego, false],
  ])('%s', async (_name, path, seeks) => {
    const { index } = await indexVideo(path);
    const full = await decodeVideo(path, { size });
    expect(index.numFrames).toBe(full.numFrames);
    const rng = createDataRng(11);
    const sets: Int32Array[] = [];
    for (let t = 0; t < 6; t++) {
      sets.push(sampleClipIndices(index.numFrames, index.fps, { framesPerClip: 8, frameStep: 1 }, rng)[0]!);
      sets.push(sampleClipIndices(index.numFrames, index.fps, { framesPerClip: 8, frameStep: 3, numClips: 2 }, rng).reduce((a, b) => Int32Array.from([...a, ...b])));
    }
    sets.push(Int32Array.of(index.numFrames - 1, 0, index.numFrames - 1)); // unordered, repeated, the last frame
    let seekRuns = 0;
    for (const wanted of sets) {
      const got = await decodeFrames(index, wanted, { size });
      expect([got.count, got.height, got.width]).toEqual([wanted.length, full.height, full.width]);
      expect(sameFrames(full, wanted, got.frames), `frames ${wanted.join(',')}`).toBe(true);
      expect(got.fallbacks).toBe(0);
      seekRuns += got.seeks;
    }
    if (seeks) expect(seekRuns).toBeGreaterThan(0);
    else expect(seekRuns).toBe(0);
  });

  it('seeks once into the middle of the h264 file for a window after a keyframe', async () => {
    const { index } = await indexVideo(gop24);
    expect(Array.from(index.keyframes)).toEqual([0, 24, 48, 72, 96, 120, 144]);
    expect(index.hasBFrames).toBe(true);
    const full = await decodeVideo(gop24, { size });
    const wanted = Int32Array.from({ length: 8 }, (_, i) => 101 + i);
    const got = await decodeFrames(index, wanted, { size });
    expect([got.seeks, got.fromStart, got.fallbacks]).toEqual([1, 0, 0]);
    expect(sameFrames(full, wanted, got.frames)).toBe(true);
    // the frame just before the keyframe and the keyframe itself: two runs, each exact
    const edge = Int32Array.of(95, 96, 143, 144);
    const two = await decodeFrames(index, edge, { size });
    expect(two.seeks + two.fromStart).toBe(2);
    expect(sameFrames(full, edge, two.frames)).toBe(true);
  });

  it('redoes a seek from the start when its frames do not check out, and stays exact', async () => {
    const { index } = await indexVideo(gop24);
    const full = await decodeVideo(gop24, { size });
    const pts = index.pts as { first: number; step: number };
    // an index whose timestamps are off by one tick: the seek selects nothing, showinfo says so
    const wrong: FrameIndex = { ...index, pts: { first: pts.first + 1, step: pts.step } };
    const wanted = Int32Array.of(130, 131);
    const got = await decodeFrames(wrong, wanted, { size });
    expect([got.seeks, got.fromStart, got.fallbacks]).toEqual([0, 1, 1]);
    expect(sameFrames(full, wanted, got.frames)).toBe(true);
    // without timestamps every read decodes from the start, selecting by frame count
    const none = await decodeFrames({ ...index, pts: null }, wanted, { size });
    expect([none.seeks, none.fromStart, none.fallbacks]).toEqual([0, 1, 0]);
    expect(sameFrames(full, wanted, none.frames)).toBe(true);
  });

  it('refuses frame indices outside the video', async () => {
    const { index } = await indexVideo(mars);
    await expect(decodeFrames(index, [0, 25])).rejects.toThrow(ConfigError);
    await expect(decodeFrames(index, [0, 25])).rejects.toThrow(/frames\[1\].*\[0, 25\).*25/);
    await expect(decodeFrames(index, [])).rejects.toThrow(/at least one frame/);
    await expect(decodeFrames(index, [1.5])).rejects.toThrow(ConfigError);
  });
});

describe('planSegments', () => {
  it('starts a run at a keyframe only when it skips more than a few frames', () => {
    const keys = Int32Array.of(0, 24, 48, 72, 96);
    expect(planSegments(keys, [3, 4, 5])).toEqual([{ key: 0, frames: [3, 4, 5] }]);
    expect(planSegments(keys, [10, 11, 30])).toEqual([{ key: 0, frames: [10, 11, 30] }]); // key 24 is close to 11
    expect(planSegments(keys, [50, 51, 100])).toEqual([{ key: 48, frames: [50, 51] }, { key: 96, frames: [100] }]);
    expect(planSegments(keys, [20, 23, 25])).toEqual([{ key: 0, frames: [20, 23, 25] }]); // key 24 is too early to seek to
    expect(planSegments(Int32Array.of(0), [150, 160])).toEqual([{ key: 0, frames: [150, 160] }]);
  });
});
