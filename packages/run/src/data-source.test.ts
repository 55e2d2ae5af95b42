import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './load-config';
import { createBatchSource } from './data-source';

const videos = fileURLToPath(new URL('../../../fixtures/videos/', import.meta.url));
const lego = join(videos, 'lego-technic.mp4');

function videoConfig(type: 'video_index' | 'video_folder', dataset: string) {
  return loadConfig({
    set: [`data.dataset_type=${type}`, `data.datasets=[${dataset}]`, 'data.batch_size=2', 'data.num_frames=4', 'data.frame_step=4', 'data.crop_size=32'],
  });
}

describe('createBatchSource on video input', () => {
  it('skips missing, unreadable and truncated files, counts them, and fills the batch from good ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vjepa-train-videos-'));
    writeFileSync(join(dir, 'text.mp4'), 'hello, I am not a video\n');
    writeFileSync(join(dir, 'cut.mp4'), readFileSync(lego).subarray(0, 150_000));
    const index = join(dir, 'train.txt');
    writeFileSync(index, `${lego} 0\nmissing.mp4 1\ntext.mp4 2\ncut.mp4 3\n`);
    const messages: string[] = [];
    const source = await createBatchSource(videoConfig('video_index', index), (item) => messages.push(item.source));
    const first = await source.batch(0);
    await source.batch(1);
    expect(first.shape).toEqual([2, 4, 32, 32, 3]);
    const skipped = source.skipped();
    expect(skipped.map((s) => s.source.split('/').pop()).sort()).toEqual(['cut.mp4', 'missing.mp4', 'text.mp4']);
    expect(messages).toHaveLength(3); // each bad file reported once, never retried
    expect(skipped.find((s) => s.source.endsWith('text.mp4'))?.reason).toMatch(/Invalid data/);
  });

  it('stops with a DataError when every file fails, and on an empty folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vjepa-train-videos-'));
    writeFileSync(join(dir, 'a.mp4'), 'not a video');
    const bad = await createBatchSource(videoConfig('video_folder', dir));
    await expect(bad.batch(0)).rejects.toThrow(/all 1 item\(s\) failed/);
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    await expect(createBatchSource(videoConfig('video_folder', empty))).rejects.toThrow(DataError);
  });
});

describe('createBatchSource with data.filter_short_videos', () => {
  it('skips a video shorter than a clip window (num_frames * frame_step) instead of padding it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vjepa-train-videos-'));
    const index = join(dir, 'train.txt');
    writeFileSync(index, `${lego} 0\n`);
    const set = (filter: boolean) => [`data.dataset_type=video_index`, `data.datasets=[${index}]`, 'data.batch_size=1', 'data.num_frames=4', 'data.frame_step=64', 'data.crop_size=32', `data.filter_short_videos=${filter}`];
    const padded = await createBatchSource(loadConfig({ set: set(false) })); // 166 frames < the 256-frame window
    expect((await padded.batch(0)).shape).toEqual([1, 4, 32, 32, 3]);
    const messages: string[] = [];
    const filtered = await createBatchSource(loadConfig({ set: set(true) }), (item) => messages.push(item.reason));
    await expect(filtered.batch(0)).rejects.toThrow(/all 1 item\(s\) failed/);
    expect(messages).toEqual([expect.stringMatching(/^too short/)]);
  });
});

describe('createBatchSource on Moving MNIST', () => {
  it('gives the same batch for the same step (resume sees what an uninterrupted run would)', async () => {
    const config = loadConfig({ set: ['data.num_videos=16', 'data.batch_size=2'] });
    const a = await createBatchSource(config);
    const b = await createBatchSource(config);
    const [a3, b3, a4] = [await a.batch(3), await b.batch(3), await a.batch(4)];
    expect(a3.shape).toEqual([2, 8, 32, 32, 3]);
    // whole batches: a prefix can be all background whatever the step
    expect(Array.from(a3.clips)).toEqual(Array.from(b3.clips));
    expect(Array.from(a4.clips)).not.toEqual(Array.from(a3.clips));
    // a run resumed at step 4 (a fresh source, no step 3 before it) gets the same batch 4
    const resumed = await createBatchSource(config);
    expect(Array.from((await resumed.batch(4)).clips)).toEqual(Array.from(a4.clips));
    // past the end of a data epoch (16 sequences / 2 = 8 batches) and back again
    expect(Array.from((await resumed.batch(9)).clips)).toEqual(Array.from((await a.batch(9)).clips));
  });
});
