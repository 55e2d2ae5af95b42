import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pythonTuple } from './python-tuple';
import { readSafetensors } from './safetensors';
import { type TensorData, tensorData } from './tensor-data';
import { readTorchCheckpoint } from './torch-reader';
import { writeTorchCheckpoint } from './torch-writer';
import { readZip } from './zip-reader';

const FIXTURES = new URL('../../../fixtures/official-parity/', import.meta.url);

/** mulberry32: a seeded generator for test data. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const bytesOf = (t: TensorData): Uint8Array => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);

describe('writeTorchCheckpoint', () => {
  it('round-trips a training-checkpoint layout bit for bit through the reader', async () => {
    const { tensors } = readSafetensors(new Uint8Array(await readFile(new URL('weights.safetensors', FIXTURES))));
    const sd = (group: string): Record<string, TensorData> =>
      Object.fromEntries(Object.entries(tensors).filter(([k]) => k.startsWith(`${group}.`)).map(([k, v]) => [`module.backbone.${k.slice(group.length + 1)}`, v]));
    const ckpt = { encoder: sd('encoder'), predictor: sd('predictor'), target_encoder: sd('target_encoder'), opt: null, scaler: null, epoch: 3, loss: 0.8175684213638306, batch_size: 2, world_size: 1, lr: 0.0001 };
    const back = readTorchCheckpoint(writeTorchCheckpoint(ckpt)) as typeof ckpt;
    expect(Object.keys(back)).toEqual(Object.keys(ckpt));
    expect([back.opt, back.scaler, back.epoch, back.loss, back.batch_size, back.world_size, back.lr]).toEqual([null, null, 3, 0.8175684213638306, 2, 1, 0.0001]);
    for (const group of ['encoder', 'predictor', 'target_encoder'] as const) {
      expect(Object.keys(back[group])).toEqual(Object.keys(ckpt[group]));
      for (const [k, t] of Object.entries(ckpt[group])) {
        expect(back[group][k].shape, k).toEqual(t.shape);
        expect(Buffer.compare(bytesOf(back[group][k]), bytesOf(t)), k).toBe(0);
      }
    }
  });

  it('round-trips every dtype, scalars, empty tensors and nested values', () => {
    const r = rng(7);
    const f32 = new Float32Array(24).map(() => r() * 2 - 1);
    const obj = {
      weights: {
        f32: tensorData('float32', [2, 3, 4], f32),
        f64: tensorData('float64', [3], new Float64Array([Math.PI, -0, 1e-300])),
        f16: tensorData('float16', [2], new Uint16Array([0x3c00, 0xfbff])),
        bf16: tensorData('bfloat16', [2], new Uint16Array([0x3f80, 0x7f80])),
        i64: tensorData('int64', [2], new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n])),
        i32: tensorData('int32', [1], new Int32Array([-5])),
        i16: tensorData('int16', [1], new Int16Array([-300])),
        i8: tensorData('int8', [1], new Int8Array([-1])),
        u8: tensorData('uint8', [1], new Uint8Array([255])),
        b: tensorData('bool', [3], new Uint8Array([1, 0, 1])),
        scalar: tensorData('float32', [], new Float32Array([2.5])),
        empty: tensorData('float32', [0, 4], new Float32Array(0)),
      },
      meta: { name: 'vit_tiny', ints: [0, 255, 256, 65536, -1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 - 1], big: 2n ** 80n, flag: false, none: null, nested: [[1.5], []], empty: {} },
    };
    const back = readTorchCheckpoint(writeTorchCheckpoint(obj)) as typeof obj;
    expect(back.meta).toEqual(obj.meta);
    for (const [k, t] of Object.entries(obj.weights)) {
      const b = back.weights[k as keyof typeof obj.weights];
      expect(b.dtype, k).toBe(t.dtype);
      expect(b.shape, k).toEqual(t.shape);
      expect(Buffer.compare(bytesOf(b), bytesOf(t)), k).toBe(0);
    }
  });

  it('writes the torch.save layout: archive/ entries, version 3, byteorder, 64-byte aligned data', () => {
    const t = tensorData('float32', [5], new Float32Array([1, 2, 3, 4, 5]));
    const bytes = writeTorchCheckpoint({ a: t, b: t, c: tensorData('int64', [1], new BigInt64Array([1n])) });
    const zip = readZip(bytes);
    expect([...zip.entries.keys()]).toEqual(['archive/data.pkl', 'archive/byteorder', 'archive/data/0', 'archive/data/1', 'archive/version']);
    expect(new TextDecoder().decode(zip.read('archive/version'))).toBe('3\n');
    expect(new TextDecoder().decode(zip.read('archive/byteorder'))).toBe('little');
    for (const e of zip.entries.values()) {
      expect(e.method).toBe(0);
      expect(e.dataOffset % 64, e.name).toBe(0);
    }
    // the same object is stored once and shared
    const pkl = new TextDecoder('latin1').decode(zip.read('archive/data.pkl'));
    expect(pkl).toContain('collections\nOrderedDict\n');
    expect(pkl).toContain('torch._utils\n_rebuild_tensor_v2\n');
    expect(pkl).toContain('torch\nFloatStorage\n');
    expect(pkl).toContain('torch\nLongStorage\n');
  });

  it('refuses raw typed arrays, functions and cycles, naming the path', () => {
    expect(() => writeTorchCheckpoint({ a: { b: new Float32Array(2) } })).toThrow(/value at "a\.b"/);
    expect(() => writeTorchCheckpoint({ f: () => 1 })).toThrow(/value at "f"/);
    const cyc: Record<string, unknown> = {};
    cyc.self = cyc;
    expect(() => writeTorchCheckpoint(cyc)).toThrow(/cycle/);
  });
});

describe('writeTorchCheckpoint: Python tuples and int-keyed dicts (an optimizer state dict)', () => {
  const step = tensorData('float32', [], new Float32Array([3]));
  const m = tensorData('float32', [2], new Float32Array([0.5, -0.25]));
  const opt = {
    state: new Map<number, unknown>([
      [1, new Map<string, unknown>([['step', step], ['exp_avg', m], ['exp_avg_sq', m]])],
      [300, new Map<string, unknown>([['step', step]])],
    ]),
    param_groups: [{ lr: 0.001, betas: pythonTuple(0.9, 0.999), eps: 1e-8, weight_decay: 0, foreach: null, params: [0, 1], empty: pythonTuple(), four: pythonTuple(1, 2, 3, 4) }],
  };

  it('reads back with our reader: tuples as arrays, int keys as their decimal strings, Map values as plain dicts', () => {
    const back = readTorchCheckpoint(writeTorchCheckpoint({ opt })) as { opt: { state: Record<string, Record<string, TensorData>>; param_groups: Record<string, unknown>[] } };
    expect(Object.keys(back.opt.state)).toEqual(['1', '300']);
    expect(Object.keys(back.opt.state['1'])).toEqual(['step', 'exp_avg', 'exp_avg_sq']);
    expect(back.opt.state['1'].step.shape).toEqual([]);
    expect(Array.from(back.opt.state['1'].exp_avg.data as Float32Array)).toEqual([0.5, -0.25]);
    expect(back.opt.param_groups[0]).toEqual({ lr: 0.001, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, foreach: null, params: [0, 1], empty: [], four: [1, 2, 3, 4] });
    const pkl = new TextDecoder('latin1').decode(readZip(writeTorchCheckpoint({ s: new Map([['a', m]]) })).read('archive/data.pkl'));
    expect(pkl.split('collections\nOrderedDict').length).toBe(2); // only the tensor's backward hooks name it
  });

  it('refuses keys that are neither strings nor integers', () => {
    expect(() => writeTorchCheckpoint({ s: new Map([[1.5, 1]]) })).toThrow(/key at "s": expected a string or an integer key/);
  });

  const torchPython = pythonWithTorch();
  // PyTorch 1.13's weights_only unpickler has no BINFLOAT (it cannot read a torch.save'd float either),
  // so weights_only=True is used where this PyTorch reads a float that torch.save wrote with it.
  it.skipIf(torchPython === null)('torch.load (weights_only=True where this PyTorch supports floats) reads int keys, tuples and a 0-d tensor as PyTorch writes them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vjepa-io-torch-'));
    try {
      const path = join(dir, 'opt.pth.tar');
      await writeFile(path, writeTorchCheckpoint({ opt }));
      const script = [
        'import io, sys, torch',
        'ref = io.BytesIO(); torch.save({"x": 1.5}, ref); ref.seek(0)',
        'try: torch.load(ref, weights_only=True); safe = True',
        'except Exception: safe = False',
        'o = torch.load(sys.argv[1], weights_only=safe)["opt"]',
        'assert type(o["state"]) is dict and sorted(o["state"]) == [1, 300], o["state"].keys()',
        's = o["state"][1]',
        'assert type(s) is dict and list(s) == ["step", "exp_avg", "exp_avg_sq"]',
        'assert s["step"].shape == () and s["step"].dtype == torch.float32 and float(s["step"]) == 3.0',
        'assert s["exp_avg"].tolist() == [0.5, -0.25]',
        'g = o["param_groups"][0]',
        'assert g["betas"] == (0.9, 0.999) and type(g["betas"]) is tuple and g["empty"] == () and g["four"] == (1, 2, 3, 4)',
        'assert g["params"] == [0, 1] and g["foreach"] is None and type(g["weight_decay"]) is int',
        'print("ok")',
      ].join('\n');
      expect(execFileSync(torchPython!, ['-c', script, path], { encoding: 'utf8' }).trim()).toBe('ok');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/**
 * A Python that imports torch (`VJEPA_TORCH_PYTHON`, else python3, python, /usr/bin/python3: a
 * virtualenv's python3 may shadow the system one that has it), or null, printing one line saying the
 * torch.load test is skipped.
 */
function pythonWithTorch(): string | null {
  for (const python of [process.env.VJEPA_TORCH_PYTHON, 'python3', 'python', '/usr/bin/python3'].filter((p): p is string => !!p)) {
    try {
      execFileSync(python, ['-c', 'import torch'], { stdio: 'ignore', timeout: 60_000 });
      return python;
    } catch {
      // try the next name
    }
  }
  console.log('skipping the torch.load check of writeTorchCheckpoint: no python3 with PyTorch here');
  return null;
}
