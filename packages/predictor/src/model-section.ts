import { type z as Z, positiveInt, z } from '@vjepa/config';
import { ConfigError } from '@vjepa/errors';
import { ropeAxisDim } from '@vjepa/vit';

/**
 * The predictor keys of the official `model` section (this package owns them; the encoder keys are
 * `@vjepa/vit`'s): `pred_depth`, `pred_embed_dim`, `pred_num_heads` (null = the encoder's heads, as
 * the reference), `num_mask_tokens` (null = one per mask type of the masking), `zero_init_mask_tokens`,
 * and `use_mask_tokens` (accepted; mask tokens are always used). A zod raw shape: compose it with
 * `z.object({ ...vitModelKeys, ...predictorModelKeys }).strict()`.
 *
 * @example
 * const model = z.object({ ...vitModelKeys, ...predictorModelKeys }).strict();
 */
export const predictorModelKeys = {
  pred_depth: positiveInt,
  pred_embed_dim: positiveInt,
  pred_num_heads: positiveInt.nullable(),
  num_mask_tokens: positiveInt.nullable(),
  zero_init_mask_tokens: z.boolean(),
  // accepted from the official configs
  use_mask_tokens: z.boolean(),
};

/**
 * The predictor keys of a validated `model` section.
 *
 * @example
 * const p: PredictorModelSection = { pred_depth: 12, pred_embed_dim: 384, pred_num_heads: null, num_mask_tokens: null, zero_init_mask_tokens: true, use_mask_tokens: true };
 */
export type PredictorModelSection = { [K in keyof typeof predictorModelKeys]: Z.output<(typeof predictorModelKeys)[K]> };

/**
 * Checks the predictor keys against the encoder's heads and the masking's mask types (what a
 * per-key schema cannot see): the predictor width must be a multiple of its heads, `num_mask_tokens`,
 * when set, must equal the number of mask types, and a RoPE predictor (`useRope`: the encoder's
 * `use_rope`, which the predictor follows) needs heads of width 6 or more. Throws ConfigError naming the key.
 *
 * @example
 * checkPredictorModelSection({ pred_embed_dim: 66, pred_num_heads: null, num_mask_tokens: null }, { encoderHeads: 4, numMaskTypes: 2 }); // model.pred_embed_dim: ...
 * checkPredictorModelSection({ pred_embed_dim: 16, pred_num_heads: 4, num_mask_tokens: null }, { encoderHeads: 4, useRope: true }); // model.pred_num_heads: ... head width ...
 */
export function checkPredictorModelSection(
  model: Pick<PredictorModelSection, 'pred_embed_dim' | 'pred_num_heads' | 'num_mask_tokens'>,
  context: { encoderHeads: number; numMaskTypes?: number; useRope?: boolean },
): void {
  const heads = model.pred_num_heads ?? context.encoderHeads;
  if (model.pred_embed_dim % heads !== 0) {
    throw new ConfigError('model.pred_embed_dim', {
      expected:
        model.pred_num_heads === null
          ? `a multiple of the encoder's heads (${heads}); the predictor uses the encoder's head count`
          : `a multiple of model.pred_num_heads (${heads})`,
      received: String(model.pred_embed_dim),
    });
  }
  if (context.useRope && ropeAxisDim(model.pred_embed_dim / heads) < 2) {
    throw new ConfigError(model.pred_num_heads === null ? 'model.pred_embed_dim' : 'model.pred_num_heads', {
      expected: `a predictor head width (model.pred_embed_dim / ${model.pred_num_heads === null ? "the encoder's heads" : 'model.pred_num_heads'}) of at least 6: with model.use_rope the predictor rotates 2 * floor(head_dim / 6) channels of each head per axis`,
      received: `head width ${model.pred_embed_dim / heads} (pred_embed_dim ${model.pred_embed_dim} / ${heads} heads)`,
      hint: `set model.pred_num_heads <= ${Math.floor(model.pred_embed_dim / 6)} (a divisor of ${model.pred_embed_dim}) or widen model.pred_embed_dim`,
    });
  }
  if (model.num_mask_tokens !== null && context.numMaskTypes !== undefined && model.num_mask_tokens !== context.numMaskTypes) {
    throw new ConfigError('model.num_mask_tokens', {
      expected: `${context.numMaskTypes} (one mask token per mask type of the masking) or null`,
      received: String(model.num_mask_tokens),
    });
  }
}
