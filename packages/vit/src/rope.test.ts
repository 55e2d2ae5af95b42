import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '@vjepa/errors';
import { beforeAll, describe, expect, it } from 'vitest';
import { VIT_PRESETS, mlpHiddenDim, resolveVitConfig, vitPreset } from './index';
import { pairSwapIndices, ropeAxisDim, ropeTables, tokenPosition } from './rope-frequencies';
import { RotaryCache, applyRotary } from './rope';
import { VisionTransformer } from './vision-transformer';
import { maxAbsDiff, seededValues, useCpu } from './test-utils';

beforeAll(useCpu);

/**
 * The rotation as vjepa2-reference.md states it, written out channel by channel (independent of the
 * table layout used by the library): per axis block of n channels, omega_j = 1 / 10000^(j / (n/2)),
 * sin/cos = [f, f], partner y[2k] = -x[2k+1], y[2k+1] = x[2k], result x cos + y sin.
 */
function referenceRotate(x: Float32Array, headDim: number, positions: { frame: number; row: number; column: number }[]): Float32Array {
  const d = 2 * Math.floor(Math.floor(headDim / 3) / 2);
  const out = Float32Array.from(x);
  positions.forEach((p, i) => {
    const base = i * headDim;
    [p.frame, p.row, p.column].forEach((pos, a) => {
      const off = base + a * d;
      const f = Array.from({ length: d / 2 }, (_, j) => pos / 10000 ** (j / (d / 2)));
      const sin = [...f, ...f].map(Math.sin);
      const cos = [...f, ...f].map(Math.cos);
      for (let k = 0; k < d / 2; k++) {
        const x0 = x[off + 2 * k];
        const x1 = x[off + 2 * k + 1];
        out[off + 2 * k] = x0 * cos[2 * k] - x1 * sin[2 * k];
        out[off + 2 * k + 1] = x1 * cos[2 * k + 1] + x0 * sin[2 * k + 1];
      }
    });
  });
  return out;
}

describe('V-JEPA 2 rotary frequencies', () => {
  it('splits each head into frame / row / column blocks of 2*floor(floor(hd/3)/2) channels', () => {
    expect(ropeAxisDim(64)).toBe(20); // ViT-L/H/g (1408 / 22 = 64): 4 channels stay unrotated
    expect(ropeAxisDim(32)).toBe(10); // the released predictor (384 / 12)
    expect(ropeAxisDim(24)).toBe(8); // the fixture encoder
    expect(ropeAxisDim(13)).toBe(4);
    expect(ropeAxisDim(5)).toBe(0);
  });

  it('reads frame, row and column of a raster index on a non-cubic grid', () => {
    const grid = { t: 3, h: 2, w: 5 };
    expect(tokenPosition(0, grid)).toEqual({ frame: 0, row: 0, column: 0 });
    expect(tokenPosition(7, grid)).toEqual({ frame: 0, row: 1, column: 2 });
    expect(tokenPosition(29, grid)).toEqual({ frame: 2, row: 1, column: 4 });
  });

  it('lays the angles out as [f, f] (the released quirk), not interleaved', () => {
    const hd = 24; // d = 8: angles f0..f3 repeated
    const { cos, signedSin } = ropeTables({ t: 4, h: 1, w: 1 }, hd);
    const row = 3 * hd; // frame 3
    const f = [0, 1, 2, 3].map((j) => 3 / 10000 ** (j / 4));
    for (let c = 0; c < 8; c++) expect(cos[row + c]).toBeCloseTo(Math.cos(f[c % 4]), 6);
    expect(cos[row + 1]).not.toBeCloseTo(cos[row + 0], 3); // interleaved would repeat each angle twice
    for (let c = 0; c < 8; c++) expect(signedSin[row + c]).toBeCloseTo((c % 2 ? 1 : -1) * Math.sin(f[c % 4]), 6);
    for (let c = 8; c < 24; c++) expect([cos[row + c], Math.abs(signedSin[row + c])]).toEqual([1, 0]); // row and column are 0
  });

  it('pairs channels (2k, 2k+1) and leaves an odd last channel alone', () => {
    expect(Array.from(pairSwapIndices(6))).toEqual([1, 0, 3, 2, 5, 4]);
    expect(Array.from(pairSwapIndices(5))).toEqual([1, 0, 3, 2, 4]);
  });

  it.each([14, 13, 24])('applyRotary equals the documented rotation at the kept indices of a non-cubic grid (head %i)', async (hd) => {
    const grid = { t: 2, h: 3, w: 5 }; // 30 tokens
    const idx = [[29, 0, 17, 6], [3, 22, 11, 15]];
    const [b, heads, k] = [2, 2, 4];
    const values = seededValues(b * heads * k * hd, hd);
    const rotary = new RotaryCache(hd);
    const before = tf.memory().numTensors;
    const out = tf.tidy(() => {
      const idxT = tf.tensor2d(idx, [b, k], 'int32');
      return applyRotary(tf.tensor4d(values, [b, heads, k, hd]), rotary.embedding(grid, idxT));
    });
    const got = await out.data();
    out.dispose();
    for (let s = 0; s < b; s++) {
      for (let h = 0; h < heads; h++) {
        const off = (s * heads + h) * k * hd;
        const expected = referenceRotate(values.slice(off, off + k * hd), hd, idx[s].map((i) => tokenPosition(i, grid)));
        expect(maxAbsDiff(got.slice(off, off + k * hd), expected)).toBeLessThan(1e-6);
      }
    }
    expect(tf.memory().numTensors).toBe(before + 3); // the cached tables and swap, kept once
    rotary.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('RoPE encoder', () => {
  const cfg = { embedDim: 24, depth: 2, numHeads: 2, patchSize: 4, tubeletSize: 2, numFrames: 4, imgSize: 8, useRope: true };
  const clip = (h: number, w: number, seed = 1) => tf.tensor5d(seededValues(2 * 4 * h * w * 3, seed), [2, 4, h, w, 3]);

  it('has no pos_embed and refuses posEmbed()', () => {
    const vit = new VisionTransformer(cfg);
    expect(vit.expectedShapes().pos_embed).toBeUndefined();
    expect(() => vit.posEmbed()).toThrow(ConfigError);
    vit.dispose();
  });

  it('takes positions from the kept indices, on a non-square, non-cubic clip (12 x 20 px: 2 x 3 x 5 tokens)', async () => {
    const vit = new VisionTransformer({ ...cfg, initStd: 0.3 }, { seed: 3 }); // sharp attention: positions show
    const x = clip(12, 20);
    const full = vit.apply(x); // [2, 30, 24]
    expect(full.shape).toEqual([2, 30, 24]);
    // every token, in a shuffled order: attention is permutation-equivariant, so the rows must follow
    const perm = [[29, 3, 17, 0, 11, 28, 5, 22, 9, 14, 1, 26, 7, 20, 12, 25, 2, 18, 8, 27, 4, 15, 23, 10, 6, 21, 13, 16, 24, 19], Array.from({ length: 30 }, (_, i) => 29 - i)];
    const shuffled = vit.apply(x, { indices: perm });
    const fromFull = tf.tidy(() => tf.stack(perm.map((row, s) => tf.gather(tf.gather(full, s), tf.tensor1d(row, 'int32')))));
    expect(maxAbsDiff(await shuffled.data(), await fromFull.data())).toBeLessThan(1e-5);
    // and positions do enter: swap the two tubelets in time; a position-free model would give the
    // same rows, permuted (tokens of frame f come from frame 1 - f)
    const swapped = tf.tidy(() => vit.apply(tf.concat([tf.slice(x, [0, 2, 0, 0, 0], [2, 2, 12, 20, 3]), tf.slice(x, [0, 0, 0, 0, 0], [2, 2, 12, 20, 3])], 1)));
    const back = tf.tidy(() => tf.gather(swapped, tf.tensor1d(Array.from({ length: 30 }, (_, i) => (i + 15) % 30), 'int32'), 1));
    expect(maxAbsDiff(await back.data(), await full.data())).toBeGreaterThan(1e-2);
    tf.dispose([x, full, shuffled, fromFull, swapped, back]);
    vit.dispose();
  });

  it('leaks no tensors across repeated calls (full clip, kept indices, two grids)', () => {
    const vit = new VisionTransformer(cfg, { seed: 4 });
    const x = clip(8, 8);
    const y = clip(12, 20);
    const idx = tf.tensor2d([[0, 3, 5], [1, 2, 7]], [2, 3], 'int32');
    const run = () => tf.dispose([vit.apply(x), vit.apply(x, { indices: idx }), vit.apply(y), vit.apply(y, { indices: [[29, 1, 7], [0, 12, 3]] })]);
    run(); // the first call fills the table caches
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) run();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y, idx]);
    vit.dispose();
  });

  it('clone() keeps RoPE and gives the same features', async () => {
    const vit = new VisionTransformer(cfg, { seed: 6 });
    const copy = vit.clone({ trainable: false });
    expect(copy.config.useRope).toBe(true);
    const x = clip(8, 8);
    const [a, b] = [vit.apply(x), copy.apply(x)];
    expect(maxAbsDiff(await a.data(), await b.data())).toBe(0);
    tf.dispose([x, a, b]);
    vit.dispose();
    copy.dispose();
  });
});

describe('V-JEPA 2 config and presets', () => {
  it('validates useRope', () => {
    const base = { embedDim: 24, depth: 1, numHeads: 2, patchSize: 4, numFrames: 4, imgSize: 8 };
    expect(resolveVitConfig(base).useRope).toBe(false);
    expect(() => resolveVitConfig({ ...base, useRope: 'yes' as unknown as boolean })).toThrow(/useRope.*use_rope/s);
    expect(() => resolveVitConfig({ ...base, numHeads: 8, useRope: true })).toThrow(/head width/);
  });

  it('has the V-JEPA 2 sizes under their official names, at the released resolution', () => {
    const g = vitPreset('vit_giant_xformers_rope');
    expect([g.embedDim, g.depth, g.numHeads, g.useRope, g.imgSize, g.numFrames]).toEqual([1408, 40, 22, true, 256, 64]);
    expect(mlpHiddenDim(g.embedDim, g.mlpRatio)).toBe(6144);
    expect(vitPreset('large_rope', { numFrames: 16 }).numFrames).toBe(16);
    expect(vitPreset('vit_huge_rope').embedDim).toBe(1280);
    expect(vitPreset('vit_large').useRope).toBe(false);
    expect(VIT_PRESETS.large.numHeads).toBe(VIT_PRESETS.large_rope.numHeads);
    expect(() => vitPreset('vit_enormous' as 'large')).toThrow(ConfigError);
  });
});
