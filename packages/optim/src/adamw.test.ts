import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError, CheckpointError } from '@vjepa/errors';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamW } from './adamw';
import { vjepaParamGroups, isNoDecayParam, prefixed } from './param-groups';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** One PyTorch AdamW step on a scalar, written out from the formulas. */
function handStep(
  p: number,
  g: number,
  s: { m: number; v: number; t: number },
  lr: number,
  wd: number,
  b1 = 0.9,
  b2 = 0.999,
  eps = 1e-8,
): number {
  s.t += 1;
  p = p * (1 - lr * wd);
  s.m = b1 * s.m + (1 - b1) * g;
  s.v = b2 * s.v + (1 - b2) * g * g;
  const mHat = s.m / (1 - b1 ** s.t);
  const vHat = s.v / (1 - b2 ** s.t);
  return p - (lr * mHat) / (Math.sqrt(vHat) + eps);
}

async function values(t: tf.Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

describe('AdamW', () => {
  it('matches two hand-computed steps, with decay on the weight and none on the bias', async () => {
    const w = tf.variable(tf.tensor2d([[1.0, -2.0]]), true, 'adamw-test-w');
    const b = tf.variable(tf.tensor1d([0.5]), true, 'adamw-test-b');
    const groups = vjepaParamGroups(new Map<string, tf.Variable>([['fc.weight', w], ['fc.bias', b]]));
    const opt = new AdamW(groups, { lr: 0.01, weightDecay: 0.1 });
    expect(opt.groups[0].params.has('fc.weight')).toBe(true);
    expect(opt.groups[1].params.has('fc.bias')).toBe(true);
    expect(opt.groups[1].weightDecay).toBe(0);

    const gradsW = [[0.5, -1.0], [-0.25, 0.3]];
    const gradsB = [2.0, 1.0];
    const hw = [1.0, -2.0];
    const hb = 0.5;
    const sw = [{ m: 0, v: 0, t: 0 }, { m: 0, v: 0, t: 0 }];
    const sb = { m: 0, v: 0, t: 0 };
    let expectB = hb;
    for (let step = 0; step < 2; step++) {
      tf.tidy(() => opt.applyGradients(new Map<string, tf.Tensor>([
        ['fc.weight', tf.tensor2d([gradsW[step]])],
        ['fc.bias', tf.tensor1d([gradsB[step]])],
      ])));
      for (let j = 0; j < 2; j++) hw[j] = handStep(hw[j], gradsW[step][j], sw[j], 0.01, 0.1);
      expectB = handStep(expectB, gradsB[step], sb, 0.01, 0);
      const got = await values(w);
      expect(got[0]).toBeCloseTo(hw[0], 6);
      expect(got[1]).toBeCloseTo(hw[1], 6);
      expect((await values(b))[0]).toBeCloseTo(expectB, 6);
    }
    // After step 1 Adam moves each coordinate by ~lr * sign(g): 1 * (1 - 0.001) - 0.01 = 0.989.
    // Step 2 of the bias by hand: m = 0.28, v = 0.004996, m^ = 0.28 / 0.19, v^ = 0.004996 / 0.001999.
    expect(expectB).toBeCloseTo(0.49 - 0.01 * (0.28 / 0.19) / Math.sqrt(0.004996 / 0.001999), 9);
    expect((await values(b))[0]).toBeCloseTo(0.480678, 5);
    expect(opt.stepOf('fc.weight')).toBe(2);
    opt.dispose();
    w.dispose();
    b.dispose();
  });

  it('sets lr for every group and weight decay only for groups not excluded', () => {
    const w = tf.variable(tf.zeros([2, 2]));
    const b = tf.variable(tf.zeros([2]));
    const opt = new AdamW(vjepaParamGroups({ 'a.weight': w, 'a.bias': b }), { lr: 1, weightDecay: 0.04 });
    opt.setLearningRate(3e-4);
    opt.setWeightDecay(0.3);
    expect(opt.groups.map((g) => g.lr)).toEqual([3e-4, 3e-4]);
    expect(opt.groups.map((g) => g.weightDecay)).toEqual([0.3, 0]);
    opt.dispose();
    w.dispose();
    b.dispose();
  });

  it('exports and imports state so that a restored optimiser continues identically', async () => {
    const init = tf.randomNormal([3, 4], 0, 1, 'float32', 7);
    const a = tf.variable(init.clone());
    const c = tf.variable(init.clone());
    const g1 = tf.randomNormal([3, 4], 0, 1, 'float32', 8);
    const g2 = tf.randomNormal([3, 4], 0, 1, 'float32', 9);
    const optA = new AdamW({ w: a }, { lr: 0.05, weightDecay: 0.2 });
    optA.applyGradients({ w: g1 });
    const state = await optA.getState();
    expect(state.params.w.step).toBe(1);
    expect(state.params.w.expAvg).toBeInstanceOf(Float32Array);

    c.assign(a);
    const optC = new AdamW({ w: c }, { lr: 999, weightDecay: 0 });
    optC.setState(state);
    expect(optC.groups[0].lr).toBe(0.05);
    optA.applyGradients({ w: g2 });
    optC.applyGradients({ w: g2 });
    expect(await values(c)).toEqual(await values(a));

    expect(() => optC.setState({ ...state, params: { w: { ...state.params.w, shape: [4, 3] } } })).toThrow(CheckpointError);
    expect(() => optC.setState({ ...state, params: { nope: state.params.w } })).toThrow(/nope/);
    for (const t of [init, g1, g2, a, c]) t.dispose();
    optA.dispose();
    optC.dispose();
  });

  it('validates names, shapes and hyper-parameters', () => {
    const w = tf.variable(tf.zeros([2, 2]));
    expect(() => new AdamW({ w }, { lr: -1 })).toThrow(ConfigError);
    expect(() => new AdamW({ w }, { lr: 1e-3, betas: [0.9, 1.0] })).toThrow(/betas\[1\]/);
    expect(() => new AdamW([{ name: 'a', params: new Map([['w', w]]) }, { name: 'b', params: new Map([['w', w]]) }], { lr: 1 })).toThrow(/duplicate/);
    const opt = new AdamW({ w }, { lr: 1e-3 });
    expect(() => tf.tidy(() => opt.applyGradients({ w: tf.zeros([2]) }))).toThrow(ShapeError);
    expect(() => tf.tidy(() => opt.applyGradients({ x: tf.zeros([2, 2]) }))).toThrow(/"x"/);
    opt.dispose();
    w.dispose();
  });

  it('does not leak tensors across steps', () => {
    const w = tf.variable(tf.ones([4, 4]));
    const opt = new AdamW({ w }, { lr: 1e-2, weightDecay: 0.1 });
    const g = tf.onesLike(w);
    opt.applyGradients({ w: g }); // first step allocates the moments
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) opt.applyGradients({ w: g });
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    g.dispose();
    w.dispose();
  });
});

describe('V-JEPA parameter groups', () => {
  it('exempts biases and 1-D parameters from weight decay', () => {
    expect(isNoDecayParam('blocks.0.attn.qkv.bias', [192])).toBe(true);
    expect(isNoDecayParam('norm.weight', [64])).toBe(true);
    expect(isNoDecayParam('mask_tokens.0', [1, 1, 32])).toBe(false);
    expect(isNoDecayParam('patch_embed.proj.weight', [64, 3, 2, 8, 8])).toBe(false);
    const v = tf.variable(tf.zeros([2, 2]));
    expect([...prefixed('encoder.', { 'norm.weight': v }).keys()]).toEqual(['encoder.norm.weight']);
    v.dispose();
  });
});
