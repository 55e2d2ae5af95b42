import { describe, expect, it } from 'vitest';
import { parseArchConfig } from './arch-config';
import { movingMnistClips, parseVideoIndex } from './clip-sets';

describe('video index', () => {
  it('parses "path label" lines relative to the index folder', () => {
    const e = parseVideoIndex('# comment\nvideos/a b.mp4 0\n\n/abs/c.mp4 12\n', '/data/train.txt');
    expect(e).toEqual([
      { path: '/data/videos/a b.mp4', label: 0, line: 2 },
      { path: '/abs/c.mp4', label: 12, line: 4 },
    ]);
  });

  it('names the file and line of a missing or non-integer label', () => {
    expect(() => parseVideoIndex('a.mp4 0\nb.mp4\n', 'train.txt')).toThrow(/train\.txt:2: label/);
    expect(() => parseVideoIndex('a.mp4 0\nb.mp4 1.5\n', 'test.txt')).toThrow(/test\.txt:2: label: expected a non-negative integer class label, received "1\.5"/);
    expect(() => parseVideoIndex('a.mp4 cat\n', 'i.txt')).toThrow(/i\.txt:1/);
    expect(() => parseVideoIndex('\n# nothing\n', 'e.txt')).toThrow(/at least one/);
  });
});

describe('held-out Moving MNIST clips', () => {
  const arch = parseArchConfig('model: {embed_dim: 64, depth: 2, num_heads: 4}\ndata: {patch_size: 8, num_frames: 4, crop_size: 32, frame_step: 2}\n');

  it('gives normalised eval clips with digit and direction labels, deterministically', async () => {
    const set = movingMnistClips(arch, { part: 'probe-test', count: 6, seed: 3 });
    expect(set.size).toBe(6);
    const a = await set.clips(2, 3);
    expect(a.shape).toEqual([3, 4, 32, 32, 3]);
    const b = await movingMnistClips(arch, { part: 'probe-test', count: 6, seed: 3 }).clips(2, 3);
    expect(b.data).toEqual(a.data);
    expect(Math.min(...a.data)).toBeLessThan(-1.5); // ImageNet-normalised black background
    for (const v of set.labels.digit) expect(v).toBeGreaterThanOrEqual(0);
    for (const v of set.labels.direction) expect(v).toBeLessThan(8);
  });

  it('draws probe-train and probe-test from different digit images', () => {
    const a = movingMnistClips(arch, { part: 'probe-train', count: 4, seed: 3 });
    const b = movingMnistClips(arch, { part: 'probe-test', count: 4, seed: 3 });
    expect(a.spec).not.toBe(b.spec);
  });
});
