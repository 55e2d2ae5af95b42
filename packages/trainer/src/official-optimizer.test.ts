import { CheckpointError } from '@vjepa/errors';
import { type StateDict, type TensorData, readTorchCheckpoint, tensorData, writeTorchCheckpoint } from '@vjepa/io';
import type { AdamWState } from '@vjepa/optim';
import { describe, expect, it } from 'vitest';
import { fromOfficialOptimizer, officialNumbering, officialParameterOrder, toOfficialOptimizer } from './official-optimizer';

const t = (shape: number[], fill = 0): TensorData => tensorData('float32', shape, new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(fill));

// a miniature encoder and predictor in our state-dict order (fixed tables last)
const encoder: StateDict = { 'patch_embed.proj.weight': t([4, 3, 1, 2, 2]), 'patch_embed.proj.bias': t([4]), 'norm.weight': t([4]), pos_embed: t([1, 8, 4]) };
const predictor: StateDict = { 'predictor_embed.weight': t([2, 4]), 'mask_tokens.0': t([1, 1, 2]), 'predictor_proj.bias': t([4]), predictor_pos_embed: t([1, 8, 2]) };
const official = (sd: StateDict): StateDict => Object.fromEntries(officialParameterOrder(Object.keys(sd)).map((k) => [k, sd[k]]));

function ours(step: number): AdamWState {
  const params: Record<string, AdamWState['params'][string]> = {};
  for (const [module, sd] of [['encoder', encoder], ['predictor', predictor]] as const) {
    for (const [name, v] of Object.entries(sd)) {
      if (name.endsWith('pos_embed')) continue;
      params[`${module}.${name}`] = { step, shape: [...v.shape], expAvg: new Float32Array(v.data.length).fill(step / 10), expAvgSq: new Float32Array(v.data.length).fill(step / 100) };
    }
  }
  return { version: 1, betas: [0.9, 0.999], eps: 1e-8, groups: [{ name: 'decay', lr: 1e-3, weightDecay: 0.05 }, { name: 'no_decay', lr: 1e-3, weightDecay: 0 }], params };
}

describe('the official AdamW layout', () => {
  it('numbers the four groups across modules in named_parameters() order, frozen tables included', () => {
    const groups = officialNumbering({
      encoder: Object.entries(official(encoder)).map(([n, v]) => [n, v.shape] as const),
      predictor: Object.entries(official(predictor)).map(([n, v]) => [n, v.shape] as const),
    });
    expect(groups.map((g) => g.map((p) => `${p.index}:${p.name}`))).toEqual([
      ['0:pos_embed', '1:patch_embed.proj.weight'],
      ['2:predictor_pos_embed', '3:predictor_embed.weight', '4:mask_tokens.0'],
      ['5:patch_embed.proj.bias', '6:norm.weight'],
      ['7:predictor_proj.bias'],
    ]);
  });

  it('round-trips our state through the official layout and the torch writer and reader', () => {
    const opt = toOfficialOptimizer(ours(7), { encoder, predictor });
    expect([...opt.state.keys()]).toEqual([1, 3, 4, 5, 6, 7]); // 0 and 2, the tables, have no state
    expect(opt.param_groups[2]).toMatchObject({ WD_exclude: true, weight_decay: 0, lr: 1e-3, params: [5, 6] });
    expect(opt.param_groups[0]).toMatchObject({ lr: 1e-3, weight_decay: 0.05, amsgrad: false, foreach: null, maximize: false, capturable: false, params: [0, 1] });
    const back = (readTorchCheckpoint(writeTorchCheckpoint({ opt })) as { opt: unknown }).opt;
    const read = fromOfficialOptimizer(back, { encoder: official(encoder), predictor: official(predictor) }, { betas: [0.9, 0.999], eps: 1e-8 });
    expect(read.state).toEqual(ours(7));
    expect(read.maxStep).toBe(7);
    expect(read.notes).toEqual(['2 parameter(s) without AdamW state (frozen tables or never stepped): encoder.pos_embed, predictor.predictor_pos_embed', 'AdamW steps taken: 7']);
  });

  it('accepts the int step older PyTorch wrote, notes other betas, and refuses layouts that are not the official one', () => {
    const opt = toOfficialOptimizer(ours(2), { encoder, predictor });
    const plain = (readTorchCheckpoint(writeTorchCheckpoint({ opt })) as { opt: { state: Record<string, Record<string, unknown>>; param_groups: Record<string, unknown>[] } }).opt;
    for (const s of Object.values(plain.state)) s.step = 2; // PyTorch < 1.12
    plain.param_groups[1].betas = [0.9, 0.95];
    const modules = { encoder: official(encoder), predictor: official(predictor) };
    const read = fromOfficialOptimizer(plain, modules, { betas: [0.9, 0.999], eps: 1e-8 });
    expect(read.maxStep).toBe(2);
    expect(read.notes).toContain('param_groups[1].betas (0.9, 0.95) differ from ours (0.9, 0.999); ours are used');

    const twoGroups = { ...plain, param_groups: plain.param_groups.slice(0, 2) };
    expect(() => fromOfficialOptimizer(twoGroups, modules, { betas: [0.9, 0.999], eps: 1e-8 }, { file: 'x.pth.tar' })).toThrow(/x\.pth\.tar: opt\.param_groups: expected 4 groups .*received 2 groups/);
    const shifted = { ...plain, param_groups: plain.param_groups.map((g, k) => (k === 3 ? { ...g, params: [8] } : g)) };
    expect(() => fromOfficialOptimizer(shifted, modules, { betas: [0.9, 0.999], eps: 1e-8 })).toThrow(/param_groups\[3\]\.params: expected the 1 predictor biases and 1-D parameters numbered 7\.\.7/);
    const badStep = { ...plain, state: { ...plain.state, 1: { ...plain.state[1], step: 0 } } };
    expect(() => fromOfficialOptimizer(badStep, modules, { betas: [0.9, 0.999], eps: 1e-8 })).toThrow(CheckpointError);
    const badShape = { ...plain, state: { ...plain.state, 1: { ...plain.state[1], exp_avg: t([4]) } } };
    expect(() => fromOfficialOptimizer(badShape, modules, { betas: [0.9, 0.999], eps: 1e-8 })).toThrow(/state\[1\]\.exp_avg \(encoder patch_embed\.proj\.weight\): expected a tensor \[4, 3, 1, 2, 2\]/);
  });

  it('refuses an optimizer state that is not our two V-JEPA groups', () => {
    const state = { ...ours(1), groups: [{ name: 'default', lr: 1, weightDecay: 0 }] };
    expect(() => toOfficialOptimizer(state, { encoder, predictor })).toThrow(/expected the V-JEPA groups "decay" and "no_decay"/);
  });
});
