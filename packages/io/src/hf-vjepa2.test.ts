import { readFile } from 'node:fs/promises';
import { CheckpointError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { fromHfVjepa2, isHfVjepa2StateDict, toHfVjepa2 } from './hf-vjepa2';
import { readSafetensors, writeSafetensors } from './safetensors';
import { selectStateDict, stripPrefixes } from './state-dict';
import type { StateDict, TensorData } from './tensor-data';
import { readTorchCheckpoint } from './torch-reader';

const FIXTURES = new URL('../../../fixtures/vjepa2-parity/', import.meta.url);
const load = async (name: string) => readTorchCheckpoint(new Uint8Array(await readFile(new URL(name, FIXTURES))), { file: name }) as Record<string, unknown>;
const bytesOf = (t: TensorData) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);

function expectSame(a: StateDict, b: StateDict): void {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  for (const k of Object.keys(a)) {
    expect(a[k].shape, k).toEqual(b[k].shape);
    expect(bytesOf(a[k]).equals(bytesOf(b[k])), k).toBe(true);
  }
}

// The parameter names of transformers' VJEPA2Model for a 1-block encoder and predictor, written out
// from modeling_vjepa2.py's module tree (VJEPA2Encoder.embeddings.patch_embeddings.proj, .layer[i]
// with norm1 / attention.{query,key,value,proj} / norm2 / mlp.fc1,fc2, .layernorm; VJEPA2Predictor
// .embeddings.{predictor_embeddings, mask_tokens}, .layer[i], .layernorm, .proj).
const layer = (p: string) =>
  ['norm1', 'attention.query', 'attention.key', 'attention.value', 'attention.proj', 'norm2', 'mlp.fc1', 'mlp.fc2'].flatMap((m) => [`${p}.${m}.weight`, `${p}.${m}.bias`]);
const HF_MODEL_KEYS = [
  'encoder.embeddings.patch_embeddings.proj.weight', 'encoder.embeddings.patch_embeddings.proj.bias',
  ...layer('encoder.layer.0'), 'encoder.layernorm.weight', 'encoder.layernorm.bias',
  'predictor.embeddings.predictor_embeddings.weight', 'predictor.embeddings.predictor_embeddings.bias', 'predictor.embeddings.mask_tokens',
  ...layer('predictor.layer.0'), 'predictor.layernorm.weight', 'predictor.layernorm.bias', 'predictor.proj.weight', 'predictor.proj.bias',
];

describe('Hugging Face V-JEPA 2 names', () => {
  it('converts the fixture the way transformers does: VJEPA2Model names, q/k/v row blocks, stacked mask tokens, nothing permuted', async () => {
    const ckpt = await load('checkpoint.pt');
    const encoder = selectStateDict(ckpt, 'target_encoder');
    const predictor = selectStateDict(ckpt, 'predictor');
    const keep = (sd: StateDict, re: RegExp) => Object.fromEntries(Object.entries(sd).filter(([k]) => !re.test(k)));
    const hf = toHfVjepa2({ encoder: keep(encoder, /^blocks\.1\./), predictor: keep(predictor, /^predictor_blocks\.1\./) });
    expect(Object.keys(hf).sort()).toEqual([...HF_MODEL_KEYS].sort());
    const full = toHfVjepa2({ encoder, predictor });
    const d = 96;
    const f32 = (t: TensorData) => Array.from(t.data as Float32Array);
    const qkv = f32(encoder['blocks.1.attn.qkv.weight']); // [3D, D]
    expect(full['encoder.layer.1.attention.key.weight'].shape).toEqual([d, d]);
    expect(f32(full['encoder.layer.1.attention.key.weight'])).toEqual(qkv.slice(d * d, 2 * d * d));
    expect(full['predictor.embeddings.mask_tokens'].shape).toEqual([2, 1, 1, 48]);
    expect(f32(full['predictor.embeddings.mask_tokens']).slice(48)).toEqual(f32(predictor['mask_tokens.1']));
    expect(bytesOf(full['encoder.embeddings.patch_embeddings.proj.weight']).equals(bytesOf(encoder['patch_embed.proj.weight']))).toBe(true);
  });

  it('reads such a model.safetensors back into the official state dicts, bit for bit (with or without the vjepa2. prefix)', async () => {
    const ckpt = await load('checkpoint.pt');
    const encoder = selectStateDict(ckpt, 'target_encoder');
    const predictor = selectStateDict(ckpt, 'predictor');
    const file = writeSafetensors(toHfVjepa2({ encoder, predictor }), { format: 'pt' });
    const { tensors } = readSafetensors(file, { file: 'model.safetensors' });
    expect(isHfVjepa2StateDict(tensors)).toBe(true);
    expect(isHfVjepa2StateDict(encoder)).toBe(false);
    const parts = fromHfVjepa2(tensors, { file: 'model.safetensors' });
    expectSame(parts.encoder, encoder);
    expectSame(parts.predictor!, predictor);
    expect(parts.classifier).toBeNull();
    const prefixed = Object.fromEntries(Object.entries(tensors).map(([k, v]) => [`vjepa2.${k}`, v]));
    expectSame(fromHfVjepa2(prefixed).encoder, encoder);
  });

  it('maps the VJEPA2ForVideoClassification probe (pooler.*, classifier.*) to the V-JEPA 2 probe layout', async () => {
    const ckpt = await load('checkpoint.pt');
    const probe = await load('probe.pt');
    const classifier = stripPrefixes((probe.classifiers as StateDict[])[0], ['module.']);
    const hf = toHfVjepa2({ encoder: selectStateDict(ckpt, 'target_encoder'), classifier });
    expect(hf['pooler.cross_attention_layer.cross_attn.k_proj.weight'].shape).toEqual([96, 96]);
    expect(hf['pooler.self_attention_layers.0.self_attn.out_proj.bias'].shape).toEqual([96]);
    expect(hf['classifier.weight'].shape).toEqual([5, 96]);
    expect(hf['vjepa2.encoder.layernorm.weight'].shape).toEqual([96]);
    const parts = fromHfVjepa2(hf);
    expectSame(parts.classifier!, classifier);
    expect(parts.predictor).toBeNull();
  });

  it('refuses unknown keys and incomplete q/k/v, naming them', async () => {
    const ckpt = await load('checkpoint.pt');
    const hf = toHfVjepa2({ encoder: selectStateDict(ckpt, 'target_encoder') });
    expect(() => fromHfVjepa2({ ...hf, 'encoder.layer.0.attention.rotary.inv_freq': hf['encoder.layernorm.weight'] }, { file: 'm.safetensors' })).toThrow(
      /m\.safetensors.*1 unknown: encoder\.layer\.0\.attention\.rotary\.inv_freq/s,
    );
    const { ['encoder.layer.1.attention.value.bias']: _gone, ...partial } = hf;
    expect(() => fromHfVjepa2(partial)).toThrow(CheckpointError);
    expect(() => fromHfVjepa2(partial)).toThrow(/blocks\.1\.attn\.qkv\.bias.*part 2 missing/s);
    expect(() => fromHfVjepa2(selectStateDict(ckpt, 'predictor'))).toThrow(CheckpointError);
  });
});
