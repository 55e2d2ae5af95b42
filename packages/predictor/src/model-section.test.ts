import { ConfigError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { checkPredictorModelSection } from './model-section';

describe('the predictor keys of the model section', () => {
  const keys = { pred_embed_dim: 48, pred_num_heads: null, num_mask_tokens: null };

  it('checks the width against the heads (the encoder heads by default) and the mask tokens against the mask types', () => {
    expect(() => checkPredictorModelSection({ ...keys, pred_embed_dim: 66 }, { encoderHeads: 4 })).toThrow(/^model\.pred_embed_dim: expected a multiple of the encoder's heads \(4\)/);
    expect(() => checkPredictorModelSection({ ...keys, num_mask_tokens: 3 }, { encoderHeads: 4, numMaskTypes: 2 })).toThrow(/^model\.num_mask_tokens: expected 2/);
    expect(() => checkPredictorModelSection(keys, { encoderHeads: 4, numMaskTypes: 2 })).not.toThrow();
  });

  it('with RoPE (model.use_rope) refuses a predictor head width below 6, naming the key to change', () => {
    // 48 / 8 encoder heads = 6: the narrowest RoPE head (2 channels per axis)
    expect(() => checkPredictorModelSection(keys, { encoderHeads: 8, useRope: true })).not.toThrow();
    const byEncoderHeads = () => checkPredictorModelSection({ ...keys, pred_embed_dim: 32 }, { encoderHeads: 8, useRope: true });
    expect(byEncoderHeads).toThrow(ConfigError);
    expect(byEncoderHeads).toThrow(/^model\.pred_embed_dim: expected a predictor head width \(model\.pred_embed_dim \/ the encoder's heads\) of at least 6.*received head width 4 \(pred_embed_dim 32 \/ 8 heads\).*model\.pred_num_heads <= 5/s);
    expect(() => checkPredictorModelSection({ ...keys, pred_embed_dim: 16, pred_num_heads: 4 }, { encoderHeads: 2, useRope: true })).toThrow(/^model\.pred_num_heads: expected a predictor head width \(model\.pred_embed_dim \/ model\.pred_num_heads\)/);
    expect(() => checkPredictorModelSection({ ...keys, pred_embed_dim: 16, pred_num_heads: 4 }, { encoderHeads: 2 })).not.toThrow(); // sin-cos: any head width
  });
});
