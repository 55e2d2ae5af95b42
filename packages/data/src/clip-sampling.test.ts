import { ConfigError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { clipWindow, sampleClipIndices } from './clip-sampling';
import { createDataRng } from './rng';

const fixed = (u: number) => ({ next: () => u });

describe('sampleClipIndices: reference semantics', () => {
  it('takes 16 linspace integers over a 64-frame window (stride 64/15)', () => {
    const [clip] = sampleClipIndices(64, 30, {}, fixed(0.5));
    expect(Array.from(clip!)).toEqual([0, 4, 8, 12, 17, 21, 25, 29, 34, 38, 42, 46, 51, 55, 59, 63]);
  });

  it('places the window start uniformly in [0, numFrames - window]', () => {
    expect(Array.from(sampleClipIndices(100, 30, {}, fixed(0))[0]!).slice(0, 2)).toEqual([0, 4]);
    expect(sampleClipIndices(100, 30, {}, fixed(0.999999))[0]![15]).toBe(99);
    const starts = new Set<number>();
    const rng = createDataRng(1);
    for (let i = 0; i < 2000; i++) starts.add(sampleClipIndices(70, 30, {}, rng)[0]![0]!);
    expect([...starts].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('centres the window when randomStart is false', () => {
    const [clip] = sampleClipIndices(100, 30, { randomStart: false }, fixed(0.9));
    expect(clip![0]).toBe(18);
    expect(clip![15]).toBe(18 + 63);
  });

  it('pads short videos with evenly spaced frames and repeats of the last', () => {
    expect(Array.from(sampleClipIndices(10, 30, {}, fixed(0.3))[0]!)).toEqual([0, ...Array(15).fill(9)]);
    expect(Array.from(sampleClipIndices(33, 30, {}, fixed(0.3))[0]!)).toEqual([
      0, 4, 9, 14, 18, 23, 28, 32, 32, 32, 32, 32, 32, 32, 32, 32,
    ]);
    expect(Array.from(sampleClipIndices(1, 30, {}, fixed(0.3))[0]!)).toEqual(Array(16).fill(0));
    expect(Array.from(sampleClipIndices(3, 30, { framesPerClip: 4, frameStep: 4 }, fixed(0))[0]!)).toEqual([0, 0, 0, 0]);
  });

  it('cuts num_clips equal partitions, one clip in each', () => {
    const clips = sampleClipIndices(300, 30, { numClips: 3 }, fixed(0));
    expect(clips.map((c) => c[0])).toEqual([0, 100, 200]);
    const late = sampleClipIndices(300, 30, { numClips: 3 }, fixed(0.999999));
    expect(late.map((c) => c[15])).toEqual([99, 199, 299]);
  });

  it('derives the step from duration and fps', () => {
    expect(clipWindow(30, { duration: 2 })).toEqual({ frameStep: 4, window: 64 });
    expect(clipWindow(10, { duration: 2, framesPerClip: 8 })).toEqual({ frameStep: 3, window: 24 });
    expect(clipWindow(30, { duration: 0.01 })).toEqual({ frameStep: 1, window: 16 });
    const [clip] = sampleClipIndices(200, 10, { duration: 2, framesPerClip: 8, frameStep: 99 }, fixed(0));
    expect(clip![7]).toBe(23);
  });

  it('holds its invariants over many shapes and seeds', () => {
    const rng = createDataRng(123);
    for (let n = 1; n <= 160; n += 3) {
      for (const numClips of [1, 2, 3, 5]) {
        for (const [fpc, step] of [[16, 4], [8, 2], [1, 3], [5, 1]] as const) {
          const window = fpc * step;
          const clips = sampleClipIndices(n, 25, { framesPerClip: fpc, frameStep: step, numClips }, rng);
          expect(clips.length).toBe(numClips);
          const part = Math.max(1, Math.floor(n / numClips));
          clips.forEach((clip, c) => {
            expect(clip.length).toBe(fpc);
            const lo = Math.min(c * part, n - 1);
            for (let k = 0; k < fpc; k++) {
              expect(clip[k]).toBeGreaterThanOrEqual(lo);
              expect(clip[k]).toBeLessThan(Math.min(n, lo + part));
              if (k > 0) expect(clip[k]).toBeGreaterThanOrEqual(clip[k - 1]!);
            }
            if (part >= window) expect(clip[fpc - 1]! - clip[0]!).toBe(fpc === 1 ? 0 : window - 1);
          });
        }
      }
    }
  });

  it('is deterministic given the rng', () => {
    const a = sampleClipIndices(500, 30, { numClips: 2 }, createDataRng(4));
    const b = sampleClipIndices(500, 30, { numClips: 2 }, createDataRng(4));
    expect(a).toEqual(b);
  });

  it('refuses bad options with the official key name', () => {
    expect(() => sampleClipIndices(10, 30, { framesPerClip: 0 }, fixed(0))).toThrow(/data\.frames_per_clip/);
    expect(() => sampleClipIndices(10, 30, { frameStep: 1.5 }, fixed(0))).toThrow(ConfigError);
    expect(() => sampleClipIndices(0, 30, {}, fixed(0))).toThrow(/numFrames/);
    expect(() => sampleClipIndices(10, 0, { duration: 1 }, fixed(0))).toThrow(/frame rate/);
  });
});
