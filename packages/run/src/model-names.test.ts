import { archFromConfig } from '@vjepa/eval';
import { MODEL_NAMES, mlpHiddenDim, presetOfModelName, vitConfigFromSections } from '@vjepa/vit';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './load-config';

/**
 * The encoder sizes of the official code (facebookresearch/jepa `src/models/vision_transformer.py`:
 * embed_dim, depth, num_heads, mlp_ratio per `vit_*` constructor), as the state dict it builds shows
 * them: the fc1 width of every block is `int(embed_dim * mlp_ratio)`.
 */
const OFFICIAL = {
  vit_tiny: { embedDim: 192, depth: 12, numHeads: 3, fc1: 768 },
  vit_small: { embedDim: 384, depth: 12, numHeads: 6, fc1: 1536 },
  vit_base: { embedDim: 768, depth: 12, numHeads: 12, fc1: 3072 },
  vit_large: { embedDim: 1024, depth: 24, numHeads: 16, fc1: 4096 },
  vit_huge: { embedDim: 1280, depth: 32, numHeads: 16, fc1: 5120 },
  vit_giant: { embedDim: 1408, depth: 40, numHeads: 16, fc1: 6144 },
} as const;

describe('every model_name builds the same module in train, eval and the official layout', () => {
  const data = ['data.patch_size=16', 'data.tubelet_size=2', 'data.num_frames=16', 'data.crop_size=224', 'model.pred_embed_dim=384'];
  it.each(MODEL_NAMES.filter((n) => n in OFFICIAL))('%s', (name) => {
    const config = loadConfig({ set: [`model.model_name=${name}`, ...data] });
    const train = vitConfigFromSections(config.model, config.data); // what vjepa-train builds
    const evalFromRun = archFromConfig(JSON.parse(JSON.stringify(config)), 'config.yaml').vit; // what vjepa-eval builds from the run's config
    const evalFromName = archFromConfig({ model: { model_name: name } }).vit; // ... and from an official config
    expect(evalFromRun).toEqual(train);
    expect(evalFromName).toEqual(train);
    const official = OFFICIAL[name as keyof typeof OFFICIAL];
    expect({ embedDim: train.embedDim, depth: train.depth, numHeads: train.numHeads, fc1: mlpHiddenDim(train.embedDim, train.mlpRatio) }).toEqual(official);
  });

  it('model.use_rope (the V-JEPA 2 configs\' key) builds the same RoPE module in train and eval, as the vit_*_rope name does', () => {
    const config = loadConfig({ set: ['model.model_name=vit_large', 'model.use_rope=true', ...data] });
    const train = vitConfigFromSections(config.model, config.data);
    expect(train.useRope).toBe(true);
    expect(archFromConfig(JSON.parse(JSON.stringify(config)), 'config.yaml').vit).toEqual(train);
    expect(archFromConfig({ model: { model_name: 'vit_large', use_rope: true } }).vit).toEqual(train);
    expect(archFromConfig({ model: { model_name: 'vit_large_rope' } }).vit).toEqual(train);
  });

  it('covers every size of the table (a new preset needs its official sizes here)', () => {
    const known = MODEL_NAMES.filter((n) => n in OFFICIAL || presetOfModelName(n)?.endsWith('_rope'));
    expect(known).toEqual([...MODEL_NAMES]);
  });
});
