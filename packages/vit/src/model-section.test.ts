import { ConfigError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { mlpHiddenDim } from './block';
import { VIT_PRESETS } from './config';
import { MODEL_NAMES, checkVitModelSection, encoderSize, presetOfModelName, usesRope, vitConfigFromSections } from './model-section';

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

  it('use_rope (official V-JEPA 2 key) selects RoPE for any size; a *_rope size is RoPE unless contradicted', () => {
    const clip = { patch_size: 16, tubelet_size: 2, num_frames: 16, crop_size: 256 };
    const official = vitConfigFromSections({ model_name: 'vit_large', use_rope: true }, clip); // as the released V-JEPA 2 configs write it
    expect([official.useRope, official.embedDim, official.numHeads]).toEqual([true, 1024, 16]);
    expect(official).toEqual(vitConfigFromSections({ model_name: 'vit_large_rope' }, clip));
    expect(vitConfigFromSections({ model_name: 'vit_large_rope', use_rope: null }, clip).useRope).toBe(true);
    expect(vitConfigFromSections({ model_name: 'vit_large', use_rope: false }, clip).useRope).toBe(false);
    expect(vitConfigFromSections({ embed_dim: 96, depth: 2, num_heads: 4, use_rope: true }, clip).useRope).toBe(true);
    expect(encoderSize({ embed_dim: 96, depth: 2, num_heads: 4, use_rope: true })).toEqual({ embedDim: 96, depth: 2, numHeads: 4, mlpRatio: 4, useRope: true });
    expect([usesRope({ model_name: 'vit_huge_rope' }), usesRope({ model_name: 'vit_huge' }), usesRope({ embed_dim: 8, use_rope: true })]).toEqual([true, false, true]);
    expect(() => checkVitModelSection({ model_name: 'vit_huge_rope', use_rope: false })).toThrow(/^model\.use_rope: expected true or null with model\.model_name vit_huge_rope \(a V-JEPA 2 RoPE size\), received false/);
  });

  it('refuses a RoPE head width below 6 with a ConfigError naming the keys (5 is too narrow, 6 rotates 2 channels per axis)', () => {
    const narrow = () => checkVitModelSection({ embed_dim: 40, depth: 2, num_heads: 8, use_rope: true });
    expect(narrow).toThrow(ConfigError);
    expect(narrow).toThrow(/^model\.use_rope: expected a head width \(model\.embed_dim \/ model\.num_heads\) of at least 6.*received head width 5 \(embed_dim 40 \/ num_heads 8\).*model\.num_heads <= 6/s);
    expect(() => checkVitModelSection({ embed_dim: 48, depth: 2, num_heads: 8, use_rope: true })).not.toThrow();
    expect(() => checkVitModelSection({ embed_dim: 40, depth: 2, num_heads: 8 })).not.toThrow(); // sin-cos: any head width
  });
});
