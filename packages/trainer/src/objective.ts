import * as tf from '@tensorflow/tfjs-core';
import { MaskError, ShapeError } from '@vjepa/errors';
import type { IndexBatch } from '@vjepa/masking';
import { encoderVarianceCovariance, featureSpread, meanSquaredError, regressionLoss, varianceRegulariser } from './losses';
import type { EncoderModel, PredictorModel } from './models';
import { gatherTokens } from '@vjepa/vit';
import { layerNormNoParams } from './tokens';

/**
 * One mask type's indices as int32 tensors `[B, Kc]` / `[B, Kt]`, and the predictor's mask token
 * to use (`maskIndex`, the mask type's position in the strategy's output).
 *
 * @example
 * const mask: MaskTensors = { context: tf.tensor2d(ctx, [2, 6], 'int32'), target: tf.tensor2d(tgt, [2, 26], 'int32'), maskIndex: 1 };
 */
export interface MaskTensors {
  readonly context: tf.Tensor;
  readonly target: tf.Tensor;
  readonly maskIndex: number;
}

/**
 * The objective's outputs (scalars, owned by the caller).
 * `total = mean(perType) + regCoeff * reg + encVarCoeff * encVar + encCovCoeff * encCov` (a term whose
 * weight is 0 is not added at all, so the default is exactly the reference loss).
 *
 * @example
 * const { total, perType } = computeObjective(...);
 */
export interface ObjectiveOutputs {
  readonly total: tf.Scalar;
  readonly perType: tf.Scalar[];
  readonly reg: tf.Scalar;
  readonly spread: tf.Scalar;
  /** Encoder variance hinge on the context tokens (see {@link encoderVarianceCovariance}); computed even at weight 0. */
  readonly encVar: tf.Scalar;
  /** Encoder covariance term on the context tokens; computed even at weight 0. */
  readonly encCov: tf.Scalar;
}

/**
 * Options of {@link computeObjective}.
 *
 * @example
 * const options: ObjectiveOptions = { objective: 'features', lossExp: 1, regCoeff: 0, encVarCoeff: 1 };
 */
export interface ObjectiveOptions {
  readonly objective: 'features' | 'pixels';
  readonly lossExp: number;
  readonly regCoeff: number;
  /** Weight of the encoder variance hinge (our anti-collapse extension). Default 0: off. */
  readonly encVarCoeff?: number;
  /** Weight of the encoder covariance term (our anti-collapse extension). Default 0: off. */
  readonly encCovCoeff?: number;
  /** Data-parallel training: sums the encoder regulariser's statistics over the replicas (see `groupSum`). */
  readonly pool?: (stats: tf.Tensor) => tf.Tensor;
}

/**
 * Converts a strategy's {@link IndexBatch} into an int32 `[B, K]` tensor (caller owns it).
 *
 * @example
 * const ctx = indexBatchTensor(pairs[0].context); // [B, Kc]
 */
export function indexBatchTensor(batch: IndexBatch): tf.Tensor2D {
  if (batch.data.length !== batch.batchSize * batch.length || batch.length < 1) {
    throw new MaskError('IndexBatch', {
      expected: `batchSize * length = ${batch.batchSize * batch.length} indices with length >= 1`,
      received: `${batch.data.length} indices, length ${batch.length}`,
    });
  }
  return tf.tensor2d(batch.data, [batch.batchSize, batch.length], 'int32');
}

/**
 * The V-JEPA targets, computed without gradient: the target encoder on the FULL clip, a
 * parameter-free layer norm over features (eps 1e-5, PyTorch's `F.layer_norm` default), then the
 * tokens of each mask type's target indices. One `[B, Kt, D]` tensor per mask.
 *
 * @example
 * const targets = featureTargets(targetEncoder, clips, masks); // dispose when done
 */
export function featureTargets(targetEncoder: EncoderModel, clips: tf.Tensor, masks: readonly MaskTensors[], eps = 1e-5): tf.Tensor[] {
  return tf.tidy(() => {
    const h = layerNormNoParams(targetEncoder.apply(clips), eps); // [B, N, D]
    // Computed outside any gradient scope, so nothing flows back into the target encoder.
    return masks.map((m) => gatherTokens(h, m.target)); // [B, Kt, D] each
  });
}

/**
 * The predictions and loss for given masks and precomputed targets (gathered per mask, e.g. from
 * {@link featureTargets} or normalised pixels): for each mask type, the encoder on the context
 * tokens, the predictor with that type's mask token, `mean(|pred - target|^p) / p` (features) or MSE
 * (pixels); averaged over types, plus `regCoeff * varianceRegulariser(preds)`, plus (our optional
 * extension, off at weight 0) `encVarCoeff * encVar + encCovCoeff * encCov` on the context encoder's
 * output tokens ({@link encoderVarianceCovariance}). Differentiable with
 * respect to encoder and predictor variables; call inside `tf.variableGrads` or `tf.tidy`.
 *
 * @example
 * const out = tf.tidy(() => computeObjective(encoder, predictor, clips, masks, targets, { objective: 'features', lossExp: 1, regCoeff: 0 }));
 */
export function computeObjective(
  encoder: EncoderModel,
  predictor: PredictorModel,
  clips: tf.Tensor,
  masks: readonly MaskTensors[],
  targets: readonly tf.Tensor[],
  options: ObjectiveOptions,
): ObjectiveOutputs {
  if (masks.length === 0 || masks.length !== targets.length) {
    throw new ShapeError('computeObjective(masks, targets)', {
      expected: 'one target tensor per mask, at least one mask',
      received: `${masks.length} masks, ${targets.length} targets`,
    });
  }
  return tf.tidy(() => {
    const ctxs = masks.map((m) => encoder.apply(clips, { indices: m.context, checkIndices: false })); // [B, Kc, D] each
    const preds = masks.map((m, k) => predictor.apply(ctxs[k], m.context, m.target, m.maskIndex, { checkIndices: false })); // [B, Kt, D | outDim]
    const perType = preds.map((p, k) =>
      options.objective === 'pixels' ? meanSquaredError(p, targets[k]) : regressionLoss(p, targets[k], options.lossExp),
    );
    const lossMean = tf.div(tf.addN(perType), perType.length);
    const reg = varianceRegulariser(preds);
    const enc = encoderVarianceCovariance(ctxs, 1e-4, options.pool);
    let total: tf.Tensor = options.regCoeff === 0 ? lossMean : tf.add(lossMean, tf.mul(reg, options.regCoeff));
    const encVarCoeff = options.encVarCoeff ?? 0;
    const encCovCoeff = options.encCovCoeff ?? 0;
    if (encVarCoeff !== 0) total = tf.add(total, tf.mul(enc.variance, encVarCoeff));
    if (encCovCoeff !== 0) total = tf.add(total, tf.mul(enc.covariance, encCovCoeff));
    return { total: total as tf.Scalar, perType, reg, spread: featureSpread(preds), encVar: enc.variance, encCov: enc.covariance };
  });
}

/**
 * The V-JEPA loss for explicit masks, end to end and without gradient: targets from the target encoder
 * ({@link featureTargets}), then {@link computeObjective}. Use it to check parity with the reference
 * (e.g. the official fixture's mask with `maskIndex: 1`) or to evaluate a held-out batch.
 *
 * @example
 * const { total } = computeJepaLoss({ encoder, predictor, targetEncoder, clips, masks: [{ context, target, maskIndex: 1 }] });
 * console.log(await total.data());
 */
export function computeJepaLoss(args: {
  encoder: EncoderModel;
  predictor: PredictorModel;
  targetEncoder: EncoderModel;
  clips: tf.Tensor;
  masks: readonly MaskTensors[];
  lossExp?: number;
  regCoeff?: number;
  targetLayerNormEps?: number;
}): ObjectiveOutputs {
  return tf.tidy((): tf.TensorContainer => {
    const targets = featureTargets(args.targetEncoder, args.clips, args.masks, args.targetLayerNormEps ?? 1e-5);
    return computeObjective(args.encoder, args.predictor, args.clips, args.masks, targets, {
      objective: 'features',
      lossExp: args.lossExp ?? 1,
      regCoeff: args.regCoeff ?? 0,
    }) as unknown as tf.TensorContainer;
  }) as unknown as ObjectiveOutputs;
}
