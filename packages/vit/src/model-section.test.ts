import { ConfigError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { mlpHiddenDim } from './block';
import { VIT_PRESETS } from './config';
import { MODEL_NAMES, checkVitModelSection, encoderSize, presetOfModelName, vitConfigFromSections } from './model-section';

describe('the model-size table', () => {
  it('names every preset vit_<preset>, and a name gives that preset with its MLP ratio', () => {
    expect(MODEL_NAMES).toEqual(Object.keys(VIT_PRESETS).map((k) => `vit_${k}`));
    for (const name of MODEL_NAMES) {
      const preset = VIT_PRESETS[presetOfModelName(name)!];
      expect(encoderSize({ model_name: name })).toEqual({ embedDim: preset.embedDim, depth: preset.depth, numHeads: preset.numHeads, mlpRatio: preset.mlpRatio, ...(preset.useRope ? { useRope: true } : {}) });
    }
    expect(presetOfModelName('vit_colossal')).toBeUndefined();
    // a V-JEPA 2 size is a RoPE model at the clip sizes of the data section
    const v2 = vitConfigFromSections({ model_name: 'vit_giant_xformers_rope' }, { patch_size: 16, tubelet_size: 2, num_frames: 16, crop_size: 224 });
    expect([v2.useRope, v2.numHeads, v2.numFrames, v2.imgSize]).toEqual([true, 22, 16, 224]);
  });

  it('builds the giant with the official 48/11 MLP ratio (fc1 6144 wide), not 4', () => {
    const vit = vitConfigFromSections({ model_name: 'vit_giant', uniform_power: true }, { patch_size: 16, tubelet_size: 2, num_frames: 16, crop_size: 224 });
    expect(vit.mlpRatio).toBe(48 / 11);
    expect(mlpHiddenDim(vit.embedDim, vit.mlpRatio)).toBe(6144);
  });

  it('takes explicit sizes (MLP ratio 4 unless given) and refuses both or half of them', () => {
    expect(encoderSize({ model_name: null, embed_dim: 96, depth: 4, num_heads: 4 })).toEqual({ embedDim: 96, depth: 4, numHeads: 4, mlpRatio: 4 });
    expect(encoderSize({ embed_dim: 96, depth: 4, num_heads: 4, mlp_ratio: 2 }).mlpRatio).toBe(2);
    expect(() => checkVitModelSection({ model_name: 'vit_small', embed_dim: 96 })).toThrow(/model\.model_name: expected either model\.model_name or model\.embed_dim\/depth\/num_heads, not both/);
    expect(() => checkVitModelSection({ model_name: null, embed_dim: 96, depth: 4, num_heads: null })).toThrow(/^model\.num_heads: expected model\.model_name, or all of/);
    expect(() => checkVitModelSection({ embed_dim: 96, depth: 4, num_heads: 5 })).toThrow(ConfigError);
    expect(() => checkVitModelSection({ embed_dim: 96, depth: 4, num_heads: 5 })).toThrow(/model\.embed_dim: expected a multiple of model\.num_heads \(5\)/);
  });
});
