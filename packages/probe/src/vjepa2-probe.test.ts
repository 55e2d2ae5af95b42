// Golden test against the V-JEPA 2 attentive probe fixture (official AttentiveClassifier, depth 2).
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { readFile } from 'node:fs/promises';
import { CheckpointError } from '@vjepa/errors';
import { fromHfVjepa2, readNpy, readSafetensors, readTorchCheckpoint, stripPrefixes, toFloat32, toHfVjepa2, writeSafetensors, type StateDict } from '@vjepa/io';
import { beforeAll, describe, expect, it } from 'vitest';
import { AttentiveProbe } from './attentive-probe';
import { attentiveProbeOptionsFromStateDict, loadAttentiveProbes, selectClassifiers } from './probe-checkpoint';

const dir = new URL('../../../fixtures/vjepa2-parity/', import.meta.url);
const bytes = async (f: string) => new Uint8Array(await readFile(new URL(f, dir)));
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = a.length === b.length ? 0 : Infinity;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
const file = 'probe.pt';

let ckpt: unknown;
let feats: tf.Tensor3D;
let expected: Float32Array;

beforeAll(async () => {
  await tf.setBackend('cpu');
  ckpt = readTorchCheckpoint(await bytes(file), { file });
  const f = readNpy(await bytes('expected_target_features.npy'));
  feats = tf.tensor3d(toFloat32(f), f.shape as [number, number, number]); // [2, 32, 96]
  expected = toFloat32(readNpy(await bytes('expected_probe_logits.npy')));
});

describe('V-JEPA 2 attentive probe (probe.pt: {"classifiers": [...]})', () => {
  it.each(['fused', 'reference'] as const)('reproduces expected_probe_logits with %s attention', async (attention) => {
    const [probe, ...rest] = loadAttentiveProbes(ckpt, { numHeads: 4, file, attention });
    expect(rest).toHaveLength(0);
    expect([probe.layout, probe.depth, probe.blocksOn, probe.numClasses, probe.embedDim]).toEqual(['vjepa2', 2, 'tokens', 5, 96]);
    const y = probe.apply(feats);
    const d = maxAbsDiff(await y.data(), expected);
    console.log(`vjepa2 probe logits (${attention}) max abs diff ${d.toExponential(2)}`);
    expect(d).toBeLessThan(1e-4);
    y.dispose();
    probe.dispose();
  });

  it('explicit options give the same; the blocks really run over the tokens first', async () => {
    const [sd] = selectClassifiers(ckpt, { file });
    expect(attentiveProbeOptionsFromStateDict(sd, { numHeads: 4 })).toEqual({ embedDim: 96, numHeads: 4, numClasses: 5, depth: 2, mlpRatio: 4, layout: 'vjepa2' });
    const probe = new AttentiveProbe({ embedDim: 96, numHeads: 4, numClasses: 5, depth: 2, layout: 'vjepa2' });
    const report = probe.loadStateDict(sd, { file });
    expect([report.missing, report.unexpected, report.loaded.length]).toEqual([[], [], 27]);
    expect(probe.variables().has('pooler.cross_attention_block.xattn.proj.weight')).toBe(false);
    const y = probe.apply(feats);
    expect(maxAbsDiff(await y.data(), expected)).toBeLessThan(1e-4);
    const onQuery = new AttentiveProbe({ embedDim: 96, numHeads: 4, numClasses: 5, depth: 2, layout: 'vjepa2', blocksOn: 'query' });
    onQuery.loadStateDict(sd);
    const z = onQuery.apply(feats);
    expect(maxAbsDiff(await z.data(), expected)).toBeGreaterThan(1e-3);
    expect(Object.keys(await probe.stateDict()).sort()).toEqual(Object.keys(sd).map((k) => k.slice('module.'.length)).sort());
    tf.dispose([y, z]);
    probe.dispose();
    onQuery.dispose();
  });

  it('refuses a V-JEPA 2 probe into the V-JEPA layout naming V-JEPA 2, and the reverse', async () => {
    const [sd] = selectClassifiers(ckpt, { file });
    const v1 = new AttentiveProbe({ embedDim: 96, numHeads: 4, numClasses: 5, depth: 2 });
    expect(() => v1.loadStateDict(sd, { file })).toThrow(CheckpointError);
    expect(() => v1.loadStateDict(sd, { file })).toThrow(/probe\.pt: attentive probe.*xattn\.proj.*V-JEPA 2 probe.*layout: 'vjepa2'/s);
    const v1sd: StateDict = await v1.stateDict();
    const v2 = new AttentiveProbe({ embedDim: 96, numHeads: 4, numClasses: 5, depth: 2, layout: 'vjepa2' });
    expect(() => v2.loadStateDict(v1sd, { file: 'v1.pt' })).toThrow(/v1\.pt: attentive probe.*present: a V-JEPA probe.*layout: 'vjepa'/s);
    expect(v2.loadStateDict(v1sd, { allowPartial: true }).unexpected).toEqual(['pooler.cross_attention_block.xattn.proj.weight', 'pooler.cross_attention_block.xattn.proj.bias']);
    v1.dispose();
    v2.dispose();
  });

  it('reads V-JEPA probe checkpoints ({"classifier": sd}) too and names the keys of anything else', () => {
    const sd = selectClassifiers(ckpt)[0];
    expect(selectClassifiers({ classifier: sd })).toHaveLength(1);
    expect(() => selectClassifiers({ encoder: sd, epoch: 3 }, { file: 'x.pt' })).toThrow(/x\.pt.*"classifiers" list.*keys encoder, epoch/s);
    expect(() => selectClassifiers({ classifiers: [] })).toThrow(/empty list/);
    expect(() => selectClassifiers({ classifiers: [{ a: 1 }] }, { file: 'y.pt' })).toThrow(/y\.pt: classifiers\[0\].*only tensors/s);
    expect(() => attentiveProbeOptionsFromStateDict(sd, { numHeads: 0 })).toThrow(/numHeads/);
  });

  it('leaks no tensors and gradients reach every variable', () => {
    const [probe] = loadAttentiveProbes(ckpt, { numHeads: 4 });
    const run = () => tf.dispose([probe.apply(feats), probe.pool(feats)]);
    run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) run();
    expect(tf.memory().numTensors).toBe(before);
    const vars = [...probe.trainableVariables().values()];
    expect(vars).toHaveLength(27);
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(probe.apply(feats))) as tf.Scalar, vars);
    const zero = vars.filter((v) => !grads[v.name] || tf.max(tf.abs(grads[v.name])).dataSync()[0] === 0);
    expect(zero).toHaveLength(0);
    tf.dispose([value, ...Object.values(grads)]);
    probe.dispose();
  });

  it('loads from Hugging Face VJEPA2ForVideoClassification names (pooler.*, classifier.*) to the same logits', async () => {
    const [sd] = selectClassifiers(ckpt, { file });
    const model = readTorchCheckpoint(await bytes('checkpoint.pt'), { file: 'checkpoint.pt' }) as { target_encoder: StateDict };
    const encoder = stripPrefixes(model.target_encoder);
    const hf = readSafetensors(writeSafetensors(toHfVjepa2({ encoder, classifier: stripPrefixes(sd, ['module.']) }), { format: 'pt' })).tensors;
    const { classifier } = fromHfVjepa2(hf, { file: 'model.safetensors' });
    const probe = new AttentiveProbe({ ...attentiveProbeOptionsFromStateDict(classifier!, { numHeads: 4 }) });
    probe.loadStateDict(classifier!, { file: 'model.safetensors' });
    const y = probe.apply(feats);
    expect(maxAbsDiff(await y.data(), expected)).toBeLessThan(1e-4);
    y.dispose();
    probe.dispose();
  });
});
