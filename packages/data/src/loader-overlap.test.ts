import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it, vi } from 'vitest';

// Count ffmpeg starts (the real runner still runs).
const started = vi.hoisted(() => ({ count: 0 }));
vi.mock('./ffmpeg-run', async (importOriginal) => {
  const real = await importOriginal<typeof import('./ffmpeg-run')>();
  return {
    ...real,
    runFfmpeg: (...args: Parameters<typeof real.runFfmpeg>) => {
      const run = real.runFfmpeg(...args); // starts the process synchronously
      started.count++;
      return run;
    },
  };
});

const { createLoader } = await import('./loader');
const { createDataRng } = await import('./rng');
const { VideoFolderDataset } = await import('./video-folder-dataset');

const videos = fileURLToPath(new URL('../../../fixtures/videos/', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'vjepa-data-overlap-'));
beforeAll(() => {
  mkdirSync(join(root, 'clips'));
  copyFileSync(join(videos, 'lego-technic.mp4'), join(root, 'clips', 'lego.mp4'));
  copyFileSync(join(videos, 'mars-retrograde.avi'), join(root, 'clips', 'mars.avi'));
});

describe('the loader starts decoding the next batches before it hands a batch out', () => {
  it('every prefetched sample has its ffmpeg process running when the caller gets its batch', async () => {
    // 4 consecutive frames: one ffmpeg run per read (no keyframe 16+ frames inside a window); no cache
    const ds = await VideoFolderDataset.open(join(root, 'clips'), { decode: { size: [8, 8] }, sampling: { framesPerClip: 4, frameStep: 1 }, cacheBytes: 0 });
    for (let i = 0; i < ds.length; i++) await ds.get(i, { rng: createDataRng(i), epoch: 0 }); // index passes
    started.count = 0;
    const it = createLoader(ds, { batchSize: 2, seed: 3, prefetch: 2, epochs: 4, concurrency: 6 })[Symbol.asyncIterator]();
    await it.next(); // batch 0; batches 1 and 2 requested
    expect(started.count).toBe(6);
    await it.next(); // batch 1; batch 3 requested: its reads must be running before the caller computes
    expect(started.count).toBe(8);
    await it.next();
    expect(started.count).toBe(8); // nothing beyond the last epoch
    await it.return?.();
    expect(ds.decodeCounts().fromMemory).toBe(0);
  });
});
