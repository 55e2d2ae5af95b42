import * as tf from '@tensorflow/tfjs-core';
import { DataError, ShapeError } from '@vjepa/errors';
import type { Probe } from './probe';

/**
 * Concatenate the tokens of several temporal segments of one clip along the token axis, so the
 * attentive probe attends across segments (the reference multi-segment test).
 *
 * @example
 * const tokens = concatSegments([seg0, seg1]); // 2 x [B, N, D] -> [B, 2N, D]
 */
export function concatSegments(segments: readonly tf.Tensor[]): tf.Tensor3D {
  if (segments.length === 0) throw new DataError('concatSegments segments', { expected: 'at least one segment', received: 'none' });
  const [b, , d] = segments[0].shape;
  segments.forEach((s, i) => {
    if (s.rank !== 3 || s.shape[0] !== b || s.shape[2] !== d) {
      throw new ShapeError(`concatSegments segments[${i}]`, { expected: `[${b}, N, ${d}] like segments[0]`, received: `[${s.shape}]` });
    }
  });
  return tf.tidy(() => (segments.length === 1 ? tf.clone(segments[0]) : tf.concat(segments as tf.Tensor3D[], 1)) as tf.Tensor3D); // [B, S*N, D]
}

/**
 * Average of the softmaxes of several views' logits (the reference multi-view test).
 *
 * @example
 * const probs = averageViewProbabilities([logitsView0, logitsView1, logitsView2]); // [B, C]
 */
export function averageViewProbabilities(viewLogits: readonly tf.Tensor[]): tf.Tensor2D {
  if (viewLogits.length === 0) throw new DataError('averageViewProbabilities viewLogits', { expected: 'at least one view', received: 'none' });
  const shape = viewLogits[0].shape;
  viewLogits.forEach((l, i) => {
    if (l.rank !== 2 || l.shape[0] !== shape[0] || l.shape[1] !== shape[1]) {
      throw new ShapeError(`averageViewProbabilities viewLogits[${i}]`, { expected: `[B, C] = [${shape}] like view 0`, received: `[${l.shape}]` });
    }
  });
  return tf.tidy(() => tf.div(tf.addN(viewLogits.map((l) => tf.softmax(l, -1))), viewLogits.length) as tf.Tensor2D); // [B, C]
}

/**
 * Class probabilities of clips tested with several spatial views and temporal segments:
 * `views[v][s]` holds the tokens `[B, N, D]` of view v, segment s. Each view's segments are
 * concatenated along the token axis and classified; the views' softmaxes are averaged.
 *
 * @example
 * const probs = multiViewProbabilities(probe, [[v0s0, v0s1], [v1s0, v1s1], [v2s0, v2s1]]); // [B, C]
 */
export function multiViewProbabilities(probe: Probe, views: readonly (readonly tf.Tensor[])[]): tf.Tensor2D {
  if (views.length === 0) throw new DataError('multiViewProbabilities views', { expected: 'at least one view', received: 'none' });
  const segs = views[0].length;
  views.forEach((v, i) => {
    if (v.length !== segs || segs === 0) throw new DataError(`multiViewProbabilities views[${i}]`, { expected: `${segs || '>= 1'} segments like views[0]`, received: `${v.length}` });
  });
  return tf.tidy(() => averageViewProbabilities(views.map((segments) => probe.apply(concatSegments(segments)))));
}
