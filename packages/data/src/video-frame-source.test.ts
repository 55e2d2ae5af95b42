import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, DataError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { decodeVideo } from './decode-video';
import { VideoFrameSource } from './video-frame-source';

const videos = fileURLToPath(new URL('../../../fixtures/videos/', import.meta.url));
const mars = join(videos, 'mars-retrograde.avi');
const tmp = mkdtempSync(join(tmpdir(), 'vjepa-data-source-'));
const decode = { size: [24, 32] as [number, number] };
const frameBytes = 24 * 32 * 3;

describe('VideoFrameSource', () => {
  it('keeps a video that fits the cache after its index pass and cuts later reads from memory', async () => {
    const full = await decodeVideo(mars, decode);
    const source = new VideoFrameSource({ decode });
    const wanted = Int32Array.of(24, 3, 3, 12);
    const [a, b] = await Promise.all([source.frames(mars, wanted), source.frames(mars, Int32Array.of(0))]);
    expect(source.counts()).toEqual({ indexed: 1, kept: 1, keptBytes: full.frames.length, fromMemory: 2, seeked: 0, fromStart: 0, fellBack: 0 });
    wanted.forEach((f, i) => expect(a.frames.subarray(i * frameBytes, (i + 1) * frameBytes)).toEqual(full.frames.subarray(f * frameBytes, (f + 1) * frameBytes)));
    expect(b.frames).toEqual(full.frames.subarray(0, frameBytes));
    expect((await source.index(mars)).numFrames).toBe(25);
    await expect(source.frames(mars, Int32Array.of(25))).rejects.toThrow(ConfigError);
    // exactly 1/16 of the budget is still kept
    const edge = new VideoFrameSource({ decode, cacheBytes: 16 * full.frames.length });
    await edge.frames(mars, Int32Array.of(0));
    expect(edge.counts().kept).toBe(1);
  });

  it('decodes only the sampled frames when the video does not fit (or the cache is off), with the same bytes', async () => {
    const full = await decodeVideo(mars, decode);
    // off; smaller than the video; larger than what is left (16 * size - 1: the video is over 1/16 of it)
    for (const cacheBytes of [0, full.frames.length - 1, 16 * full.frames.length - 1]) {
      const source = new VideoFrameSource({ decode, cacheBytes });
      const got = await source.frames(mars, Int32Array.of(24, 24, 5));
      const counts = source.counts();
      expect([counts.indexed, counts.kept, counts.fromMemory, counts.seeked + counts.fromStart]).toEqual([1, 0, 0, 2]);
      expect(counts.seeked).toBe(1); // frame 24 is a keyframe more than 16 frames in
      expect(got.frames.subarray(0, frameBytes)).toEqual(full.frames.subarray(24 * frameBytes, 25 * frameBytes));
      expect(got.frames.subarray(2 * frameBytes)).toEqual(full.frames.subarray(5 * frameBytes, 6 * frameBytes));
    }
  });

  it('forgets a failed index pass (the next read retries) and refuses a negative cache size', async () => {
    const bad = join(tmp, 'bad.avi');
    writeFileSync(bad, 'not a video');
    const source = new VideoFrameSource({ decode });
    await expect(source.frames(bad, Int32Array.of(0))).rejects.toThrow(DataError);
    await expect(source.index(bad)).rejects.toThrow(/bad\.avi/);
    expect(source.counts().indexed).toBe(2);
    expect(() => new VideoFrameSource({ cacheBytes: -1 })).toThrow(/cacheBytes: expected a number of bytes >= 0/);
  });
});
