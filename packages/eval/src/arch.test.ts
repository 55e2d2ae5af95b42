import { ConfigError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { archFromPreset, clipOf, parseArchConfig } from './arch';

describe('--config parsing', () => {
  it('reads explicit sizes from the model and data sections (JSON is YAML)', () => {
    const arch = parseArchConfig('{"model": {"embed_dim": 64, "depth": 2, "num_heads": 4, "uniform_power": true, "pred_embed_dim": 32, "pred_depth": 2}, "data": {"patch_size": 8, "tubelet_size": 2, "num_frames": 4, "crop_size": 32}}', 'a.json');
    expect(arch.vit).toMatchObject({ embedDim: 64, depth: 2, numHeads: 4, patchSize: 8, tubeletSize: 2, numFrames: 4, imgSize: 32, uniformPower: true });
    expect(arch.source).toBe('a.json');
    expect(clipOf(arch)).toEqual({ numFrames: 4, frameStep: 4, numClips: 1, cropSize: 32 });
  });

  it('reads model_name from the one size table and defaults the data sizes to the reference 16x224, patch 16', () => {
    const arch = parseArchConfig('model:\n  model_name: vit_large\n  uniform_power: false\n', 'l.yaml');
    expect(arch.vit).toMatchObject({ embedDim: 1024, depth: 24, numHeads: 16, patchSize: 16, numFrames: 16, imgSize: 224, uniformPower: false });
    expect(arch.frameStep).toBe(4);
    expect(parseArchConfig('model: {model_name: vit_giant}\n').vit.mlpRatio).toBe(48 / 11);
  });

  it('accepts a vjepa-train config with all its sections and reads frame_step (or the official sampling_rate)', () => {
    const arch = parseArchConfig('data: {dataset_type: moving_mnist, batch_size: 8, num_frames: 8, crop_size: 32, patch_size: 8, frame_step: 1}\nmodel: {model_name: null, embed_dim: 96, depth: 4, num_heads: 4}\nmask: []\noptimization: {lr: 0.1}\nmeta: {objective: pixels}\n', 't.yaml');
    expect(arch.vit.embedDim).toBe(96);
    expect(arch.frameStep).toBe(1);
    expect(parseArchConfig('model: {model_name: vit_tiny}\ndata: {sampling_rate: 2}\n').frameStep).toBe(2);
  });

  it('names the file and the key path of an unknown key, with a guess', () => {
    expect(() => parseArchConfig('model: {embed_dim: 64, depth: 2, num_heads: 4, embed_dims: 3}\n', 'x.yaml')).toThrow(/^x\.yaml: model\.embed_dims: expected no such key .*did you mean "embed_dim"/);
    expect(() => parseArchConfig('data: {patch: 8}\nmodel: {model_name: vit_tiny}\n', 'x.yaml')).toThrow(/x\.yaml: data\.patch: expected no such key/);
    expect(() => parseArchConfig('modle: {}\n', 'x.yaml')).toThrow(/x\.yaml: modle: expected no such key .*did you mean "model"/);
  });

  it('refuses bad values and incomplete sizes with ConfigErrors', () => {
    expect(() => parseArchConfig('model: {embed_dim: 64, depth: 2}\n')).toThrow(/model_name, or all of model\.embed_dim/);
    expect(() => parseArchConfig('model: {embed_dim: 64, depth: -2, num_heads: 4}\n')).toThrow(/model\.depth: expected an integer >= 1, received -2/);
    expect(() => parseArchConfig('model: {model_name: vit_mega}\n')).toThrow(/model\.model_name: expected one of "vit_tiny"/);
    expect(() => parseArchConfig('model: {embed_dim: 64, depth: 2, num_heads: 5}\n')).toThrow(/model\.embed_dim: expected a multiple of model\.num_heads \(5\)/);
    expect(() => parseArchConfig('model: {model_name: vit_tiny}\ndata: {crop_size: 30, patch_size: 8}\n')).toThrow(/data\.crop_size: expected a multiple of data\.patch_size \(8\)/);
    expect(() => parseArchConfig('model: {model_name: vit_tiny, embed_dim: 64}\n')).toThrow(/not both/);
    expect(() => parseArchConfig('model: [1, 2\n')).toThrow(/valid YAML/);
    expect(() => parseArchConfig('model: {model_name: vit_tiny, uniform_power: yes please}\n')).toThrow(ConfigError);
  });

  it('builds presets with data overrides', () => {
    expect(archFromPreset('small', { patchSize: 8, numFrames: 8, imgSize: 32 }).vit).toMatchObject({ embedDim: 384, depth: 12, patchSize: 8, numFrames: 8, imgSize: 32 });
    expect(archFromPreset('vit_giant').vit.mlpRatio).toBe(48 / 11);
    expect(() => archFromPreset('enormous')).toThrow(/--preset/);
  });
});
