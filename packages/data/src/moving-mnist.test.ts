import { ConfigError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { loadMnist } from './mnist';
import { movingMnist } from './moving-mnist';
import type { Sample } from './sample';

/** Centre of mass (x, y) of channel 0 of frame f. */
function centreOfMass(s: Sample, f: number): [number, number] {
  const [, H, W] = s.shape;
  let m = 0, mx = 0, my = 0;
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const v = s.clip[((f * H + y) * W + x) * 3]!;
    m += v; mx += v * x; my += v * y;
  }
  return [mx / m, my / m];
}

const same = (a: Float32Array, b: Float32Array) => Buffer.compare(Buffer.from(a.buffer), Buffer.from(b.buffer)) === 0;
const directionOf = (dx: number, dy: number) => (((Math.round(Math.atan2(-dy, dx) / (Math.PI / 4)) % 8) + 8) % 8);

describe('movingMnist', () => {
  it('renders [20, 64, 64, 3] grey clips in [0, 1] with labels in range', () => {
    const ds = movingMnist({ split: 'test', count: 50, seed: 1 });
    const s = ds.get(0);
    expect(s.shape).toEqual([20, 64, 64, 3]);
    expect(s.clip.length).toBe(20 * 64 * 64 * 3);
    let grey = true, min = 1, max = 0;
    for (let i = 0; i < s.clip.length; i += 3) {
      grey &&= s.clip[i] === s.clip[i + 1] && s.clip[i] === s.clip[i + 2];
      min = Math.min(min, s.clip[i]!);
      max = Math.max(max, s.clip[i]!);
    }
    expect(grey).toBe(true);
    expect([min, max]).toEqual([0, 1]);
    for (let i = 0; i < 50; i++) {
      const { labels } = ds.get(i);
      expect(labels!.digit).toBeGreaterThanOrEqual(0);
      expect(labels!.digit).toBeLessThan(10);
      expect(labels!.direction).toBeGreaterThanOrEqual(0);
      expect(labels!.direction).toBeLessThan(8);
      expect([0, 1, 2]).toContain(labels!.speed);
    }
  });

  it('keeps every digit inside the canvas, its pixels where the trajectory says', () => {
    const ds = movingMnist({ split: 'train', count: 40, seed: 2, digitsPerClip: 2, speeds: [3, 5] });
    for (let i = 0; i < 40; i++) {
      const t = ds.trajectory(i);
      for (const p of t.positions) {
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThanOrEqual(64 - 28);
      }
    }
    // with one digit, each frame's non-zero pixels sit inside the 28x28 box at its position
    const one = movingMnist({ split: 'test', count: 10, seed: 3, speeds: [4] });
    for (let i = 0; i < 10; i++) {
      const s = one.get(i);
      const t = one.trajectory(i);
      for (let f = 0; f < 20; f++) {
        const [px, py] = [t.positions[f * 2]!, t.positions[f * 2 + 1]!];
        let outside = 0;
        for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) {
          const inside = x >= px && x < px + 28 && y >= py && y < py + 28;
          if (!inside) outside += s.clip[((f * 64 + y) * 64 + x) * 3]!;
        }
        expect(outside).toBe(0);
      }
    }
  });

  it('bounces: motion reverses only at an edge, and it does happen', () => {
    const ds = movingMnist({ split: 'train', count: 200, seed: 4, speeds: [3] });
    let bounces = 0;
    for (let i = 0; i < 200; i++) {
      const p = ds.trajectory(i).positions; // [20, 1, 2]
      for (let f = 1; f < 19; f++) {
        for (const axis of [0, 1]) {
          const before = p[f * 2 + axis]! - p[(f - 1) * 2 + axis]!;
          const after = p[(f + 1) * 2 + axis]! - p[f * 2 + axis]!;
          if (Math.abs(before) >= 2 && Math.abs(after) >= 2 && Math.sign(before) !== Math.sign(after)) {
            bounces++;
            const x = p[f * 2 + axis]!;
            expect(Math.min(x, 36 - x)).toBeLessThanOrEqual(3);
          }
        }
      }
    }
    expect(bounces).toBeGreaterThan(100);
  });

  it('direction label matches the displacement of the rendered centre of mass', () => {
    const ds = movingMnist({ split: 'test', count: 120, seed: 5, size: 128, speeds: [2, 3] });
    let checked = 0;
    const seen = new Set<number>();
    for (let i = 0; i < 120; i++) {
      const s = ds.get(i);
      // frames 0..j lie on a straight line: the step after j is the first to reflect
      const j = Math.min(ds.trajectory(i).firstBounce[0]!, 19);
      const [x0, y0] = centreOfMass(s, 0);
      const [x1, y1] = centreOfMass(s, j);
      if (Math.hypot(x1 - x0, y1 - y0) < 10) continue;
      expect(directionOf(x1 - x0, y1 - y0)).toBe(s.labels!.direction);
      seen.add(s.labels!.direction!);
      checked++;
    }
    expect(checked).toBeGreaterThan(60);
    expect(seen.size).toBe(8);
  });

  it('is deterministic per (seed, index) and differs across seeds and epochs when asked', () => {
    const a = movingMnist({ split: 'train', count: 5, seed: 7 });
    const b = movingMnist({ split: 'train', count: 5, seed: 7 });
    const c = movingMnist({ split: 'train', count: 5, seed: 8 });
    expect(same(a.get(3).clip, b.get(3).clip)).toBe(true);
    expect(a.get(3).labels).toEqual(b.get(3).labels);
    expect(same(a.get(3).clip, c.get(3).clip)).toBe(false);
    expect(same(a.get(2).clip, a.get(3).clip)).toBe(false);
    const fresh = movingMnist({ split: 'train', count: 5, seed: 7, freshEachEpoch: true });
    const rng = { next: () => 0 };
    expect(same(fresh.get(1, { rng, epoch: 0 }).clip, fresh.get(1, { rng, epoch: 0 }).clip)).toBe(true);
    expect(same(fresh.get(1, { rng, epoch: 0 }).clip, fresh.get(1, { rng, epoch: 1 }).clip)).toBe(false);
  });

  it('draws digits from its own split: train and test source images are disjoint files', () => {
    const train = loadMnist('train');
    const test = loadMnist('test');
    for (const [split, mnist] of [['train', train], ['test', test]] as const) {
      const ds = movingMnist({ split, count: 20, seed: 9, speeds: [0] });
      for (let i = 0; i < 20; i++) {
        const t = ds.trajectory(i);
        const s = ds.get(i);
        const src = t.sourceIndices[0]!;
        expect(src).toBeLessThan(mnist.count);
        expect(s.labels!.digit).toBe(mnist.labels[src]);
        const [px, py] = [t.positions[0]!, t.positions[1]!];
        let mismatches = 0;
        for (let r = 0; r < 28; r++) for (let c = 0; c < 28; c++) {
          if (Math.round(s.clip[((py + r) * 64 + px + c) * 3]! * 255) !== mnist.images[src * 784 + r * 28 + c]) mismatches++;
        }
        expect(mismatches).toBe(0);
      }
    }
    // same seed and index, different split: different source file, different pixels
    expect(same(movingMnist({ split: 'train', count: 1, seed: 1 }).get(0).clip, movingMnist({ split: 'test', count: 1, seed: 1 }).get(0).clip)).toBe(false);
  });

  it('covers all direction and speed classes about evenly; honours size, numFrames and normalize', () => {
    const ds = movingMnist({ split: 'train', count: 4000, seed: 10, size: 32, numFrames: 4 });
    const dir = new Array(8).fill(0);
    const sp = new Array(3).fill(0);
    for (let i = 0; i < 4000; i++) {
      const t = ds.trajectory(i);
      dir[t.directions[0]!]++;
      sp[t.speeds[0]!]++;
    }
    dir.forEach((n) => expect(Math.abs(n - 500)).toBeLessThan(100));
    sp.forEach((n) => expect(Math.abs(n - 4000 / 3)).toBeLessThan(150));
    expect(ds.get(0).shape).toEqual([4, 32, 32, 3]);
    const norm = movingMnist({ split: 'test', count: 1, normalize: true }).get(0);
    expect(norm.clip[0]).toBeCloseTo(-0.485 / 0.229, 5);
  });

  it('refuses bad options', () => {
    expect(() => movingMnist({ split: 'val' as 'train' })).toThrow(/movingMnist\.split/);
    expect(() => movingMnist({ split: 'test', size: 20 })).toThrow(ConfigError);
    expect(() => movingMnist({ split: 'test', angleJitter: 1 })).toThrow(/angleJitter/);
    expect(() => movingMnist({ split: 'test', count: 3 }).get(3)).toThrow(/\[0, 3\)/);
  });
});
