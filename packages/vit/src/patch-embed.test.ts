import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ParamStore } from './param-store';
import { PatchEmbed3D } from './patch-embed';
import { maxAbsDiff, seededValues, useCpu } from './test-utils';

beforeAll(useCpu);

// Direct conv3d (kernel = stride) on the official channels-first layout: x [B, C, T, H, W],
// w [D, C, tb, p, p]; tokens time-major. Written with loops so it shares nothing with the model.
function referenceConv(x: Float32Array, xs: number[], w: Float32Array, bias: Float32Array, d: number, tb: number, p: number): Float32Array {
  const [b, c, t, h, wd] = xs;
  const [gt, gh, gw] = [t / tb, h / p, wd / p];
  const out = new Float32Array(b * gt * gh * gw * d);
  for (let bi = 0; bi < b; bi++)
    for (let ti = 0; ti < gt; ti++)
      for (let hi = 0; hi < gh; hi++)
        for (let wi = 0; wi < gw; wi++)
          for (let o = 0; o < d; o++) {
            let s = bias[o];
            for (let ci = 0; ci < c; ci++)
              for (let dt = 0; dt < tb; dt++)
                for (let dy = 0; dy < p; dy++)
                  for (let dx = 0; dx < p; dx++) {
                    const xv = x[(((bi * c + ci) * t + ti * tb + dt) * h + hi * p + dy) * wd + wi * p + dx];
                    const wv = w[(((o * c + ci) * tb + dt) * p + dy) * p + dx];
                    s += xv * wv;
                  }
            out[(((bi * gt + ti) * gh + hi) * gw + wi) * d + o] = s;
          }
  return out;
}

describe('PatchEmbed3D', () => {
  it('equals a direct conv3d with the official [D, C, tb, p, p] weight, tokens time-major', async () => {
    const store = new ParamStore({ seed: 3 });
    const [d, tb, p] = [5, 2, 2];
    const pe = new PatchEmbed3D(store, 'patch_embed', { embedDim: d, patchSize: p, tubeletSize: tb, video: true });
    const w = store.get('patch_embed.proj.weight');
    expect(w.shape).toEqual([5, 3, 2, 2, 2]);
    store.get('patch_embed.proj.bias').assign(tf.tensor1d(seededValues(d, 9)));
    const xs = [2, 3, 4, 4, 6];
    const xcf = seededValues(xs.reduce((a, b) => a * b), 5);
    const x = tf.tidy(() => tf.transpose(tf.tensor(xcf, xs), [0, 2, 3, 4, 1])); // channels-last
    const y = pe.apply(x);
    expect(y.shape).toEqual([2, 2 * 2 * 3, d]);
    const ref = referenceConv(xcf, xs, (await w.data()) as Float32Array, (await store.get('patch_embed.proj.bias').data()) as Float32Array, d, tb, p);
    expect(maxAbsDiff(await y.data(), ref)).toBeLessThan(1e-5);
    tf.dispose([x, y]);
    store.dispose();
  });

  it('2-D path uses [D, C, p, p] and equals the 3-D path with tubelet 1', async () => {
    const store = new ParamStore({ seed: 4 });
    const pe = new PatchEmbed3D(store, 'pe', { embedDim: 4, patchSize: 2, tubeletSize: 2, video: false });
    const w = store.get('pe.proj.weight');
    expect(w.shape).toEqual([4, 3, 2, 2]);
    const xs = [1, 3, 1, 4, 4];
    const xcf = seededValues(12 * 4, 6);
    const x = tf.tidy(() => tf.transpose(tf.tensor(xcf, xs), [0, 2, 3, 4, 1]));
    const y = pe.apply(x);
    const ref = referenceConv(xcf, xs, (await w.data()) as Float32Array, new Float32Array(4), 4, 1, 2);
    expect(maxAbsDiff(await y.data(), ref)).toBeLessThan(1e-5);
    tf.dispose([x, y]);
    store.dispose();
  });
});
