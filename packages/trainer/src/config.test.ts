import { ConfigError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAINER_CONFIG, type TrainerConfigInput, resolveTrainerConfig } from './config';

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
    expect(lr.message).toMatch(/^optimization\.lr: expected a number in \[0, inf\), received -1\./);
    const warm = errorOf({ optimization: { epochs: 10, warmupEpochs: 20 } });
    expect(warm.message).toMatch(/optimization\.warmupEpochs: expected an integer in \[0, optimization\.epochs = 10\]/);
    expect(errorOf({ optimization: { ema: [0.99, 1.2] } }).message).toMatch(/optimization\.ema\[1\]: expected a number in \[0, 1\], received 1\.2/);
    expect(errorOf({ optimization: { ema: 0.99 } }).message).toMatch(/optimization\.ema: expected \[a, b\]/);
    expect(errorOf({ optimization: { ipe: 2.5 } }).message).toMatch(/optimization\.ipe: expected an integer/);
    expect(errorOf({ optimization: { clipGrad: 0 } }).message).toMatch(/optimization\.clipGrad: expected a number in \(0, inf\)/);
    expect(errorOf({ loss: { objective: 'tokens' } }).message).toMatch(/loss\.objective: expected 'features' or 'pixels'/);
    expect(errorOf({ loss: { lossExp: 0 } }).message).toMatch(/loss\.lossExp/);
    expect(errorOf({ loss: { regCoeff: Number.NaN } }).message).toMatch(/loss\.regCoeff/);
    expect(errorOf({ loss: { encVarCoeff: -1 } }).message).toMatch(/loss\.encVarCoeff: expected a number in \[0, inf\)/);
    expect(errorOf({ optimization: { learningRate: 1 } }).message).toMatch(/optimization\.learningRate: expected one of epochs, ipe/);
    expect(errorOf({ optim: {} }).message).toMatch(/^optim: expected one of optimization, loss,/);
    // crash checkpoints are the caller's job now (the trainer does no file I/O)
    expect(errorOf({ checkpoint: { dir: 'runs/x' } } as never).message).toMatch(/^checkpoint: expected one of optimization, loss, received an unknown section/);
  });

  it('accepts clipGrad null (never clip) and warmup equal to training', () => {
    const c = resolveTrainerConfig({ optimization: { clipGrad: null, epochs: 2, warmupEpochs: 2 } });
    expect(c.optimization.clipGrad).toBeNull();
  });
});
