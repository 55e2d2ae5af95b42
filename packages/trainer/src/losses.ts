import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '@vjepa/errors';

function sameShape(what: string, a: tf.Tensor, b: tf.Tensor): void {
  if (!tf.util.arraysEqual(a.shape, b.shape)) {
    throw new ShapeError(what, { expected: `prediction and target of one shape, target [${b.shape}]`, received: `prediction [${a.shape}]` });
  }
}

/**
 * The V-JEPA per-mask-type loss, `mean(|pred - target|^p) / p` (p = 1: plain L1, the released value).
 *
 * @example
 * const loss = tf.tidy(() => regressionLoss(pred, target)); // scalar
 */
export function regressionLoss(pred: tf.Tensor, target: tf.Tensor, p = 1): tf.Scalar {
  sameShape('regressionLoss', pred, target);
  return tf.tidy(() => {
    const diff = tf.abs(tf.sub(pred, target));
    const powered = p === 1 ? diff : tf.pow(diff, p);
    return tf.div(tf.mean(powered), p) as tf.Scalar;
  });
}

/**
 * Mean squared error, the pixel objective's loss.
 *
 * @example
 * const loss = tf.tidy(() => meanSquaredError(pred, pixels)); // scalar
 */
export function meanSquaredError(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  sameShape('meanSquaredError', pred, target);
  return tf.tidy(() => tf.mean(tf.square(tf.sub(pred, target))) as tf.Scalar);
}

/** Unbiased variance over axis 1 (PyTorch's default `var(dim=1)`), `[B, K, D] -> [B, D]`. */
function tokenVariance(z: tf.Tensor): tf.Tensor {
  const k = z.shape[1] as number;
  const mean = tf.mean(z, 1, true); // [B, 1, D]
  const ss = tf.sum(tf.square(tf.sub(z, mean)), 1); // [B, D]
  return tf.div(ss, Math.max(1, k - 1)); // [B, D]; K = 1 would be NaN in PyTorch, 0 here
}

/**
 * The reference's optional variance regulariser on the predictions:
 * `pstd = mean over mask types of sqrt(var(z, dim=1) + 1e-4)` (unbiased variance over the token axis,
 * PyTorch's default), `reg = mean(relu(1 - pstd))`. Weight 0 in every release.
 *
 * @example
 * const reg = tf.tidy(() => varianceRegulariser([predShort, predLong])); // scalar
 */
export function varianceRegulariser(preds: readonly tf.Tensor[]): tf.Scalar {
  if (preds.length === 0) throw new ShapeError('varianceRegulariser(preds)', { expected: 'at least one [B, K, D] tensor', received: 'none' });
  return tf.tidy(() => {
    const pstd = tf.div(tf.addN(preds.map((z) => tf.sqrt(tf.add(tokenVariance(z), 1e-4)))), preds.length); // [B, D]
    return tf.mean(tf.relu(tf.sub(1, pstd))) as tf.Scalar;
  });
}

/**
 * Feature spread: the standard deviation of the predictions across tokens (unbiased, per sample and
 * feature), averaged over samples, features and mask types. A falling spread while the loss falls is
 * the partial-collapse signature (see small-scale-learning.md).
 *
 * @example
 * const spread = tf.tidy(() => featureSpread(preds)); // scalar
 */
export function featureSpread(preds: readonly tf.Tensor[]): tf.Scalar {
  if (preds.length === 0) throw new ShapeError('featureSpread(preds)', { expected: 'at least one [B, K, D] tensor', received: 'none' });
  return tf.tidy(() => tf.div(tf.addN(preds.map((z) => tf.mean(tf.sqrt(tokenVariance(z))))), preds.length) as tf.Scalar);
}

/**
 * VICReg-style anti-collapse terms on encoder output tokens (our extension, not in the reference):
 * the tokens of all clips are pooled (`[B, K, D] -> [B*K, D]`), and per feature
 * `variance = mean_d relu(1 - sqrt(var_d + 1e-4))` (unbiased variance over the B*K tokens) and
 * `covariance = sum_{d != e} C_de^2 / D` (C: the unbiased covariance matrix of the pooled tokens).
 * With several tensors (one per mask type) each term is averaged over them. With `pool` (data-parallel
 * training: an element-wise sum over the replicas, differentiable), the tokens of every replica are
 * pooled: their count and sum give the group's mean, and the Gram matrices of the tokens centred on
 * it, summed over the group, give the covariance.
 *
 * @example
 * const { variance, covariance } = tf.tidy(() => encoderVarianceCovariance([ctxShort, ctxLong])); // scalars
 */
export function encoderVarianceCovariance(
  tokens: readonly tf.Tensor[],
  eps = 1e-4,
  pool?: (stats: tf.Tensor) => tf.Tensor,
): { variance: tf.Scalar; covariance: tf.Scalar } {
  if (tokens.length === 0) throw new ShapeError('encoderVarianceCovariance(tokens)', { expected: 'at least one [B, K, D] tensor', received: 'none' });
  for (const z of tokens) {
    if (z.rank !== 3) throw new ShapeError('encoderVarianceCovariance(tokens)', { expected: '[B, K, D] tensors', received: `[${z.shape}]` });
  }
  const [variance, covariance] = tf.tidy(() => {
    const vars: tf.Tensor[] = [];
    const covs: tf.Tensor[] = [];
    for (const z of tokens) {
      const d = z.shape[2] as number;
      const flat = tf.reshape(z, [-1, d]); // [M, D], M = B*K
      let cov: tf.Tensor;
      let diag: tf.Tensor;
      if (pool === undefined) {
        const m = flat.shape[0];
        const centred = tf.sub(flat, tf.mean(flat, 0, true)); // [M, D]
        cov = tf.div(tf.matMul(centred, centred, true, false), Math.max(1, m - 1)); // [D, D]
        diag = tf.div(tf.sum(tf.square(centred), 0), Math.max(1, m - 1)); // [D]
      } else {
        // Data-parallel: the tokens of every replica pooled, in two passes over the group. First the
        // count and sum (read back, no gradient) give the pooled mean; then each replica's Gram matrix
        // of its tokens centred on that mean, summed by `pool`. Centring first keeps the precision of
        // the one-process formula; the mean needs no gradient because the centred tokens of the whole
        // group sum to zero, so the derivative through the mean vanishes.
        const local = Float32Array.from(tf.concat([tf.sum(flat, 0), tf.fill([1], flat.shape[0])]).dataSync() as Float32Array); // [D + 1]
        const moments = pool(tf.tensor1d(local)).dataSync() as Float32Array; // detached: a constant here
        const m = moments[d];
        const mean = tf.tensor2d(moments.slice(0, d).map((v) => v / m), [1, d]); // [1, D]
        const centred = tf.sub(flat, mean); // [M, D]
        const stats = pool(tf.concat([tf.reshape(tf.matMul(centred, centred, true, false), [-1]), tf.sum(tf.square(centred), 0)])); // [D*D + D]
        cov = tf.div(tf.reshape(tf.slice(stats, [0], [d * d]), [d, d]), Math.max(1, m - 1)); // [D, D]
        diag = tf.div(tf.slice(stats, [d * d], [d]), Math.max(1, m - 1)); // [D]
      }
      vars.push(tf.mean(tf.relu(tf.sub(1, tf.sqrt(tf.add(diag, eps))))));
      // off-diagonal sum of squares = total sum of squares - diagonal sum of squares
      covs.push(tf.div(tf.sub(tf.sum(tf.square(cov)), tf.sum(tf.square(diag))), d));
    }
    return [tf.div(tf.addN(vars), vars.length), tf.div(tf.addN(covs), covs.length)];
  });
  return { variance: variance as tf.Scalar, covariance: covariance as tf.Scalar };
}
