import '@tensorflow/tfjs-backend-cpu';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { ClipSet } from '@vjepa/data';
import { DataError } from '@vjepa/errors';
import { beforeAll, describe, expect, it } from 'vitest';
import { archFromConfig } from './arch';
import { FEATURE_PART_ITEMS, cachedFeatures } from './feature-cache';
import { loadEncoder } from './encoder-source';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const arch = archFromConfig({ model: { embed_dim: 16, depth: 1, num_heads: 2 }, data: { patch_size: 8, tubelet_size: 2, num_frames: 2, crop_size: 16 } });
const PER = 2 * 16 * 16 * 3;

/** A file-like set of `size` items whose `bad` items throw a DataError; counts the items read. */
function fileSet(size: number, bad: ReadonlySet<number>, reads: number[] = []): ClipSet {
  return {
    name: 'videos.txt',
    size,
    labels: { label: Int32Array.from({ length: size }, (_, i) => i % 2) },
    numClasses: { label: 2 },
    spec: `test-set|${size}|${[...bad].join(',')}`,
    clipsPerItem: 1,
    describe: (i) => `v${i}.mp4 (videos.txt line ${i + 1})`,
    async clips(start, n) {
      const clips = new Float32Array(n * PER);
      for (let i = start; i < start + n; i++) {
        reads.push(i);
        if (bad.has(i)) throw new DataError(`v${i}.mp4`, { expected: 'a readable video', received: 'an empty file (0 bytes)' });
        clips.fill(Math.sin(i), (i - start) * PER, (i - start + 1) * PER);
      }
      return { clips, shape: [n, 2, 16, 16, 3] };
    },
  };
}

describe('cachedFeatures', () => {
  it('skips and names the unreadable items of a file set, keeps the others with their set index, and caches by content', async () => {
    const loaded = await loadEncoder(arch, { randomInit: { seed: 3 } });
    const cacheDir = mkdtempSync(join(tmpdir(), 'vjepa-features-'));
    const lines: string[] = [];
    const f = await cachedFeatures(loaded, fileSet(6, new Set([1, 4])), { cacheDir, log: (l) => lines.push(l) });
    expect(f.shape).toEqual([4, 4, 16]); // 1 x 2 x 2 tokens
    expect(Array.from(f.items!)).toEqual([0, 2, 3, 5]);
    expect(f.skipped!.map((s) => s.index)).toEqual([1, 4]);
    expect(lines).toContain('skipped: v1.mp4 (videos.txt line 2): v1.mp4: expected a readable video, received an empty file (0 bytes).');
    const again = await cachedFeatures(loaded, fileSet(6, new Set([1, 4])), { cacheDir });
    expect(again.cached).toBe(true);
    expect(Array.from(again.data)).toEqual(Array.from(f.data));
    expect(again.skipped).toEqual(f.skipped);
    // failFast: the first unreadable item stops with its error
    await expect(cachedFeatures(loaded, fileSet(3, new Set([1])), { failFast: true })).rejects.toThrow('v1.mp4: expected a readable video');
    loaded.encoder.dispose();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('resumes from the parts of an interrupted run, reading no part twice, with the features of an uninterrupted one', async () => {
    const loaded = await loadEncoder(arch, { randomInit: { seed: 3 } });
    const size = 2 * FEATURE_PART_ITEMS + 5;
    const whole = await cachedFeatures(loaded, fileSet(size, new Set()));
    const cacheDir = mkdtempSync(join(tmpdir(), 'vjepa-features-'));
    // the first run dies while reading the third part
    const dying = fileSet(size, new Set());
    const clips = dying.clips.bind(dying);
    const interrupted = { ...dying, clips: async (s: number, n: number) => (s >= 2 * FEATURE_PART_ITEMS ? Promise.reject(new Error('killed')) : clips(s, n)) };
    await expect(cachedFeatures(loaded, interrupted, { cacheDir })).rejects.toThrow('killed');
    const partsDir = readdirSync(cacheDir).find((n) => n.endsWith('.parts'))!;
    expect(readdirSync(join(cacheDir, partsDir)).filter((n) => n.endsWith('.npy'))).toHaveLength(2);
    const reads: number[] = [];
    const lines: string[] = [];
    const resumed = await cachedFeatures(loaded, fileSet(size, new Set(), reads), { cacheDir, log: (l) => lines.push(l) });
    expect(reads).toEqual(Array.from({ length: 5 }, (_, i) => 2 * FEATURE_PART_ITEMS + i));
    expect(lines.at(-1)).toContain('(2 part(s) from an interrupted run)');
    expect(Array.from(resumed.data)).toEqual(Array.from(whole.data));
    expect(readdirSync(cacheDir).some((n) => n.endsWith('.parts'))).toBe(false);
    loaded.encoder.dispose();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('refuses a set where no item can be read', async () => {
    const loaded = await loadEncoder(arch, { randomInit: { seed: 3 } });
    await expect(cachedFeatures(loaded, fileSet(2, new Set([0, 1])))).rejects.toThrow('videos.txt: every one of 2 item(s): expected at least one readable clip, received 2 skipped');
    loaded.encoder.dispose();
  });
});
