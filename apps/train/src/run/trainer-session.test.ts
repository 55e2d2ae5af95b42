import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config';
import { runPaths } from './run-folder';
import { trainerConfigInput } from './trainer-session';

describe('trainerConfigInput', () => {
  it('passes every loss key of the config to the trainer (none is accepted and then ignored)', () => {
    const config = loadConfig({ set: ['loss.reg_coeff=0.5', 'loss.loss_exp=2', 'loss.enc_var_coeff=25', 'loss.enc_cov_coeff=1', 'meta.objective=pixels'] });
    const input = trainerConfigInput(config, runPaths(config));
    expect(input.loss).toEqual({ objective: 'pixels', lossExp: 2, regCoeff: 0.5, encVarCoeff: 25, encCovCoeff: 1 });
    expect(Object.keys(config.loss).length).toBe(Object.keys(input.loss).length - 1); // + objective from meta
  });
});
