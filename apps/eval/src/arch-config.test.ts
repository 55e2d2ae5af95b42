import { describe, expect, it } from 'vitest';
import { archFromPreset, parseArchConfig } from './arch-config';

describe('--config parsing', () => {
  it('reads explicit sizes from the model and data sections (JSON is YAML)', () => {
    const arch = parseArchConfig('{"model": {"embed_dim": 64, "depth": 2, "num_heads": 4, "uniform_power": true, "pred_embed_dim": 32, "pred_depth": 2}, "data": {"patch_size": 8, "tubelet_size": 2, "num_frames": 4, "crop_size": 32}}', 'a.json');
    expect(arch.vit).toMatchObject({ embedDim: 64, depth: 2, numHeads: 4, patchSize: 8, tubeletSize: 2, numFrames: 4, imgSize: 32, uniformPower: true });
    expect(arch.source).toBe('a.json');
  });

  it('reads model_name and defaults the data sizes to the reference 16x224, patch 16', () => {
    const arch = parseArchConfig('model:\n  model_name: vit_large\n  uniform_power: false\n', 'l.yaml');
    expect(arch.vit).toMatchObject({ embedDim: 1024, depth: 24, numHeads: 16, patchSize: 16, numFrames: 16, imgSize: 224, uniformPower: false });
    expect(arch.frameStep).toBe(4);
  });

  it('accepts a vjepa-train config with all its sections and reads frame_step', () => {
    const arch = parseArchConfig('data: {dataset_type: moving_mnist, batch_size: 8, num_frames: 8, crop_size: 32, patch_size: 8, frame_step: 1}\nmodel: {model_name: null, embed_dim: 96, depth: 4, num_heads: 4}\nmask: []\noptimization: {lr: 0.1}\nmeta: {objective: pixels}\n', 't.yaml');
    expect(arch.vit.embedDim).toBe(96);
    expect(arch.frameStep).toBe(1);
  });

  it('names the key path of an unknown key', () => {
    expect(() => parseArchConfig('model: {embed_dim: 64, depth: 2, num_heads: 4, embed_dims: 3}\n', 'x.yaml')).toThrow(/x\.yaml: unknown key model\.embed_dims/);
    expect(() => parseArchConfig('data: {patch: 8}\nmodel: {model_name: vit_tiny}\n', 'x.yaml')).toThrow(/unknown key data\.patch/);
    expect(() => parseArchConfig('modle: {}\n', 'x.yaml')).toThrow(/unknown key modle/);
  });

  it('refuses bad values and incomplete sizes with ConfigErrors', () => {
    expect(() => parseArchConfig('model: {embed_dim: 64, depth: 2}\n')).toThrow(/model_name, or all of model\.embed_dim/);
    expect(() => parseArchConfig('model: {embed_dim: 64, depth: -2, num_heads: 4}\n')).toThrow(/model\.depth: expected a positive integer, received -2/);
    expect(() => parseArchConfig('model: {model_name: vit_mega}\n')).toThrow(/model\.model_name/);
    expect(() => parseArchConfig('model: {embed_dim: 64, depth: 2, num_heads: 5}\n')).toThrow(/do not fit together/);
    expect(() => parseArchConfig('model: [1, 2\n')).toThrow(/valid YAML/);
    try {
      parseArchConfig('model: {model_name: vit_tiny, uniform_power: yes please}\n');
    } catch (e) {
      expect((e as Error).name).toBe('ConfigError');
      return;
    }
    throw new Error('expected a ConfigError');
  });

  it('builds presets with data overrides', () => {
    expect(archFromPreset('small', { patchSize: 8, numFrames: 8, imgSize: 32 }).vit).toMatchObject({ embedDim: 384, depth: 12, patchSize: 8, numFrames: 8, imgSize: 32 });
    expect(() => archFromPreset('enormous')).toThrow(/--preset/);
  });
});
