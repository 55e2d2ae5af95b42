import * as tf from '@tensorflow/tfjs-core';
import type { ParamStore } from './param-store';

/** Options for {@link PatchEmbed3D}. */
export interface PatchEmbedOptions {
  embedDim: number;
  patchSize: number;
  /** Frames per tubelet; 1 with `video: false` gives the 2-D patch embedding. */
  tubeletSize: number;
  inChans?: number;
  /** 3-D weight `[D, C, tubelet, p, p]` (true) or 2-D weight `[D, C, p, p]` (false). */
  video: boolean;
  initStd?: number;
}

/**
 * Non-overlapping space-time patch embedding (a conv with kernel = stride = (tubelet, p, p)),
 * computed as reshape/transpose + one matmul so it runs on backends without conv3d and keeps every
 * transpose at rank <= 6. Weights use the official layout, `patch_embed.proj.weight [D, C, tubelet, p, p]`
 * (or `[D, C, p, p]` for images) and `patch_embed.proj.bias [D]`. Tokens come out time-major:
 * `index = t*(H'*W') + h*W' + w`.
 *
 * @example
 * const pe = new PatchEmbed3D(store, 'patch_embed', { embedDim: 64, patchSize: 8, tubeletSize: 2, video: true });
 * const tokens = pe.apply(clip); // clip [B, T, H, W, 3] -> [B, T/2 * H/8 * W/8, 64]
 */
export class PatchEmbed3D {
  readonly opts: Required<PatchEmbedOptions>;
  private readonly weight: tf.Variable;
  private readonly bias: tf.Variable;

  constructor(store: ParamStore, prefix: string, opts: PatchEmbedOptions) {
    this.opts = { inChans: 3, initStd: 0.02, ...opts, tubeletSize: opts.video ? opts.tubeletSize : 1 };
    const { embedDim: d, inChans: c, patchSize: p, tubeletSize: tb, video, initStd } = this.opts;
    const shape = video ? [d, c, tb, p, p] : [d, c, p, p];
    this.weight = store.add(`${prefix}.proj.weight`, shape, { kind: 'truncNormal', std: initStd });
    this.bias = store.add(`${prefix}.proj.bias`, [d], { kind: 'zeros' });
  }

  /**
   * Embeds a channels-last clip `[B, T, H, W, C]` (T divisible by the tubelet, H and W by p; 2-D
   * models take T = 1). Shapes are validated by the model's entry point, not here.
   *
   * @example
   * const tokens = pe.apply(clip); // [B, N, D]
   */
  apply(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const { embedDim: d, inChans: c, patchSize: p, tubeletSize: tb, video } = this.opts;
      const [b, t, h, w] = x.shape;
      const gt = t / tb;
      const gh = h / p;
      const gw = w / p;
      // Official weight flattens each patch in (c, t, y, x) order; reorder it to (t, y, x, c), the
      // natural order of a channels-last patch, instead of moving channels in the (larger) input.
      const wPerm = video ? tf.transpose(this.weight, [0, 2, 3, 4, 1]) : tf.transpose(this.weight, [0, 2, 3, 1]); // [D, tb, p, p, C]
      const wFlat = tf.reshape(wPerm, [d, tb * p * p * c]); // [D, K]
      const split = tf.reshape(x, [b * gt, tb, gh, p, gw, p * c]); // [B*T', tb, H', p, W', p*C]
      const grouped = tf.transpose(split, [0, 2, 4, 1, 3, 5]); // [B*T', H', W', tb, p, p*C]
      const patches = tf.reshape(grouped, [b * gt * gh * gw, tb * p * p * c]); // [B*N, K]
      const y = tf.add(tf.matMul(patches, wFlat, false, true), this.bias); // [B*N, D]
      return tf.reshape(y, [b, gt * gh * gw, d]); // [B, N, D]
    });
  }
}
