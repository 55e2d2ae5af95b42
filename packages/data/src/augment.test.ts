import { ConfigError, ShapeError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { IMAGENET_MEAN, IMAGENET_STD, createEvalTransform, createTrainTransform, normalizeClip, randomResizedCropBox } from './augment';
import { resizeCrop } from './resize';
import { createDataRng } from './rng';
import type { Sample } from './sample';

function randomSample(T: number, H: number, W: number, seed: number): Sample {
  const rng = createDataRng(seed);
  const clip = new Float32Array(T * H * W * 3).map(() => rng.next());
  return { clip, shape: [T, H, W, 3] };
}
const at = (s: Sample, t: number, y: number, x: number, c: number) => {
  const [, H, W] = s.shape;
  return s.clip[((t * H + y) * W + x) * 3 + c]!;
};

describe('resizeCrop (bilinear, half-pixel centres)', () => {
  it('downsamples 4 -> 2 by averaging pairs and upsamples 2 -> 4 with quarter weights', () => {
    const row = new Float32Array([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]); // [1,1,4,3]
    const down = resizeCrop(row, [1, 1, 4, 3], { top: 0, left: 0, height: 1, width: 4 }, 1, 2, false);
    expect(Array.from(down.filter((_, i) => i % 3 === 0))).toEqual([0.5, 2.5]);
    const pair = new Float32Array([0, 0, 0, 1, 1, 1]);
    const up = resizeCrop(pair, [1, 1, 2, 3], { top: 0, left: 0, height: 1, width: 2 }, 1, 4, false);
    expect(Array.from(up.filter((_, i) => i % 3 === 0))).toEqual([0, 0.25, 0.75, 1]);
  });

  it('a same-size crop copies the box exactly', () => {
    const s = randomSample(2, 6, 7, 1);
    const out = resizeCrop(s.clip, s.shape, { top: 1, left: 2, height: 4, width: 3 }, 4, 3, false);
    const o: Sample = { clip: out, shape: [2, 4, 3, 3] };
    for (let t = 0; t < 2; t++) for (let y = 0; y < 4; y++) for (let x = 0; x < 3; x++) for (let c = 0; c < 3; c++) {
      expect(at(o, t, y, x, c)).toBe(at(s, t, y + 1, x + 2, c));
    }
  });
});

describe('createTrainTransform', () => {
  it('a full-frame crop with no flip reproduces the normalised input', () => {
    const s = randomSample(3, 8, 8, 2);
    const t = createTrainTransform({ cropSize: 8, scale: [1, 1], ratio: [1, 1], flipProb: 0 });
    const out = t(s, createDataRng(0));
    expect(out.shape).toEqual([3, 8, 8, 3]);
    const expected = normalizeClip(Float32Array.from(s.clip));
    out.clip.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
  });

  it('a flip mirrors every frame left-right', () => {
    const s = randomSample(2, 5, 5, 3);
    const t = createTrainTransform({ cropSize: 5, scale: [1, 1], ratio: [1, 1], flipProb: 1, normalize: false });
    const out = t(s, createDataRng(0));
    for (let f = 0; f < 2; f++) for (let y = 0; y < 5; y++) for (let x = 0; x < 5; x++) for (let c = 0; c < 3; c++) {
      expect(at(out, f, y, x, c)).toBe(at(s, f, y, 4 - x, c));
    }
  });

  it('flips about half the time and applies one crop to all frames', () => {
    const frame = randomSample(1, 12, 12, 4).clip;
    const clip = new Float32Array(frame.length * 4);
    for (let t = 0; t < 4; t++) clip.set(frame, t * frame.length);
    const s: Sample = { clip, shape: [4, 12, 12, 3] };
    const t = createTrainTransform({ cropSize: 6, normalize: false });
    let flips = 0;
    for (let seed = 0; seed < 400; seed++) {
      const out = t(s, createDataRng(seed));
      const n = 6 * 6 * 3;
      for (let f = 1; f < 4; f++) expect(out.clip.subarray(f * n, (f + 1) * n)).toEqual(out.clip.subarray(0, n));
      const noFlip = createTrainTransform({ cropSize: 6, normalize: false, flipProb: 0 })(s, createDataRng(seed));
      if (!noFlip.clip.every((v, i) => v === out.clip[i])) flips++;
    }
    expect(flips).toBeGreaterThan(160);
    expect(flips).toBeLessThan(240);
  });

  it('is deterministic given the rng', () => {
    const s = randomSample(2, 20, 30, 5);
    const t = createTrainTransform({ cropSize: 9 });
    expect(t(s, createDataRng(7)).clip).toEqual(t(s, createDataRng(7)).clip);
    expect(t(s, createDataRng(7)).clip).not.toEqual(t(s, createDataRng(8)).clip);
  });

  it('refuses bad options and shapes', () => {
    expect(() => createTrainTransform({ cropSize: 0 })).toThrow(/data\.crop_size/);
    expect(() => createTrainTransform({ cropSize: 8, scale: [0.5, 1.5] })).toThrow(ConfigError);
    const t = createTrainTransform({ cropSize: 4 });
    expect(() => t({ clip: new Float32Array(10), shape: [1, 2, 2, 3] }, createDataRng(0))).toThrow(ShapeError);
  });
});

describe('randomResizedCropBox', () => {
  it('draws boxes inside the frame with area in [0.3, 1] and aspect in [0.75, 1.35]', () => {
    const rng = createDataRng(11);
    for (let i = 0; i < 2000; i++) {
      const b = randomResizedCropBox(120, 160, rng);
      expect(b.top).toBeGreaterThanOrEqual(0);
      expect(b.left).toBeGreaterThanOrEqual(0);
      expect(b.top + b.height).toBeLessThanOrEqual(120);
      expect(b.left + b.width).toBeLessThanOrEqual(160);
      const area = (b.height * b.width) / (120 * 160);
      expect(area).toBeGreaterThan(0.28);
      expect(area).toBeLessThanOrEqual(1);
      expect(b.width / b.height).toBeGreaterThan(0.73);
      expect(b.width / b.height).toBeLessThan(1.38);
    }
  });

  it('falls back to a centre crop with a clamped aspect after 10 failed tries', () => {
    expect(randomResizedCropBox(10, 1000, createDataRng(0), [0.9, 1])).toEqual({ top: 0, left: 493, height: 10, width: 14 });
    expect(randomResizedCropBox(1000, 10, createDataRng(0), [0.9, 1])).toEqual({ top: 493, left: 0, height: 13, width: 10 });
  });
});

describe('createEvalTransform', () => {
  it('resizes the short side and centre crops, without randomness', () => {
    const s = randomSample(2, 8, 16, 6);
    const out = createEvalTransform({ cropSize: 8, shortSide: 8, normalize: false })(s, createDataRng(0));
    expect(out.shape).toEqual([2, 8, 8, 3]);
    for (let t = 0; t < 2; t++) for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) {
      expect(at(out, t, y, x, 1)).toBe(at(s, t, y, x + 4, 1));
    }
    const half = createEvalTransform({ cropSize: 4, shortSide: 4 })(s, createDataRng(1));
    expect(half.shape).toEqual([2, 4, 4, 3]);
    expect(half.clip).toEqual(createEvalTransform({ cropSize: 4, shortSide: 4 })(s, createDataRng(2)).clip);
  });

  it('normalises with the ImageNet statistics', () => {
    const clip = new Float32Array([IMAGENET_MEAN[0], IMAGENET_MEAN[1], 1]);
    const out = createEvalTransform({ cropSize: 1, shortSide: 1 })({ clip, shape: [1, 1, 1, 3] }, createDataRng(0));
    expect(out.clip[0]).toBeCloseTo(0, 6);
    expect(out.clip[1]).toBeCloseTo(0, 6);
    expect(out.clip[2]).toBeCloseTo((1 - IMAGENET_MEAN[2]) / IMAGENET_STD[2], 5);
  });
});
