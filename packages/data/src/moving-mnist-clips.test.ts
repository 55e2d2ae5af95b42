import { describe, expect, it } from 'vitest';
import { movingMnistClips } from './moving-mnist-clips';

describe('held-out Moving MNIST clips', () => {
  const clip = { numFrames: 4, frameStep: 2, cropSize: 32 };

  it('gives normalised eval clips with digit and direction labels, deterministically', async () => {
    const set = movingMnistClips(clip, { part: 'probe-test', count: 6, seed: 3 });
    expect(set.size).toBe(6);
    const a = await set.clips(2, 3);
    expect(a.shape).toEqual([3, 4, 32, 32, 3]);
    const b = await movingMnistClips(clip, { part: 'probe-test', count: 6, seed: 3 }).clips(2, 3);
    expect(b.clips).toEqual(a.clips);
    expect(Math.min(...a.clips)).toBeLessThan(-1.5); // ImageNet-normalised black background
    for (const v of set.labels.digit) expect(v).toBeGreaterThanOrEqual(0);
    for (const v of set.labels.direction) expect(v).toBeLessThan(8);
  });

  it('draws probe-train and probe-test from different digit images', () => {
    const a = movingMnistClips(clip, { part: 'probe-train', count: 4, seed: 3 });
    const b = movingMnistClips(clip, { part: 'probe-test', count: 4, seed: 3 });
    expect(a.spec).not.toBe(b.spec);
    expect(() => movingMnistClips(clip, { part: 'probe-test', count: 0, seed: 3 })).toThrow(/count: expected an integer >= 1/);
  });
});
