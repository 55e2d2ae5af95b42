import { readFile } from 'node:fs/promises';
import { CheckpointError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors } from './safetensors';
import { type StateDict, tensorData } from './tensor-data';

const FIXTURES = new URL('../../../fixtures/official-parity/', import.meta.url);
const fixture = async (name: string): Promise<Uint8Array> => new Uint8Array(await readFile(new URL(name, FIXTURES)));

/** A safetensors file with a hand-written header (may lie) and `dataLen` zero bytes. */
function craft(header: unknown, dataLen: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + dataLen);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

describe('readSafetensors on the official fixture', () => {
  it('holds the four prefixed groups with float32 tensors matching arch.json', async () => {
    const arch = JSON.parse(await readFile(new URL('arch.json', FIXTURES), 'utf8'));
    const { tensors } = readSafetensors(await fixture('weights.safetensors'), { file: 'weights.safetensors' });
    const D = arch.model.embed_dim as number;
    const Dp = arch.model.pred_embed_dim as number;
    const tokens = arch.check.tokens as number;
    for (const group of ['target_encoder', 'encoder', 'predictor', 'classifier']) {
      expect(Object.keys(tensors).some((k) => k.startsWith(`${group}.`))).toBe(true);
    }
    expect(tensors['target_encoder.pos_embed'].shape).toEqual([1, tokens, D]);
    expect(tensors['target_encoder.patch_embed.proj.weight'].shape).toEqual([
      D,
      3,
      arch.data.tubelet_size,
      arch.data.patch_size,
      arch.data.patch_size,
    ]);
    expect(tensors['target_encoder.blocks.1.attn.qkv.weight'].shape).toEqual([3 * D, D]);
    expect(tensors[`target_encoder.blocks.${arch.model.depth - 1}.mlp.fc1.weight`].shape).toEqual([arch.model.mlp_ratio * D, D]);
    expect(tensors['predictor.predictor_embed.weight'].shape).toEqual([Dp, D]);
    expect(tensors['predictor.mask_tokens.1'].shape).toEqual([1, 1, Dp]);
    expect(tensors['classifier.linear.weight'].shape).toEqual([arch.probe.num_classes, D]);
    for (const t of Object.values(tensors)) expect(t.dtype).toBe('float32');
  });

  it('re-writes to a file that reads back identical', async () => {
    const { tensors, metadata } = readSafetensors(await fixture('weights.safetensors'));
    const again = readSafetensors(writeSafetensors(tensors, metadata));
    expect(Object.keys(again.tensors)).toEqual(Object.keys(tensors));
    for (const [k, t] of Object.entries(tensors)) {
      expect(again.tensors[k].shape, k).toEqual(t.shape);
      expect(Buffer.compare(Buffer.from(again.tensors[k].data.buffer), Buffer.from(t.data.buffer)), k).toBe(0);
    }
    expect(again.metadata).toEqual(metadata);
  });
});

describe('writeSafetensors', () => {
  it('round-trips every dtype and metadata, with an 8-byte aligned header', () => {
    const sd: StateDict = {
      a: tensorData('float32', [2, 2], new Float32Array([1, 2, 3, 4])),
      b: tensorData('bfloat16', [3], new Uint16Array([0x3f80, 1, 2])),
      c: tensorData('int64', [1], new BigInt64Array([-5n])),
      d: tensorData('bool', [2], new Uint8Array([1, 0])),
      e: tensorData('float64', [], new Float64Array([Math.E])),
      f: tensorData('int8', [0], new Int8Array(0)),
      g: tensorData('float16', [1], new Uint16Array([0x3c00])),
    };
    const bytes = writeSafetensors(sd, { format: 'pt', note: 'ünïcode' });
    expect(Number(new DataView(bytes.buffer).getBigUint64(0, true)) % 8).toBe(0);
    const { tensors, metadata } = readSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt', note: 'ünïcode' });
    for (const [k, t] of Object.entries(sd)) expect(tensors[k]).toEqual(t);
  });

  it('refuses invalid tensors naming the key', () => {
    const bad = { w: { dtype: 'float32', shape: [3], data: new Float32Array(2) } } as StateDict;
    expect(() => writeSafetensors(bad)).toThrow(/tensor "w"/);
  });
});

describe('readSafetensors bad headers', () => {
  const f32 = (shape: number[], offs: number[]) => ({ dtype: 'F32', shape, data_offsets: offs });
  const cases: [string, Uint8Array, RegExp][] = [
    ['offsets beyond the file', craft({ w: f32([4], [0, 16]) }, 8), /bad\.safetensors: tensor "w" data_offsets: expected within the 8 data bytes/],
    ['size not matching dtype x shape', craft({ w: f32([3], [0, 8]) }, 8), /tensor "w" size: expected 12 bytes for F32 \[3\], received 8/],
    ['overlapping ranges', craft({ a: f32([2], [0, 8]), b: f32([2], [4, 12]) }, 12), /tensors "a" and "b": expected non-overlapping/],
    ['unknown dtype', craft({ w: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, 1), /tensor "w" dtype/],
    ['begin after end', craft({ w: f32([0], [8, 4]) }, 8), /data_offsets: expected \[begin, end\]/],
    ['non-string metadata', craft({ __metadata__: { a: 1 } }, 0), /__metadata__\.a: expected a string/],
  ];
  for (const [why, bytes, message] of cases) {
    it(`rejects ${why}`, () => {
      expect(() => readSafetensors(bytes, { file: 'bad.safetensors' })).toThrow(CheckpointError);
      expect(() => readSafetensors(bytes, { file: 'bad.safetensors' })).toThrow(message);
    });
  }

  it('rejects a header length beyond the file and a truncated real file', async () => {
    const bytes = craft({}, 0);
    new DataView(bytes.buffer).setBigUint64(0, 10_000n, true);
    expect(() => readSafetensors(bytes, { file: 'x.safetensors' })).toThrow(/x\.safetensors: header length: expected at most/);
    const real = await fixture('weights.safetensors');
    expect(() => readSafetensors(real.subarray(0, real.length - 100), { file: 'weights.safetensors' })).toThrow(
      /weights\.safetensors: tensor ".*" data_offsets.*truncated/,
    );
    expect(() => readSafetensors(real.subarray(0, 5), { file: 'w' })).toThrow(/at least 8 bytes/);
  });

  it('rejects a header that is not JSON', () => {
    const bytes = craft({}, 0);
    bytes[8] = 0x7b;
    bytes[9] = 0x7b;
    expect(() => readSafetensors(bytes, { file: 'j.safetensors' })).toThrow(/j\.safetensors: header: expected a UTF-8 JSON object/);
  });
});
