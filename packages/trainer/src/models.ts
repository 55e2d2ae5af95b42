import type * as tf from '@tensorflow/tfjs-core';
import type { StateDict } from '@vjepa/io';

/**
 * What the trainer needs from an encoder (satisfied by `@vjepa/vit`'s `VisionTransformer`):
 * `apply(clip [B, T, H, W, 3], { indices }) -> [B, N | K, D]`, official-name variables, state dicts,
 * and an exact `clone` for the EMA target encoder.
 *
 * @example
 * const encoder: EncoderModel = new VisionTransformer(vitConfig, { seed: 0 });
 */
export interface EncoderModel {
  readonly config: {
    readonly embedDim: number;
    readonly patchSize: number;
    readonly tubeletSize: number;
    readonly numFrames: number;
  };
  apply(x: tf.Tensor, options?: { indices?: tf.Tensor; checkIndices?: boolean }): tf.Tensor;
  /** Every variable under its official name. */
  variables(): Map<string, tf.Variable>;
  stateDict(): Promise<StateDict>;
  loadStateDict(sd: StateDict, options?: { file?: string }): unknown;
  clone(options: { trainable?: boolean }): EncoderModel;
  dispose(): void;
}

/**
 * What the trainer needs from a predictor (satisfied by `@vjepa/predictor`'s `VJEPAPredictor`):
 * `apply(ctxFeatures [B, Kc, D], ctxIdx [B, Kc], tgtIdx [B, Kt], maskIndex) -> [B, Kt, outDim]`.
 *
 * @example
 * const predictor: PredictorModel = new VJEPAPredictor(predConfig, { seed: 1 });
 */
export interface PredictorModel {
  readonly config: {
    readonly embedDim: number;
    readonly numMaskTypes: number;
    readonly outDim?: number;
    /** Token grid the predictor's fixed position table covers. */
    readonly grid?: { readonly t: number; readonly h: number; readonly w: number };
  };
  apply(ctxFeatures: tf.Tensor, ctxIdx: tf.Tensor, tgtIdx: tf.Tensor, maskIndex: number, options?: { checkIndices?: boolean }): tf.Tensor;
  variables(): Map<string, tf.Variable>;
  stateDict(): Promise<StateDict>;
  loadStateDict(sd: StateDict, options?: { file?: string }): unknown;
  dispose(): void;
}

/**
 * The trainable variables of a model under their official names.
 *
 * @example
 * trainableNamed(encoder).size; // number of trainable parameters tensors
 */
export function trainableNamed(model: { variables(): Map<string, tf.Variable> }): Map<string, tf.Variable> {
  return new Map([...model.variables()].filter(([, v]) => v.trainable));
}
