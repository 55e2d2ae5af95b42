import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CheckpointError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { PickleWriter } from './pickle-writer';
import { readSafetensors } from './safetensors';
import { selectStateDict } from './state-dict';
import type { StateDict, TensorData } from './tensor-data';
import { openTorchCheckpointFile, readTorchCheckpointFile } from './torch-file';
import { openTorchCheckpoint, readTorchCheckpoint } from './torch-reader';
import { writeTorchCheckpoint } from './torch-writer';
import { tensorData } from './tensor-data';
import { readZip } from './zip-reader';
import { writeZip } from './zip-writer';

const FIXTURES = new URL('../../../fixtures/official-parity/', import.meta.url);
const fixture = async (name: string): Promise<Uint8Array> => new Uint8Array(await readFile(new URL(name, FIXTURES)));
const bytesOf = (t: TensorData): Uint8Array => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);

function expectSameTensors(a: StateDict, b: StateDict): void {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  for (const k of Object.keys(a)) {
    expect(a[k].dtype, k).toBe(b[k].dtype);
    expect(a[k].shape, k).toEqual(b[k].shape);
    expect(Buffer.compare(bytesOf(a[k]), bytesOf(b[k])), k).toBe(0);
  }
}

/** A torch zip with a hand-made pickle and optional storages. */
function torchZip(pickle: Uint8Array, storages: Uint8Array[] = []): Uint8Array {
  return writeZip([
    { name: 'archive/data.pkl', data: pickle },
    ...storages.map((data, i) => ({ name: `archive/data/${i}`, data })),
    { name: 'archive/version', data: new TextEncoder().encode('3\n') },
  ]);
}

/** Pickle of `_rebuild_tensor_v2(storage 0 (float32, numel), offset, size, stride, False, OrderedDict())`. */
function tensorPickle(numel: number, offset: number, size: number[], stride: number[]): Uint8Array {
  const p = new PickleWriter();
  p.proto();
  p.global('torch._utils', '_rebuild_tensor_v2');
  p.mark();
  p.mark();
  p.str('storage');
  p.global('torch', 'FloatStorage');
  p.str('0');
  p.str('cpu');
  p.int(numel);
  p.raw(0x74, 0x51); // TUPLE BINPERSID
  p.int(offset);
  p.intTuple(size);
  p.intTuple(stride);
  p.bool(false);
  p.global('collections', 'OrderedDict');
  p.raw(0x29, 0x52, 0x74, 0x52); // EMPTY_TUPLE REDUCE TUPLE REDUCE
  p.stop();
  return p.bytes();
}

const floats = (...v: number[]): Uint8Array => new Uint8Array(new Float32Array(v).buffer);

describe('readTorchCheckpoint on the official fixtures', () => {
  it('reads the training checkpoint layout and scalars', async () => {
    const arch = JSON.parse(await readFile(new URL('arch.json', FIXTURES), 'utf8'));
    const ckpt = readTorchCheckpoint(await fixture('checkpoint.pth.tar'), { file: 'checkpoint.pth.tar' }) as Record<string, unknown>;
    expect(Object.keys(ckpt)).toEqual(['encoder', 'predictor', 'target_encoder', 'opt', 'scaler', 'epoch', 'loss', 'batch_size', 'world_size', 'lr']);
    expect(ckpt.opt).toBeNull();
    expect(ckpt.scaler).toBeNull();
    expect(ckpt.epoch).toBe(1);
    expect(ckpt.loss).toBe(arch.check.loss_l1_pred_vs_layernormed_target);
    expect(ckpt.batch_size).toBe(arch.check.batch);
    expect(ckpt.world_size).toBe(1);
    expect(ckpt.lr).toBe(0.0001);
    const keys = Object.keys(ckpt.target_encoder as object);
    expect(keys.every((k) => k.startsWith('module.backbone.'))).toBe(true);
  });

  it('matches weights.safetensors bit for bit for target_encoder, encoder, predictor and classifier', async () => {
    const { tensors } = readSafetensors(await fixture('weights.safetensors'));
    const ckpt = readTorchCheckpoint(await fixture('checkpoint.pth.tar'), { file: 'checkpoint.pth.tar' });
    for (const key of ['target_encoder', 'encoder', 'predictor']) {
      expectSameTensors(selectStateDict(ckpt, key, { file: 'checkpoint.pth.tar' }), selectStateDict(tensors, key));
    }
    const probe = readTorchCheckpoint(await fixture('probe.pth.tar'), { file: 'probe.pth.tar' }) as Record<string, unknown>;
    expect(probe.epoch).toBeTypeOf('number');
    expectSameTensors(selectStateDict(probe, 'classifier'), selectStateDict(tensors, 'classifier'));
  });

  it('has the shapes arch.json implies', async () => {
    const arch = JSON.parse(await readFile(new URL('arch.json', FIXTURES), 'utf8'));
    const { embed_dim: D, depth, mlp_ratio: r, pred_embed_dim: Dp, pred_depth, num_mask_tokens } = arch.model;
    const { patch_size: p, tubelet_size: t } = arch.data;
    const enc = selectStateDict(readTorchCheckpoint(await fixture('checkpoint.pth.tar')), 'target_encoder');
    expect(enc['patch_embed.proj.weight'].shape).toEqual([D, 3, t, p, p]);
    expect(enc.pos_embed.shape).toEqual([1, arch.check.tokens, D]);
    for (let i = 0; i < depth; i++) {
      expect(enc[`blocks.${i}.attn.qkv.weight`].shape).toEqual([3 * D, D]);
      expect(enc[`blocks.${i}.mlp.fc1.weight`].shape).toEqual([r * D, D]);
      expect(enc[`blocks.${i}.mlp.fc2.weight`].shape).toEqual([D, r * D]);
    }
    expect(enc[`blocks.${depth}.norm1.weight`]).toBeUndefined();
    const pred = selectStateDict(readTorchCheckpoint(await fixture('checkpoint.pth.tar')), 'predictor');
    expect(pred['predictor_embed.weight'].shape).toEqual([Dp, D]);
    expect(pred['predictor_proj.weight'].shape).toEqual([D, Dp]);
    expect(Object.keys(pred).filter((k) => k.startsWith('mask_tokens.')).length).toBe(num_mask_tokens);
    expect(pred[`predictor_blocks.${pred_depth - 1}.attn.qkv.weight`].shape).toEqual([3 * Dp, Dp]);
  });

  it('reads a deflated and a zip64 copy of the checkpoint identically', async () => {
    const bytes = await fixture('checkpoint.pth.tar');
    const zip = readZip(bytes);
    const files = [...zip.entries.keys()].map((name) => ({ name, data: zip.read(name) }));
    const ref = selectStateDict(readTorchCheckpoint(bytes), 'target_encoder');
    for (const opts of [{ deflate: true }, { forceZip64: true, align: 64 }]) {
      const copy = writeZip(files, opts);
      expectSameTensors(selectStateDict(readTorchCheckpoint(copy), 'target_encoder'), ref);
    }
  });
});

describe('readTorchCheckpoint bad input', () => {
  it('names the file on a truncated checkpoint', async () => {
    const bytes = await fixture('checkpoint.pth.tar');
    for (const cut of [bytes.length - 10, Math.floor(bytes.length / 2), 100]) {
      expect(() => readTorchCheckpoint(bytes.subarray(0, cut), { file: 'checkpoint.pth.tar' })).toThrow(CheckpointError);
      expect(() => readTorchCheckpoint(bytes.subarray(0, cut), { file: 'checkpoint.pth.tar' })).toThrow(/^checkpoint\.pth\.tar: end of central directory/);
    }
  });

  it('names the entry when the central directory is corrupt', async () => {
    const bytes = (await fixture('checkpoint.pth.tar')).slice();
    const view = new DataView(bytes.buffer);
    let eocd = bytes.length - 22;
    while (view.getUint32(eocd, true) !== 0x06054b50) eocd--;
    const cd = view.getUint32(eocd + 16, true);
    // break the third central header's signature
    const zip = readZip(bytes);
    const third = [...zip.entries.values()][2];
    let p = cd;
    for (let i = 0; i < 2; i++) p += 46 + view.getUint16(p + 28, true) + view.getUint16(p + 30, true) + view.getUint16(p + 32, true);
    view.setUint32(p, 0xdeadbeef, true);
    expect(() => readTorchCheckpoint(bytes, { file: 'ck.pth.tar' })).toThrow(/ck\.pth\.tar: central directory entry 2: expected a central directory header/);
    // point an entry's local offset past the central directory
    view.setUint32(p, 0x02014b50, true);
    view.setUint32(p + 42, cd + 10, true);
    expect(() => readTorchCheckpoint(bytes, { file: 'ck.pth.tar' })).toThrow(new RegExp(`entry "${third.name}" local header`));
  });

  it('detects corrupted storage bytes by CRC, naming the entry', async () => {
    const bytes = (await fixture('checkpoint.pth.tar')).slice();
    const e = readZip(bytes).entries.get('checkpoint.pth/data/1');
    if (!e) throw new Error('fixture layout changed');
    bytes[e.dataOffset + 5] ^= 0xff;
    expect(() => readTorchCheckpoint(bytes, { file: 'ck.pth.tar' })).toThrow(/ck\.pth\.tar: entry "checkpoint\.pth\/data\/1" CRC-32/);
  });

  it('refuses a foreign global without running it', () => {
    const enc = new TextEncoder();
    // PROTO 2, GLOBAL 'os system', MARK, BINUNICODE 'ls', TUPLE, REDUCE, STOP
    const pkl = new Uint8Array([0x80, 2, ...enc.encode('cos\nsystem\n'), 0x28, 0x58, 2, 0, 0, 0, ...enc.encode('ls'), 0x74, 0x52, 0x2e]);
    const run = () => readTorchCheckpoint(torchZip(pkl), { file: 'evil.pth' });
    expect(run).toThrow(CheckpointError);
    expect(run).toThrow(/evil\.pth: archive\/data\.pkl: global "os\.system" is not allowed/);
    // STACK_GLOBAL and other classes too
    const p = new PickleWriter();
    p.proto();
    p.str('builtins');
    p.str('eval');
    p.raw(0x93, 0x2e);
    expect(() => readTorchCheckpoint(torchZip(p.bytes()), { file: 'e2.pt' })).toThrow(/global "builtins\.eval" is not allowed/);
    const q = new PickleWriter();
    q.proto();
    q.global('argparse', 'Namespace');
    q.stop();
    expect(() => readTorchCheckpoint(torchZip(q.bytes()), { file: 'ns.pt' })).toThrow(/"argparse\.Namespace" is not allowed/);
  });

  it('refuses the legacy format and non-zip files with a hint', () => {
    expect(() => readTorchCheckpoint(new Uint8Array([0x80, 2, 0x8a, 10]), { file: 'old.pth' })).toThrow(/old\.pth: format.*legacy.*Re-save/);
    expect(() => readTorchCheckpoint(new Uint8Array([1, 2, 3, 4, 5]), { file: 'x.pt' })).toThrow(/x\.pt: format/);
  });

  it('rejects a tensor that overruns its storage and a storage of the wrong size', () => {
    const run = () => readTorchCheckpoint(torchZip(tensorPickle(6, 2, [2, 3], [3, 1]), [floats(1, 2, 3, 4, 5, 6)]), { file: 'o.pt' });
    expect(run).toThrow(/o\.pt: archive\/data\.pkl: _rebuild_tensor_v2: tensor of size \[2, 3\] in storage "0".*reaching element 7.*overruns/);
    const wrong = () => readTorchCheckpoint(torchZip(tensorPickle(8, 0, [2, 3], [3, 1]), [floats(1, 2, 3, 4, 5, 6)]), { file: 's.pt' });
    expect(wrong).toThrow(/s\.pt: archive\/data\.pkl: storage "0" \(archive\/data\/0\): expected 32 bytes \(8 float32\), received 24 bytes/);
    const missing = () => readTorchCheckpoint(torchZip(tensorPickle(6, 0, [2, 3], [3, 1]), []), { file: 'm.pt' });
    expect(missing).toThrow(/m\.pt: entry "archive\/data\/0"/);
  });

  it('names the position of a truncated or corrupt pickle', () => {
    const good = tensorPickle(6, 0, [2, 3], [3, 1]);
    expect(() => readTorchCheckpoint(torchZip(good.subarray(0, good.length - 3), [floats(1, 2, 3, 4, 5, 6)]), { file: 't.pt' })).toThrow(
      /t\.pt: archive\/data\.pkl: pickle.*truncated/,
    );
    expect(() => readTorchCheckpoint(torchZip(new Uint8Array([0x80, 2, 0x69, 0x2e])), { file: 'i.pt' })).toThrow(/opcode 0x69 at byte 2/);
  });
});

describe('readTorchCheckpoint tensor layouts', () => {
  it('copies non-contiguous (transposed, offset) tensors to C order', () => {
    // storage [0..7]; a [3, 2] view with stride (1, 3) from offset 1 is the transpose of [[1,2,3],[4,5,6]]
    const t = readTorchCheckpoint(torchZip(tensorPickle(8, 1, [3, 2], [1, 3]), [floats(0, 1, 2, 3, 4, 5, 6, 7)])) as TensorData;
    expect(t.shape).toEqual([3, 2]);
    expect(Array.from(t.data as Float32Array)).toEqual([1, 4, 2, 5, 3, 6]);
    // broadcast (stride 0) and a contiguous slice with an offset
    const b = readTorchCheckpoint(torchZip(tensorPickle(2, 1, [2, 2], [0, 0]), [floats(7, 9)])) as TensorData;
    expect(Array.from(b.data as Float32Array)).toEqual([9, 9, 9, 9]);
    const s = readTorchCheckpoint(torchZip(tensorPickle(8, 3, [4], [1]), [floats(0, 1, 2, 3, 4, 5, 6, 7)])) as TensorData;
    expect(Array.from(s.data as Float32Array)).toEqual([3, 4, 5, 6]);
  });

  it('accepts an OrderedDict with BUILD state (_metadata) and keeps its items', () => {
    const p = new PickleWriter();
    p.proto();
    p.global('collections', 'OrderedDict');
    p.raw(0x29, 0x52); // OrderedDict()
    p.raw(0x7d); // state dict {'_metadata': {'': {'version': 1}}}
    p.str('_metadata');
    p.raw(0x7d);
    p.str('');
    p.raw(0x7d);
    p.str('version');
    p.int(1);
    p.raw(0x73, 0x73, 0x73, 0x62); // SETITEM x3, BUILD
    p.mark();
    p.str('a');
    p.int(-7);
    p.str('b');
    p.float(0.25);
    p.raw(0x75, 0x2e); // SETITEMS STOP
    expect(readTorchCheckpoint(torchZip(p.bytes()))).toEqual({ a: -7, b: 0.25 });
  });

  it('refuses BUILD on a plain dict', () => {
    const p = new PickleWriter();
    p.proto();
    p.raw(0x7d, 0x7d, 0x62, 0x2e); // {} {} BUILD STOP
    expect(() => readTorchCheckpoint(torchZip(p.bytes()), { file: 'b.pt' })).toThrow(/b\.pt: archive\/data\.pkl: pickle opcode 0x62/);
  });
});

describe('readTorchCheckpointFile and keys', () => {
  const path = fileURLToPath(new URL('checkpoint.pth.tar', FIXTURES));

  it('reads from a file entry by entry, identically to the in-memory reader', async () => {
    const fromFile = await readTorchCheckpointFile(path);
    const inMemory = readTorchCheckpoint(await fixture('checkpoint.pth.tar'));
    expect(Object.keys(fromFile as object)).toEqual(Object.keys(inMemory as object));
    expectSameTensors(selectStateDict(fromFile, 'predictor'), selectStateDict(inMemory, 'predictor'));
  });

  it('keeps only the requested keys and never reads the other storages', async () => {
    const bytes = (await fixture('checkpoint.pth.tar')).slice();
    const e = readZip(bytes).entries.get('checkpoint.pth/data/1'); // an encoder storage
    if (!e) throw new Error('fixture layout changed');
    bytes[e.dataOffset] ^= 0xff;
    expect(() => readTorchCheckpoint(bytes)).toThrow(/CRC-32/);
    const only = readTorchCheckpoint(bytes, { keys: ['target_encoder', 'epoch'] }) as Record<string, unknown>;
    expect(Object.keys(only)).toEqual(['target_encoder', 'epoch']);
    expect(() => readTorchCheckpoint(bytes, { keys: ['classifier'], file: 'k.pth' })).toThrow(/k\.pth: key "classifier": expected one of the available keys: encoder, predictor/);
  });

  it('names a missing path and refuses non-checkpoint files', async () => {
    await expect(readTorchCheckpointFile('/nonexistent/dir/ck.pth.tar')).rejects.toThrow(/file "\/nonexistent\/dir\/ck\.pth\.tar": expected a readable checkpoint file, received no such file/);
    await expect(readTorchCheckpointFile(fileURLToPath(new URL('input.npy', FIXTURES)))).rejects.toThrow(/input\.npy: format/);
  });
});

describe('openTorchCheckpoint: values read on access', () => {
  const t = (...v: number[]): TensorData => tensorData('float32', [v.length], Float32Array.from(v));
  const ckpt = { encoder: { 'module.w': t(1, 2) }, target_encoder: { 'module.w': t(3, 4) }, opt: { state: { '0': { exp_avg: t(5, 6, 7) } }, param_groups: [{ lr: 0.1 }] }, scaler: null, epoch: 7, tag: 'run', flag: true, table: t(9) };
  const bytes = writeTorchCheckpoint(ckpt);
  /** The same checkpoint with one byte of opt's exp_avg storage flipped (its CRC no longer matches). */
  const corruptOpt = (): Uint8Array => {
    const b = bytes.slice();
    const zip = readZip(b);
    const e = [...zip.entries.values()].find((x) => x.name.startsWith('archive/data/') && x.size === 12);
    if (!e) throw new Error('layout changed');
    b[e.dataOffset] ^= 0xff;
    return b;
  };

  it('lists keys and kinds without reading storages, and reads one key on demand', () => {
    const c = openTorchCheckpoint(corruptOpt(), { file: 'c.pth.tar' });
    expect(c.keys).toEqual(['encoder', 'target_encoder', 'opt', 'scaler', 'epoch', 'tag', 'flag', 'table']);
    expect(c.keys.map((k) => c.kindOf(k))).toEqual(['dict', 'dict', 'dict', 'none', 'number', 'string', 'bool', 'tensor']);
    expect(c.kindOf('classifier')).toBeUndefined();
    const target = c.get('target_encoder') as Record<string, TensorData>;
    expect(Array.from(target['module.w'].data as Float32Array)).toEqual([3, 4]);
    expect(c.get('target_encoder')).toBe(target); // read once
    expect(c.kindOf('table')).toBe('tensor');
    expect(() => c.get('opt')).toThrow(/c\.pth\.tar: entry "archive\/data\/\d+" CRC-32/);
    expect(() => c.get('classifier')).toThrow(/c\.pth\.tar: key "classifier": expected one of the available keys: encoder, target_encoder, opt, scaler, epoch, tag, flag, table, received no such key/);
  });

  it('all() is what readTorchCheckpoint returns', () => {
    const c = openTorchCheckpoint(bytes);
    const all = c.all() as Record<string, unknown>;
    expect(all).toEqual(readTorchCheckpoint(bytes));
    expect(c.all()).toBe(all);
    expect(c.get('target_encoder')).toBe(all.target_encoder);
    expect(c.kindOf('encoder')).toBe('dict');
  });

  it('refuses keys of a checkpoint that is not a dict', () => {
    const list = writeTorchCheckpoint([t(1), 2] as never);
    const c = openTorchCheckpoint(list, { file: 'l.pt' });
    expect(c.keys).toEqual([]);
    expect(c.kindOf('x')).toBeUndefined();
    expect(() => c.get('x')).toThrow(/l\.pt: key "x": expected a checkpoint that is a dict, received a list/);
    expect(() => readTorchCheckpoint(list, { file: 'l.pt', keys: ['x'] })).toThrow(/expected a checkpoint that is a dict/);
  });

  it('reads from a file until closed; values read before stay valid', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vjepa-open-'));
    const path = join(dir, 'c.pth.tar');
    await writeFile(path, corruptOpt());
    const c = await openTorchCheckpointFile(path);
    const enc = c.get('encoder') as Record<string, TensorData>;
    c.close();
    c.close(); // idempotent
    expect(Array.from(enc['module.w'].data as Float32Array)).toEqual([1, 2]);
    expect(c.kindOf('target_encoder')).toBe('dict');
    expect(() => c.get('target_encoder')).toThrow(/c\.pth\.tar: bytes \d+\.\.\d+: expected an open checkpoint, received one already closed\. Read every value you need before close\(\)/);
    await expect(openTorchCheckpointFile(dir)).rejects.toThrow(/expected a regular checkpoint file, received a directory\. Pass the checkpoint file inside the folder/);
    await rm(dir, { recursive: true, force: true });
  });
});

describe('readTorchCheckpoint tensor budget (maxExpandedBytes)', () => {
  /** `{ a: view, b: view }` of one 8-float storage, each view given as [offset, size, stride]. */
  function twoViews(a: [number, number[], number[]], b: [number, number[], number[]]): Uint8Array {
    const p = new PickleWriter();
    p.proto();
    p.raw(0x7d);
    for (const [name, [offset, size, stride]] of [['a', a], ['b', b]] as const) {
      p.str(name);
      p.global('torch._utils', '_rebuild_tensor_v2');
      p.mark();
      p.mark();
      p.str('storage');
      p.global('torch', 'FloatStorage');
      p.str('0');
      p.str('cpu');
      p.int(8);
      p.raw(0x74, 0x51);
      p.int(offset);
      p.intTuple(size);
      p.intTuple(stride);
      p.bool(false);
      p.global('collections', 'OrderedDict');
      p.raw(0x29, 0x52, 0x74, 0x52, 0x73);
    }
    p.stop();
    return torchZip(p.bytes(), [floats(0, 1, 2, 3, 4, 5, 6, 7)]);
  }

  it('allows tensors that share a storage within the budget, and refuses past it', () => {
    const tied = twoViews([0, [8], [1]], [0, [2, 4], [4, 1]]);
    const both = readTorchCheckpoint(tied) as Record<string, TensorData>;
    expect(Array.from(both.b.data as Float32Array)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(() => readTorchCheckpoint(tied, { file: 'tied.pt', maxExpandedBytes: 31 })).toThrow(
      /tied\.pt: tensor "(a|b)": expected tensors holding at most 63 bytes in all: the 32 bytes of the storages they view plus 31 bytes \(maxExpandedBytes\), received a float32 tensor of size \[\d(, 4)?\].*: 32 bytes once written out densely, after 32 bytes already made/,
    );
    expect(readTorchCheckpoint(tied, { maxExpandedBytes: 32 })).toEqual(both);
    // disjoint halves of one storage cost nothing extra
    expect(readTorchCheckpoint(twoViews([0, [4], [1]], [4, [4], [1]]), { maxExpandedBytes: 0 })).toBeTruthy();
  });

  it('materialises a memoised tensor once', () => {
    const p = new PickleWriter();
    p.proto();
    p.raw(0x5d); // list
    p.global('torch._utils', '_rebuild_tensor_v2');
    p.mark();
    p.mark();
    p.str('storage');
    p.global('torch', 'FloatStorage');
    p.str('0');
    p.str('cpu');
    p.int(2);
    p.raw(0x74, 0x51);
    p.int(0);
    p.intTuple([2]);
    p.intTuple([1]);
    p.bool(false);
    p.global('collections', 'OrderedDict');
    p.raw(0x29, 0x52, 0x74, 0x52); // the tensor
    p.raw(0x71, 200, 0x61, 0x68, 200, 0x61, 0x2e); // BINPUT 200, APPEND, BINGET 200, APPEND, STOP
    const [x, y] = readTorchCheckpoint(torchZip(p.bytes(), [floats(1, 2)]), { maxExpandedBytes: 0 }) as TensorData[];
    expect(x).toBe(y);
  });
});
