import { describe, expect, it } from 'vitest';
import { BatchSource } from './batch-source';
import { movingMnist } from './moving-mnist';

describe('BatchSource on Moving MNIST', () => {
  it('gives the same batch for the same step (resume sees what an uninterrupted run would)', async () => {
    const dataset = () => movingMnist({ split: 'train', count: 16, seed: 5, numFrames: 8, size: 32 });
    const a = new BatchSource(dataset(), { batchSize: 2, seed: 5 });
    const b = new BatchSource(dataset(), { batchSize: 2, seed: 5 });
    const [a3, b3, a4] = [await a.batch(3), await b.batch(3), await a.batch(4)];
    expect(a3.shape).toEqual([2, 8, 32, 32, 3]);
    expect(Array.from(a3.clips)).toEqual(Array.from(b3.clips));
    expect(Array.from(a4.clips)).not.toEqual(Array.from(a3.clips));
    // a run resumed at step 4 (a fresh source, no step 3 before it) gets the same batch 4
    const resumed = new BatchSource(dataset(), { batchSize: 2, seed: 5 });
    expect(Array.from((await resumed.batch(4)).clips)).toEqual(Array.from(a4.clips));
    // past the end of a data epoch (16 sequences / 2 = 8 batches) and back again
    expect(Array.from((await resumed.batch(9)).clips)).toEqual(Array.from((await a.batch(9)).clips));
    expect(a.skipped()).toEqual([]);
    expect(a.served).toBe(6); // steps 3, 4 and 9, two clips each
  });

  it('fills a whole batch from a dataset smaller than it, and refuses an empty one', async () => {
    const tiny = movingMnist({ split: 'train', count: 3, seed: 1, numFrames: 2, size: 32 });
    expect((await new BatchSource(tiny, { batchSize: 4, seed: 0 }).batch(0)).shape).toEqual([4, 2, 32, 32, 3]);
    expect(() => new BatchSource({ length: 0, get: () => { throw new Error('unreachable'); } }, { batchSize: 1, seed: 0 })).toThrow(/at least one item/);
  });
});
