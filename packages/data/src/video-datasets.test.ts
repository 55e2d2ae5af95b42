import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataError } from '@vjepa/errors';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatDataStats } from './data-stats';
import { createDataRng } from './rng';
import { VideoFolderDataset } from './video-folder-dataset';
import { VideoIndexDataset, parseVideoIndex } from './video-index-dataset';

const videos = fileURLToPath(new URL('../../../fixtures/videos/', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'vjepa-data-ds-'));
const decode = { size: [24, 32] as [number, number] };
const ctx = (seed: number) => ({ rng: createDataRng(seed), epoch: 0 });

// The folders the dataset tests read, made from the fixture videos by the describes that need them
// (the parser tests need no fixture, so a missing one does not fail them).
let made = false;
function makeFolders(): void {
  if (made) return;
  mkdirSync(join(root, 'clips', 'rover'), { recursive: true });
  mkdirSync(join(root, 'clips', 'mars', 'deep'), { recursive: true });
  copyFileSync(join(videos, 'lego-technic.mp4'), join(root, 'clips', 'rover', 'lego.mp4'));
  copyFileSync(join(videos, 'mars-retrograde.avi'), join(root, 'clips', 'mars', 'deep', 'mars.avi'));
  writeFileSync(join(root, 'clips', 'mars', 'notes.txt'), 'not a video');
  writeFileSync(join(root, 'cut.avi'), readFileSync(join(videos, 'mars-retrograde.avi')).subarray(0, 100_000));
  writeFileSync(join(root, 'text.mp4'), 'plain text, not a video\n');
  // a 2x2 PPM image
  writeFileSync(join(root, 'clips', 'rover', 'still.ppm'), Buffer.concat([Buffer.from('P6\n2 2\n255\n'), Buffer.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9])]));
  mkdirSync(join(root, 'empty'));
  writeFileSync(join(root, 'empty', 'readme.md'), '# nothing');
  writeFileSync(
    join(root, 'train.txt'),
    ['# comment', 'clips/rover/lego.mp4 0', 'clips/mars/deep/mars.avi 1', 'gone.mp4 2', 'cut.avi 1', '', 'text.mp4 0'].join('\n'),
  );
  writeFileSync(join(root, 'bad-only.txt'), 'cut.avi 0\ntext.mp4 1\n');
  writeFileSync(join(root, 'missing-only.txt'), 'a.mp4 0\nb.mp4 1\n');
  writeFileSync(join(root, 'unlabelled.txt'), 'clips/rover/lego.mp4\nclips/mars/deep/mars.avi 4\n');
  made = true;
}

describe('parseVideoIndex', () => {
  it('reads "path label" lines, resolving relative paths against the index folder', () => {
    const e = parseVideoIndex('a.mp4 3\n\n# c\n/abs/b c.mp4 -1\n', '/data/x/train.txt');
    expect(e).toEqual([
      { path: '/data/x/a.mp4', label: 3, line: 1 },
      { path: '/abs/b c.mp4', label: -1, line: 4 },
    ]);
  });

  it('refuses a line without a label in supervised mode, naming file and line', () => {
    expect(() => parseVideoIndex('a.mp4 3\nb.mp4\n', '/d/train.txt')).toThrow(DataError);
    expect(() => parseVideoIndex('a.mp4 3\nb.mp4\n', '/d/train.txt')).toThrow(/\/d\/train\.txt line 2: expected "path label".*received "b\.mp4"/);
  });

  it('accepts and drops labels in pretraining mode', () => {
    expect(parseVideoIndex('a.mp4 3\nb.mp4\n', '/d/t.txt', 'ignore')).toEqual([
      { path: '/d/a.mp4', line: 1 },
      { path: '/d/b.mp4', line: 2 },
    ]);
  });
});

describe('VideoIndexDataset', () => {
  beforeAll(makeFolders);

  it('skips and counts missing, truncated and non-video files; pads the short clip', async () => {
    const ds = await VideoIndexDataset.open(join(root, 'train.txt'), { decode });
    expect(ds.length).toBe(5);
    expect(ds.stats().skipped).toEqual([{ path: join(root, 'gone.mp4'), line: 4, reason: 'missing file' }]);
    const lego = await ds.get(0, ctx(1));
    expect(lego.shape).toEqual([16, 24, 32, 3]);
    expect(lego.labels).toEqual({ label: 0 });
    const mars = await ds.get(1, ctx(1));
    expect(mars.labels).toEqual({ label: 1 });
    // the missing (2), truncated (3) and text (4) entries are served by the next usable entry
    expect((await ds.get(2, ctx(1))).labels).toEqual({ label: 0 });
    expect((await ds.get(3, ctx(1))).labels).toEqual({ label: 0 });
    expect((await ds.get(4, ctx(1))).labels).toEqual({ label: 0 });
    const stats = ds.stats();
    expect(stats.decoded).toBe(2);
    expect(stats.padded).toBe(1); // mars: 25 frames < the 64-frame window
    expect(stats.skipped.map((s) => [s.line, s.reason.split(':')[0]])).toEqual([[4, 'missing file'], [5, 'unreadable'], [7, 'unreadable']]);
    expect(stats.skipped[1]!.reason).toMatch(/cut\.avi.*Error at MB/);
    expect(formatDataStats(stats)).toMatch(/5 entries, 2 decoded \(1 padded, 0 images\), 3 skipped\n {2}missing file \(1\): .*gone\.mp4 \(line 4\)\n {2}unreadable \(2\)/);
  });

  it('skips the short clip instead of padding it with filterShortVideos (reference filter_short_videos)', async () => {
    const ds = await VideoIndexDataset.open(join(root, 'train.txt'), { decode, filterShortVideos: true });
    expect((await ds.get(1, ctx(1))).labels).toEqual({ label: 0 }); // mars (25 < 64 frames) served by lego
    const stats = ds.stats();
    expect(stats.padded).toBe(0);
    // mars, then gone (missing), cut and text (unreadable) are passed over before lego wraps round
    expect(stats.skipped.map((s) => s.reason.split(':')[0])).toEqual(['missing file', 'too short', 'unreadable', 'unreadable']);
    expect(stats.skipped[1]!.path).toMatch(/mars/);
  });

  it('samples real frames: the padded clip repeats its last frame; same rng gives the same clip', async () => {
    const ds = await VideoIndexDataset.open(join(root, 'train.txt'), { decode });
    const mars = await ds.get(1, ctx(3));
    const n = 24 * 32 * 3;
    // 25 frames, step 4: frames 0, 5, 10, 15, 20, 24, then frame 24 repeated
    expect(mars.clip.subarray(15 * n, 16 * n)).toEqual(mars.clip.subarray(5 * n, 6 * n));
    expect(mars.clip.subarray(4 * n, 5 * n)).not.toEqual(mars.clip.subarray(5 * n, 6 * n));
    const a = await ds.get(0, ctx(7));
    const b = await ds.get(0, ctx(7));
    expect(Buffer.compare(Buffer.from(a.clip.buffer), Buffer.from(b.clip.buffer))).toBe(0);
    expect(Math.max(...a.clip.subarray(0, n))).toBeLessThanOrEqual(1);
  });

  it('throws when every file fails, and refuses instead of skipping with onError "throw"', async () => {
    const bad = await VideoIndexDataset.open(join(root, 'bad-only.txt'), { decode });
    await expect(bad.get(0, ctx(0))).rejects.toThrow(/bad-only\.txt: every one of 2 entries failed/);
    await expect(VideoIndexDataset.open(join(root, 'missing-only.txt'))).rejects.toThrow(/every one of 2 listed files is missing/);
    const strict = await VideoIndexDataset.open(join(root, 'train.txt'), { decode, onError: 'throw' });
    await expect(strict.get(3, ctx(0))).rejects.toThrow(/cut\.avi/);
    await expect(strict.get(2, ctx(0))).rejects.toThrow(/gone\.mp4/);
  });

  it('applies the label rule: refused when required, accepted when ignored', async () => {
    await expect(VideoIndexDataset.open(join(root, 'unlabelled.txt'))).rejects.toThrow(/unlabelled\.txt line 1/);
    const pre = await VideoIndexDataset.open(join(root, 'unlabelled.txt'), { labels: 'ignore', decode });
    expect(pre.length).toBe(2);
    expect((await pre.get(1, ctx(0))).labels).toBeUndefined();
    await expect(VideoIndexDataset.open(join(root, 'nope.txt'))).rejects.toThrow(/nope\.txt.*ENOENT/);
  });
});

describe('VideoFolderDataset', () => {
  beforeAll(makeFolders);

  it('finds videos and images recursively by extension, labelled by subfolder', async () => {
    const ds = await VideoFolderDataset.open(join(root, 'clips'), { classFromFolder: true, decode, sampling: { framesPerClip: 4, frameStep: 2 } });
    expect(ds.classes).toEqual(['mars', 'rover']);
    expect(ds.entries.map((e) => [e.path.slice(root.length), e.label])).toEqual([
      ['/clips/mars/deep/mars.avi', 0],
      ['/clips/rover/lego.mp4', 1],
      ['/clips/rover/still.ppm', 1],
    ]);
    const still = await ds.get(2, ctx(0));
    expect(still.shape).toEqual([4, 24, 32, 3]);
    const n = 24 * 32 * 3;
    for (let t = 1; t < 4; t++) expect(still.clip.subarray(t * n, (t + 1) * n)).toEqual(still.clip.subarray(0, n));
    expect(ds.stats().images).toBe(1);
  });

  it('refuses an empty folder and a missing one', async () => {
    await expect(VideoFolderDataset.open(join(root, 'empty'))).rejects.toThrow(/empty: expected at least one file with extension .*received 1 file\(s\), none matching/);
    await expect(VideoFolderDataset.open(join(root, 'none'))).rejects.toThrow(DataError);
    await expect(VideoFolderDataset.open(join(root, 'clips'), { classFromFolder: false, includeImages: false })).resolves.toHaveProperty('length', 2);
  });
});

describe('a loader over real videos', () => {
  beforeAll(makeFolders);

  it('decodes several files concurrently and batches augmented clips', async () => {
    const { createLoader } = await import('./loader');
    const { createTrainTransform } = await import('./augment');
    const ds = await VideoFolderDataset.open(join(root, 'clips'), { decode, sampling: { framesPerClip: 8, frameStep: 2 } });
    let active = 0;
    let maxActive = 0;
    const counted = {
      length: ds.length,
      get: async (i: number, c: { rng: { next(): number }; epoch: number }) => {
        active++;
        maxActive = Math.max(maxActive, active);
        try {
          return await ds.get(i, c);
        } finally {
          active--;
        }
      },
    };
    const loader = createLoader(counted, { batchSize: 3, seed: 1, concurrency: 3, transform: createTrainTransform({ cropSize: 16 }) });
    const batches = [];
    for await (const b of loader) batches.push(b);
    expect(batches.length).toBe(1);
    expect(batches[0]!.shape).toEqual([3, 8, 16, 16, 3]);
    expect(maxActive).toBe(3);
    expect(ds.stats().decoded).toBe(3);
  });
});

describe('file datasets read only the sampled frames, and get the clips the whole-file decode gave', () => {
  beforeAll(makeFolders);

  it('same clips with the cache (memory), without it (seeks) and from decodeVideo + sampleClipIndices', async () => {
    const { decodeVideo } = await import('./decode-video');
    const { sampleClipIndices } = await import('./clip-sampling');
    const sampling = { framesPerClip: 8, frameStep: 2, numClips: 2 };
    const open = (cacheBytes?: number) => VideoFolderDataset.open(join(root, 'clips'), { decode, sampling, includeImages: false, cacheBytes });
    const [memory, seeking] = await Promise.all([open(), open(0)]);
    for (const i of [0, 1]) {
      const path = memory.entries[i]!.path;
      const full = await decodeVideo(path, decode);
      const n = full.height * full.width * 3;
      for (const seed of [1, 2, 3]) {
        const frames = sampleClipIndices(full.numFrames, full.fps, sampling, createDataRng(seed)).flatMap((c) => Array.from(c));
        const expected = new Float32Array(frames.length * n);
        frames.forEach((f, t) => expected.set(Array.from(full.frames.subarray(f * n, (f + 1) * n), (v) => v / 255), t * n));
        for (const ds of [memory, seeking]) {
          const s = await ds.get(i, ctx(seed));
          expect(s.shape).toEqual([16, 24, 32, 3]);
          expect(s.clip).toEqual(expected);
        }
      }
    }
    const m = memory.decodeCounts();
    expect([m.indexed, m.kept, m.fromMemory, m.seeked + m.fromStart]).toEqual([2, 2, 6, 0]);
    const s = seeking.decodeCounts();
    expect([s.indexed, s.kept, s.fromMemory, s.fellBack]).toEqual([2, 0, 0, 0]);
    expect(s.seeked + s.fromStart).toBeGreaterThanOrEqual(6);
  });
});
