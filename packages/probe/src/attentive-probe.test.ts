import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { readFile } from 'node:fs/promises';
import { readNpy, readSafetensors, readTorchCheckpoint, selectStateDict, toFloat32, type StateDict } from '@vjepa/io';
import { CheckpointError, ConfigError, ShapeError } from '@vjepa/errors';
import { beforeAll, describe, expect, it } from 'vitest';
import { AttentiveProbe } from './attentive-probe';

const FIXTURES = new URL('../../../fixtures/official-parity/', import.meta.url);
const bytes = async (name: string) => new Uint8Array(await readFile(new URL(name, FIXTURES)));

async function parityInputs() {
  const feats = readNpy(await bytes('expected_target_features.npy'), { file: 'expected_target_features.npy' });
  const logits = readNpy(await bytes('expected_probe_logits.npy'), { file: 'expected_probe_logits.npy' });
  return { feats, logits };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function checkParity(classifier: StateDict, file: string, attention: 'fused' | 'reference' = 'fused') {
  const { feats, logits } = await parityInputs();
  const probe = new AttentiveProbe({ embedDim: 64, numHeads: 4, numClasses: 5, attention }); // arch.json probe
  const report = probe.loadStateDict(classifier, { file });
  expect(report.missing).toEqual([]);
  expect(report.unexpected).toEqual([]);
  expect(report.loaded).toHaveLength(17);
  const x = tf.tensor3d(toFloat32(feats), feats.shape as [number, number, number]); // [2, 32, 64]
  const y = probe.apply(x);
  expect(y.shape).toEqual([2, 5]);
  const diff = maxAbsDiff(await y.data(), toFloat32(logits));
  expect(diff).toBeLessThan(1e-4);
  tf.dispose([x, y]);
  probe.dispose();
  return diff;
}

describe('AttentiveProbe parity with the official classifier', () => {
  it('reproduces expected_probe_logits from probe.pth.tar (classifier, module. prefix)', async () => {
    const ckpt = readTorchCheckpoint(await bytes('probe.pth.tar'), { file: 'probe.pth.tar' }) as { classifier: StateDict };
    expect(Object.keys(ckpt.classifier).every((k) => k.startsWith('module.'))).toBe(true);
    await checkParity(ckpt.classifier, 'probe.pth.tar');
    await checkParity(ckpt.classifier, 'probe.pth.tar', 'reference');
  });

  it('reproduces expected_probe_logits from weights.safetensors (classifier.)', async () => {
    const { tensors } = readSafetensors(await bytes('weights.safetensors'), { file: 'weights.safetensors' });
    await checkParity(selectStateDict(tensors, 'classifier', { file: 'weights.safetensors' }), 'weights.safetensors');
  });

  it('does not apply xattn.proj but keeps it and saves it back', async () => {
    const { tensors } = readSafetensors(await bytes('weights.safetensors'), { file: 'weights.safetensors' });
    const classifier = selectStateDict(tensors, 'classifier');
    const probe = new AttentiveProbe({ embedDim: 64, numHeads: 4, numClasses: 5 });
    probe.loadStateDict(classifier);
    const saved = await probe.stateDict();
    const key = 'pooler.cross_attention_block.xattn.proj.weight';
    expect(Array.from(saved[key].data as Float32Array)).toEqual(Array.from(toFloat32(classifier[key])));
    expect(Object.keys(saved).sort()).toEqual(Object.keys(classifier).sort());
    expect(probe.trainableVariables().has(key)).toBe(false);
    expect(probe.trainableVariables().size).toBe(15);
    // changing proj must not change the logits
    const x = tf.randomNormal([1, 3, 64], 0, 1, 'float32', 1);
    const before = probe.apply(x);
    const proj = probe.variables().get(key)!;
    proj.assign(tf.onesLike(proj));
    const after = probe.apply(x);
    expect(maxAbsDiff(await before.data(), await after.data())).toBe(0);
    tf.dispose([x, before, after]);
    probe.dispose();
  });
});

describe('AttentiveProbe', () => {
  it('is deterministic given the seed and differs across seeds', async () => {
    const x = tf.randomNormal([2, 4, 8], 0, 1, 'float32', 3);
    const a = new AttentiveProbe({ embedDim: 8, numHeads: 2, numClasses: 3, seed: 7 });
    const b = new AttentiveProbe({ embedDim: 8, numHeads: 2, numClasses: 3, seed: 7 });
    const c = new AttentiveProbe({ embedDim: 8, numHeads: 2, numClasses: 3, seed: 8 });
    const [ya, yb, yc] = [a.apply(x), b.apply(x), c.apply(x)];
    expect(Array.from(await ya.data())).toEqual(Array.from(await yb.data()));
    expect(maxAbsDiff(await ya.data(), await yc.data())).toBeGreaterThan(0);
    // query token init is trunc-normal with std 0.02, truncated at 2 std
    const q = await a.variables().get('pooler.query_tokens')!.data();
    expect(Math.max(...Array.from(q, Math.abs))).toBeLessThanOrEqual(0.04 + 1e-7);
    tf.dispose([x, ya, yb, yc]);
    [a, b, c].forEach((p) => p.dispose());
  });

  it('builds pooler.blocks for depth > 1 on tokens or on the query', async () => {
    const x = tf.randomNormal([2, 5, 8], 0, 1, 'float32', 4);
    const onTokens = new AttentiveProbe({ embedDim: 8, numHeads: 2, numClasses: 3, depth: 3, seed: 1, blocksOn: 'tokens' });
    const onQuery = new AttentiveProbe({ embedDim: 8, numHeads: 2, numClasses: 3, depth: 3, seed: 1, blocksOn: 'query' });
    expect(Object.keys(onTokens.expectedShapes()).filter((k) => k.startsWith('pooler.blocks.'))).toHaveLength(2 * 12);
    expect(onTokens.expectedShapes()['pooler.blocks.1.attn.qkv.weight']).toEqual([24, 8]);
    const ya = onTokens.apply(x);
    const yb = onQuery.apply(x);
    expect(ya.shape).toEqual([2, 3]);
    expect(maxAbsDiff(await ya.data(), await yb.data())).toBeGreaterThan(0);
    tf.dispose([x, ya, yb]);
    onTokens.dispose();
    onQuery.dispose();
  });

  it('computes the same logits and gradients with the fused and the reference cross-attention', async () => {
    for (const [depth, blocksOn] of [[1, 'query'], [2, 'tokens'], [2, 'query']] as const) {
      const x = tf.randomNormal([3, 7, 12], 0, 1, 'float32', 5);
      const labels = tf.oneHot(tf.tensor1d([0, 2, 1], 'int32'), 4);
      const probes = (['fused', 'reference'] as const).map((attention) => new AttentiveProbe({ embedDim: 12, numHeads: 3, numClasses: 4, depth, blocksOn, seed: 2, initStd: 0.3, attention }));
      const results = probes.map((probe) => {
        const vars = [...probe.trainableVariables().entries()];
        const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, probe.apply(x)) as tf.Scalar, vars.map(([, v]) => v));
        const logits = probe.apply(x);
        return { value, logits, grads: vars.map(([name, v]) => [name, grads[v.name]!] as const) };
      });
      const [fused, reference] = results;
      expect(maxAbsDiff(await fused!.logits.data(), await reference!.logits.data())).toBeLessThan(1e-5);
      expect(Math.abs((await fused!.value.data())[0]! - (await reference!.value.data())[0]!)).toBeLessThan(1e-6);
      expect(fused!.grads.map(([n]) => n)).toEqual(reference!.grads.map(([n]) => n));
      let gradMax = 0;
      for (let i = 0; i < fused!.grads.length; i++) {
        const [name, g] = fused!.grads[i]!;
        const diff = maxAbsDiff(await g.data(), await reference!.grads[i]![1].data());
        expect(diff, `${name} (depth ${depth}, ${blocksOn})`).toBeLessThan(1e-5);
        gradMax = Math.max(gradMax, ...Array.from(await g.data(), Math.abs));
      }
      expect(gradMax).toBeGreaterThan(1e-3); // the gradients compared are not all ~0
      for (const r of results) tf.dispose([r.value, r.logits, ...r.grads.map(([, g]) => g)]);
      for (const p of probes) p.dispose();
      tf.dispose([x, labels]);
    }
  });

  it('does not leak tensors across repeated calls', () => {
    const probe = new AttentiveProbe({ embedDim: 8, numHeads: 2, numClasses: 3, depth: 2 });
    const x = tf.randomNormal([2, 4, 8]);
    probe.apply(x).dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      probe.apply(x).dispose();
      probe.pool(x).dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    probe.dispose();
  });

  it('rejects tokens of the wrong width, naming the input', () => {
    const probe = new AttentiveProbe({ embedDim: 8, numHeads: 2, numClasses: 3 });
    const x = tf.zeros([2, 4, 6]);
    expect(() => probe.apply(x)).toThrow(ShapeError);
    expect(() => probe.apply(x)).toThrow(/AttentiveProbe input tokens: expected \[B, N, 8\].*received \[2,4,6\]/);
    x.dispose();
    probe.dispose();
  });

  it('rejects bad options', () => {
    expect(() => new AttentiveProbe({ embedDim: 10, numHeads: 4, numClasses: 3 })).toThrow(ConfigError);
    expect(() => new AttentiveProbe({ embedDim: 8, numHeads: 2, numClasses: 0 })).toThrow(/numClasses/);
    expect(() => new AttentiveProbe({ embedDim: 8, numHeads: 2, numClasses: 3, attention: 'flash' as never })).toThrow(/attention.*'fused' or 'reference'/);
  });

  it('lists every missing, unexpected and mis-shaped key', async () => {
    const probe = new AttentiveProbe({ embedDim: 8, numHeads: 2, numClasses: 3 });
    const sd = await probe.stateDict();
    const bad: StateDict = {};
    for (const [k, v] of Object.entries(sd)) bad[`module.${k}`] = v;
    delete bad['module.linear.bias'];
    bad['module.linear.weight'] = { dtype: 'float32', shape: [4, 8], data: new Float32Array(32) };
    bad['module.extra'] = { dtype: 'float32', shape: [1], data: new Float32Array(1) };
    let err: unknown;
    try { probe.loadStateDict(bad, { file: 'probe.pth.tar' }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(CheckpointError);
    const msg = (err as Error).message;
    expect(msg).toContain('probe.pth.tar');
    expect(msg).toContain('1 missing (linear.bias)');
    expect(msg).toContain('1 unexpected (extra)');
    expect(msg).toContain('linear.weight: expected [3, 8], received [4, 8]');
    // a probe built for another class count is named too
    const other = new AttentiveProbe({ embedDim: 8, numHeads: 2, numClasses: 4 });
    expect(() => other.loadStateDict(sd, { file: 'probe.pth.tar' })).toThrow(/mis-shaped \(linear.weight: expected \[4, 8\], received \[3, 8\]; linear.bias/);
    other.dispose();
    probe.dispose();
  });
});
