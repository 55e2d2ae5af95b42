import { DataError, ShapeError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { createTrainTransform } from './augment';
import { type Batch, createLoader } from './loader';
import { movingMnist } from './moving-mnist';
import type { Dataset, GetContext, Sample } from './sample';

/** A tiny dataset whose clip encodes its index and the first draw of its rng; it logs every call. */
function loggingDataset(length: number, log: string[], shapeOf: (i: number) => [number, number, number, number] = () => [2, 3, 3, 3]): Dataset & { active: number; maxActive: number } {
  const ds = {
    length,
    labelNames: ['label'],
    active: 0,
    maxActive: 0,
    async get(index: number, ctx: GetContext): Promise<Sample> {
      log.push(`get ${index}`);
      ds.active++;
      ds.maxActive = Math.max(ds.maxActive, ds.active);
      await new Promise((r) => setImmediate(r));
      ds.active--;
      const shape = shapeOf(index);
      const clip = new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(index);
      clip[1] = ctx.rng.next();
      return { clip, shape, labels: { label: index % 3 } };
    },
  };
  return ds;
}

async function collect(it: AsyncIterable<Batch>): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

describe('createLoader', () => {
  it('covers every index once per epoch, in a seeded order, with batched labels', async () => {
    const loader = createLoader(loggingDataset(10, []), { batchSize: 4, seed: 3, epochs: 2 });
    expect(loader.batchesPerEpoch).toBe(3);
    const batches = await collect(loader);
    expect(batches.map((b) => [b.epoch, b.step, b.shape[0]])).toEqual([[0, 0, 4], [0, 1, 4], [0, 2, 2], [1, 0, 4], [1, 1, 4], [1, 2, 2]]);
    const epoch0 = batches.slice(0, 3).flatMap((b) => Array.from(b.indices));
    const epoch1 = batches.slice(3).flatMap((b) => Array.from(b.indices));
    expect([...epoch0].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(epoch0).not.toEqual(epoch1);
    expect(epoch0).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const b = batches[0]!;
    expect(b.shape).toEqual([4, 2, 3, 3, 3]);
    expect(Array.from(b.labels!.label!)).toEqual(Array.from(b.indices, (i) => i % 3));
    expect(b.clips[54]).toBe(b.indices[1]); // sample 1 starts at 1 * 2*3*3*3
  });

  it('is deterministic given the seed (order and per-sample randomness), whatever the timing', async () => {
    const t = createTrainTransform({ cropSize: 16 });
    const run = (seed: number, prefetch: number, concurrency: number) =>
      collect(createLoader(movingMnist({ split: 'test', count: 12, size: 32, numFrames: 4 }), { batchSize: 5, seed, epochs: 2, transform: t, prefetch, concurrency }));
    const a = await run(1, 2, 8);
    const b = await run(1, 0, 1);
    const c = await run(2, 2, 8);
    expect(a.length).toBe(6);
    a.forEach((x, k) => {
      expect(Array.from(x.indices)).toEqual(Array.from(b[k]!.indices));
      expect(Buffer.compare(Buffer.from(x.clips.buffer), Buffer.from(b[k]!.clips.buffer))).toBe(0);
      expect(x.labels).toEqual(b[k]!.labels);
    });
    expect(a.map((x) => Array.from(x.indices))).not.toEqual(c.map((x) => Array.from(x.indices)));
    expect(a[0]!.shape).toEqual([5, 4, 16, 16, 3]);
    expect(Object.keys(a[0]!.labels!)).toEqual(['digit', 'direction', 'speed']);
  });

  it('requests batches k+1..k+prefetch before batch k is consumed, and no further', async () => {
    const log: string[] = [];
    const ds = loggingDataset(20, log);
    const loader = createLoader(ds, { batchSize: 2, seed: 0, prefetch: 2, concurrency: 64 });
    let k = 0;
    for await (const batch of loader) {
      log.push(`consume ${k}`);
      const here = log.length - 1;
      for (let ahead = 1; ahead <= 2 && k + ahead < 10; ahead++) {
        for (const i of loader.batchIndices(0, k + ahead)) expect(log.indexOf(`get ${i}`)).toBeLessThan(here);
      }
      if (k + 3 < 10) for (const i of loader.batchIndices(0, k + 3)) expect(log.indexOf(`get ${i}`)).toBe(-1);
      expect(Array.from(batch.indices)).toEqual(Array.from(loader.batchIndices(0, k)));
      k++;
    }
    expect(k).toBe(10);
    expect(ds.maxActive).toBeGreaterThanOrEqual(4); // samples of several batches load concurrently
  });

  it('resumes exactly at a given epoch and step', async () => {
    const full = await collect(createLoader(loggingDataset(9, []), { batchSize: 2, seed: 5, epochs: 3 }));
    const resumed = await collect(createLoader(loggingDataset(9, []), { batchSize: 2, seed: 5, startEpoch: 1, startStep: 3, epochs: 2 }));
    const from = full.findIndex((b) => b.epoch === 1 && b.step === 3);
    expect(resumed.length).toBe(full.length - from);
    resumed.forEach((b, k) => {
      const f = full[from + k]!;
      expect([b.epoch, b.step, Array.from(b.indices)]).toEqual([f.epoch, f.step, Array.from(f.indices)]);
      expect(Array.from(b.clips)).toEqual(Array.from(f.clips));
    });
  });

  it('drops the last partial batch when asked, and keeps index order without shuffle', async () => {
    const batches = await collect(createLoader(loggingDataset(7, []), { batchSize: 3, shuffle: false, dropLast: true }));
    expect(batches.map((b) => Array.from(b.indices))).toEqual([[0, 1, 2], [3, 4, 5]]);
  });

  it('surfaces errors at the batch they belong to, and refuses mixed shapes and bad options', async () => {
    const failing: Dataset = { length: 6, get: (i) => { if (i === 4) throw new DataError('item 4', { received: 'broken' }); return { clip: new Float32Array(3), shape: [1, 1, 1, 3] }; } };
    const it = createLoader(failing, { batchSize: 2, shuffle: false, prefetch: 2 })[Symbol.asyncIterator]();
    expect((await it.next()).value.step).toBe(0);
    expect((await it.next()).value.step).toBe(1);
    await expect(it.next()).rejects.toThrow(/item 4/);
    const mixed = loggingDataset(4, [], (i) => (i === 3 ? [2, 4, 4, 3] : [2, 3, 3, 3]));
    await expect(collect(createLoader(mixed, { batchSize: 4, shuffle: false }))).rejects.toThrow(ShapeError);
    expect(() => createLoader(mixed, { batchSize: 0 })).toThrow(/loader\.batchSize/);
    expect(() => createLoader(mixed, { batchSize: 2, startStep: 2 })).toThrow(/loader\.startStep/);
    expect(() => createLoader(mixed, { batchSize: 5, dropLast: true })).toThrow(/dropLast/);
  });
});
