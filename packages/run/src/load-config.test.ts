import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { encoderSize, vitConfigFromSections } from '@vjepa/vit';
import { parseSetOverride } from './layers';
import { DEFAULT_CONFIG } from './defaults';
import { loadConfig } from './load-config';

function tmpYaml(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'vjepa-train-config-'));
  const path = join(dir, 'c.yaml');
  writeFileSync(path, text);
  return path;
}

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig layering', () => {
  it('defaults to the tiny-cpu preset and freezes the result', () => {
    const config = loadConfig();
    expect(config.data.dataset_type).toBe('moving_mnist');
    expect(encoderSize(config.model)).toEqual({ embedDim: 96, depth: 4, numHeads: 4, mlpRatio: 4 });
    expect(Object.isFrozen(config.optimization)).toBe(true);
    expect(Object.isFrozen(config.mask[0].spatial_scale)).toBe(true);
  });

  it('layers defaults -> preset -> config file -> --set, last wins', () => {
    const file = tmpYaml('optimization:\n  lr: 0.001\n  epochs: 7\ndata:\n  batch_size: 4\n');
    const config = loadConfig({ preset: 'tiny-cpu', configFile: file, set: ['optimization.lr=3e-4', 'meta.backend=cpu'] });
    expect(config.optimization.lr).toBe(3e-4); // --set beats the file
    expect(config.optimization.epochs).toBe(7); // the file beats the preset
    expect(config.data.batch_size).toBe(4);
    expect(config.model.pred_embed_dim).toBe(64); // from the preset
    expect(config.meta.backend).toBe('cpu');
  });

  it('parses --set values as YAML scalars, lists and indexed list items', () => {
    expect(parseSetOverride('optimization.lr=1e-3').value).toBe(0.001);
    expect(parseSetOverride('meta.load_checkpoint=false').value).toBe(false);
    expect(parseSetOverride('meta.read_checkpoint=null').value).toBeNull();
    expect(parseSetOverride('logging.folder=runs/x').value).toBe('runs/x');
    expect(parseSetOverride('mask.0.num_blocks=4').path).toEqual(['mask', 0, 'num_blocks']);
    const config = loadConfig({ set: ['mask.0.num_blocks=4', 'data_aug.random_resize_scale=[0.5, 0.9]'] });
    expect(config.mask[0].num_blocks).toBe(4);
    expect(config.mask[1].num_blocks).toBe(2); // the other mask type is kept
    expect(config.data_aug.random_resize_scale).toEqual([0.5, 0.9]);
    expect(errorOf(() => parseSetOverride('optimization.lr')).message).toContain('key.path=value');
  });

  it('a layer naming model_name replaces the preset encoder size', () => {
    const config = loadConfig({ set: ['model.model_name=vit_small', 'model.pred_embed_dim=96'] });
    expect(encoderSize(config.model)).toEqual({ embedDim: 384, depth: 12, numHeads: 6, mlpRatio: 4 });
    expect(config.model.embed_dim).toBeNull();
  });

  it('model.use_rope (official) and the vit_*_rope sizes make RoPE models; a RoPE head width below 6 is refused', () => {
    const rope = loadConfig({ set: ['model.use_rope=true'] }); // the tiny preset, D 96, 4 heads: head width 24
    expect(vitConfigFromSections(rope.model, rope.data).useRope).toBe(true);
    expect(vitConfigFromSections(loadConfig().model, loadConfig().data).useRope).toBe(false);
    const named = loadConfig({ set: ['model.model_name=vit_large_rope', 'model.pred_embed_dim=384'] });
    expect(named.model.use_rope).toBeNull();
    expect(vitConfigFromSections(named.model, named.data)).toMatchObject({ useRope: true, embedDim: 1024, numHeads: 16 });
    expect(errorOf(() => loadConfig({ set: ['model.use_rope=true', 'model.num_heads=32'] })).message).toMatch(/^model\.use_rope: expected a head width .* of at least 6.*received head width 3 \(embed_dim 96 \/ num_heads 32\)/s);
    // the predictor (64 wide) follows the encoder's heads: 16 heads of width 4
    expect(errorOf(() => loadConfig({ set: ['model.use_rope=true', 'model.num_heads=16'] })).message).toMatch(/^model\.pred_embed_dim: expected a predictor head width/);
    expect(loadConfig({ set: ['model.use_rope=true', 'model.num_heads=16', 'model.pred_num_heads=8'] }).model.pred_num_heads).toBe(8);
    expect(errorOf(() => loadConfig({ set: ['model.model_name=vit_large_rope', 'model.use_rope=false', 'model.pred_embed_dim=384'] })).message).toContain('model.use_rope: expected true or null');
    expect(errorOf(() => loadConfig({ set: ['model.use_rope=yes please'] })).message).toContain('model.use_rope: expected a boolean');
  });

  it('--preset vitl|vith|vitg|vitg-384 gives the architecture of that V-JEPA 2 release over the defaults', () => {
    const cases = [['vitl', 1024, 16, 256], ['vith', 1280, 16, 256], ['vitg', 1408, 22, 256], ['vitg-384', 1408, 22, 384]] as const;
    for (const [preset, dim, heads, crop] of cases) {
      const config = loadConfig({ preset });
      const vit = vitConfigFromSections(config.model, config.data);
      expect([vit.useRope, vit.embedDim, vit.numHeads, vit.imgSize, vit.numFrames, vit.patchSize, vit.tubeletSize]).toEqual([true, dim, heads, crop, 64, 16, 2]);
      expect(config.model).toMatchObject({ pred_embed_dim: 384, pred_depth: 12, pred_num_heads: 12, embed_dim: null });
      expect(config.logging.folder).toBe(`runs/${preset}`);
    }
    expect(loadConfig({ preset: 'vitl', set: ['data.num_frames=16'] }).data.num_frames).toBe(16);
    expect(errorOf(() => loadConfig({ preset: 'vitx' })).message).toContain('a V-JEPA 2 release (vitl, vith, vitg, vitg-384)');
  });

  it('presets vitl16 and vith16 validate and mirror the released values', () => {
    for (const [preset, name, dim] of [['vitl16', 'vit_large', 1024], ['vith16', 'vit_huge', 1280]] as const) {
      const config = loadConfig({ preset });
      expect(config.model.model_name).toBe(name);
      expect(encoderSize(config.model).embedDim).toBe(dim);
      expect(config.data).toMatchObject({ num_frames: 16, crop_size: 224, patch_size: 16, tubelet_size: 2, frame_step: 4, batch_size: 24 });
      expect(config.optimization).toMatchObject({ epochs: 300, ipe: 300, warmup: 40, start_lr: 2e-4, lr: 6.25e-4, final_lr: 1e-6, ema: [0.998, 1.0] });
      expect(config.mask.map((m) => [m.num_blocks, m.spatial_scale[0]])).toEqual([[8, 0.15], [2, 0.7]]);
    }
  });
});

describe('loadConfig errors name the full key path', () => {
  it('rejects an unknown key and suggests the close one', () => {
    const e = errorOf(() => loadConfig({ set: ['data.batch_szie=4'] }));
    expect(e.message).toContain('data.batch_szie');
    expect(e.message).toContain('did you mean "batch_size"');
  });

  it('rejects an unknown section', () => {
    expect(errorOf(() => loadConfig({ set: ['optimisation.lr=1'] })).message).toMatch(/^optimisation: .*unknown key/);
  });

  it('reports a bad value with its path, what was expected and what was received', () => {
    expect(errorOf(() => loadConfig({ set: ['optimization.lr=-1'] })).message).toBe('optimization.lr: expected a number > 0, received -1.');
    expect(errorOf(() => loadConfig({ set: ['data.batch_size=2.5'] })).message).toContain('data.batch_size: expected an integer, received 2.5');
    expect(errorOf(() => loadConfig({ set: ['meta.backend=cuda'] })).message).toContain('meta.backend: expected one of "auto"');
    expect(errorOf(() => loadConfig({ set: ['mask.1.spatial_scale=[0.7, 1.5]'] })).message).toContain('mask[1].spatial_scale[1]: expected a number <= 1');
    expect(errorOf(() => loadConfig({ set: ['optimization.lr=abc'] })).message).toContain('optimization.lr: expected a number, received "abc"');
  });

  it('accepts the encoder anti-collapse weights (ours, default 0: off) and rejects negative ones', () => {
    expect(DEFAULT_CONFIG.loss.enc_var_coeff).toBe(0); // the reference objective unless a preset turns it on
    expect(DEFAULT_CONFIG.loss.enc_cov_coeff).toBe(0);
    const tiny = loadConfig(); // the tiny-cpu preset uses them (see its comments)
    expect([tiny.loss.enc_var_coeff, tiny.loss.enc_cov_coeff]).toEqual([25, 1]);
    const config = loadConfig({ set: ['loss.enc_var_coeff=5', 'loss.enc_cov_coeff=0.04'] });
    expect(config.loss.enc_var_coeff).toBe(5);
    expect(config.loss.enc_cov_coeff).toBe(0.04);
    expect(errorOf(() => loadConfig({ set: ['loss.enc_var_coeff=-1'] })).message).toContain('loss.enc_var_coeff: expected a number >= 0, received -1');
    expect(errorOf(() => loadConfig({ set: ['loss.enc_cov_coeff=-0.5'] })).message).toContain('loss.enc_cov_coeff: expected a number >= 0');
  });

  it('checks keys against each other', () => {
    expect(errorOf(() => loadConfig({ set: ['data.crop_size=30'] })).message).toContain('data.crop_size: expected a multiple of data.patch_size (8)');
    expect(errorOf(() => loadConfig({ set: ['data.dataset_type=video_index'] })).message).toContain('data.datasets');
    expect(errorOf(() => loadConfig({ set: ['model.pred_embed_dim=66'] })).message).toContain('model.pred_embed_dim');
  });

  it('reports unreadable and malformed files', () => {
    expect(errorOf(() => loadConfig({ configFile: '/nonexistent/x.yaml' })).message).toContain('--config');
    expect(errorOf(() => loadConfig({ configFile: tmpYaml('data: [1, 2\n') })).message).toContain('expected valid YAML');
    expect(errorOf(() => loadConfig({ preset: 'nope' })).message).toContain('--preset');
  });
});
