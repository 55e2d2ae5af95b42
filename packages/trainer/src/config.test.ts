import { ConfigError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '@vjepa/config';
import { DEFAULT_TRAINER_CONFIG, type TrainerConfigInput, checkOptimization, lossSection, optimizationSection, resolveTrainerConfig, trainerConfigFromSections } from './config';

function errorOf(input: unknown): ConfigError {
  try {
    resolveTrainerConfig(input as TrainerConfigInput);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('resolveTrainerConfig', () => {
  it('defaults to the released recipe and layers overrides, frozen', () => {
    const c = resolveTrainerConfig({ optimization: { lr: 1e-3 } });
    expect(c.optimization.lr).toBe(1e-3);
    expect(c.optimization.warmupEpochs).toBe(40);
    expect(c.optimization.ema).toEqual([0.998, 1.0]);
    expect(c.optimization.clipGrad).toBe(10);
    expect(c.loss).toEqual({ objective: 'features', lossExp: 1, regCoeff: 0, encVarCoeff: 0, encCovCoeff: 0, targetLayerNormEps: 1e-5 });
    expect(Object.isFrozen(c.optimization)).toBe(true);
    expect(DEFAULT_TRAINER_CONFIG.optimization.lr).toBe(6.25e-4);
  });

  it('names the key path and the allowed range in every error', () => {
    const lr = errorOf({ optimization: { lr: -1 } });
    expect(lr.message).toMatch(/^optimization\.lr: expected a number > 0, received -1\./);
    const warm = errorOf({ optimization: { epochs: 10, warmupEpochs: 20 } });
    expect(warm.message).toMatch(/optimization\.warmupEpochs: expected an integer in \[0, optimization\.epochs = 10\]/);
    expect(errorOf({ optimization: { ema: [0.99, 1.2] } }).message).toMatch(/optimization\.ema\[1\]: expected a number <= 1, received 1\.2/);
    expect(errorOf({ optimization: { ema: 0.99 } }).message).toMatch(/optimization\.ema: expected a list, received 0\.99/);
    expect(errorOf({ optimization: { ipe: 2.5 } }).message).toMatch(/optimization\.ipe: expected an integer/);
    expect(errorOf({ optimization: { clipGrad: 0 } }).message).toMatch(/optimization\.clipGrad: expected a number > 0, received 0/);
    expect(errorOf({ loss: { objective: 'tokens' } }).message).toMatch(/loss\.objective: expected one of "features" \| "pixels", received "tokens"/);
    expect(errorOf({ loss: { lossExp: 0 } }).message).toMatch(/loss\.lossExp/);
    expect(errorOf({ loss: { regCoeff: Number.NaN } }).message).toMatch(/loss\.regCoeff: expected a number, received NaN/);
    expect(errorOf({ loss: { encVarCoeff: -1 } }).message).toMatch(/loss\.encVarCoeff: expected a number >= 0, received -1/);
    expect(errorOf({ optimization: { learningRate: 1 } }).message).toMatch(/optimization\.learningRate: expected no such key \(known keys here: epochs, ipe, /);
    expect(errorOf({ optim: {} }).message).toMatch(/^optim: expected one of optimization, loss,/);
    // crash checkpoints are the caller's job now (the trainer does no file I/O)
    expect(errorOf({ checkpoint: { dir: 'runs/x' } } as never).message).toMatch(/^checkpoint: expected one of optimization, loss, received an unknown section/);
    expect(errorOf({ optimization: { ema: [1, 0.99] } }).message).toMatch(/^optimization\.ema: expected \[start, end\] with start <= end/);
  });

  it('maps the official sections onto the same config, key for key', () => {
    const official = {
      optimization: { ipe: 50, ipe_scale: 1.25, epochs: 20, warmup: 1, start_lr: 5e-5, lr: 5e-4, final_lr: 1e-6, weight_decay: 0.04, final_weight_decay: 0.4, ema: [0.99, 1] as [number, number], clip_grad: 10 },
      loss: { loss_exp: 1, reg_coeff: 1, enc_var_coeff: 25, enc_cov_coeff: 1 },
    };
    const input = trainerConfigFromSections({ optimization: parseConfig(optimizationSection, official.optimization), loss: parseConfig(lossSection, official.loss) }, 'pixels');
    expect(input.loss).toEqual({ objective: 'pixels', lossExp: 1, regCoeff: 1, encVarCoeff: 25, encCovCoeff: 1 });
    expect(Object.keys(input.optimization ?? {})).toHaveLength(Object.keys(official.optimization).length); // none accepted and then ignored
    const c = resolveTrainerConfig(input);
    expect(c.optimization).toMatchObject({ epochs: 20, ipe: 50, warmupEpochs: 1, startLr: 5e-5, lr: 5e-4, clipGrad: 10, ema: [0.99, 1] });
    // the same ranges in both spellings
    expect(() => parseConfig(optimizationSection, { ...official.optimization, lr: -1 }, ['optimization'])).toThrow(/^optimization\.lr: expected a number > 0, received -1\./);
    expect(() => checkOptimization({ epochs: 2, warmup: 3, ema: [0.99, 1] })).toThrow(/^optimization\.warmup: expected an integer in \[0, optimization\.epochs = 2\]/);
  });

  it('accepts clipGrad null (never clip) and warmup equal to training', () => {
    const c = resolveTrainerConfig({ optimization: { clipGrad: null, epochs: 2, warmupEpochs: 2 } });
    expect(c.optimization.clipGrad).toBeNull();
  });
});
