import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config';
import { createBatchSource } from './data-source';

const videos = fileURLToPath(new URL('../../../../../shared/fixtures/videos/', import.meta.url));
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
  });
});
