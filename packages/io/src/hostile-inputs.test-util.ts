import { writeFileSync } from 'node:fs';
import { CheckpointError, DataError, VjepaError } from '@vjepa/errors';
import { readFileBytes } from './files';
import { readNpy, writeNpy } from './npy';
import { PickleWriter } from './pickle-writer';
import { readSafetensors, writeSafetensors } from './safetensors';
import { tensorData } from './tensor-data';
import { type CraftedZipEntry, craftZip, deflatedZeros } from './testing/craft-zip';
import type { HostileCase } from './testing/hostile';
import { scratchFolder } from './testing/scratch-folder';
import { readTorchCheckpointFile } from './torch-file';
import { openTorchCheckpoint, readTorchCheckpoint } from './torch-reader';
import { writeTorchCheckpoint } from './torch-writer';

/**
 * The hostile inputs of issue 13 that reach `@vjepa/io`, one row each, every input built here at
 * a small size. `scale` grows the bombs for the measuring script (1 = the test's size).
 */
export interface HostileRowOptions {
  /** Bytes the deflate bombs inflate to (default 64 MiB; the script uses 8 GiB). */
  bombBytes?: number;
}

const MiB = 1 << 20;
const enc = new TextEncoder();
type Int = number | bigint;

/** `_rebuild_tensor_v2(('storage', torch.<cls>, key, 'cpu', numel), offset, size, stride, False, OrderedDict())`. */
function tensorCall(p: PickleWriter, key: string, numel: Int, size: readonly Int[], stride: readonly Int[], cls = 'FloatStorage'): void {
  p.global('torch._utils', '_rebuild_tensor_v2');
  p.mark();
  p.mark();
  p.str('storage');
  p.global('torch', cls);
  p.str(key);
  p.str('cpu');
  p.int(numel);
  p.raw(0x74, 0x51); // TUPLE BINPERSID
  p.int(0);
  for (const dims of [size, stride]) {
    p.mark();
    for (const d of dims) p.int(d);
    p.raw(0x74);
  }
  p.bool(false);
  p.global('collections', 'OrderedDict');
  p.raw(0x29, 0x52, 0x74, 0x52); // EMPTY_TUPLE REDUCE TUPLE REDUCE
}

interface TensorSpec {
  readonly top: string;
  readonly name: string;
  readonly numel: Int;
  readonly size: readonly Int[];
  readonly stride: readonly Int[];
}

/** A checkpoint pickle `{ top: { name: tensor over storage i } }` for each spec (storage key = index). */
function checkpointPickle(specs: readonly TensorSpec[]): Uint8Array {
  const p = new PickleWriter();
  p.proto();
  p.raw(0x7d); // the checkpoint dict
  for (const [i, s] of specs.entries()) {
    p.str(s.top);
    p.raw(0x7d);
    p.str(s.name);
    tensorCall(p, String(i), s.numel, s.size, s.stride);
    p.raw(0x73, 0x73); // SETITEM into the state dict, then into the checkpoint
  }
  p.stop();
  return p.bytes();
}

/** A torch.save-like archive of a pickle and storages (`archive/data/<i>`). */
function torchArchive(pickle: Uint8Array, storages: readonly Omit<CraftedZipEntry, 'name'>[]): Uint8Array {
  return craftZip([
    { name: 'archive/data.pkl', data: pickle },
    ...storages.map((s, i) => ({ ...s, name: `archive/data/${i}` })),
    { name: 'archive/version', data: enc.encode('3\n') },
  ]);
}

const floats = (...v: number[]): Uint8Array => new Uint8Array(new Float32Array(v).buffer);

/** `{ target_encoder: { w: [4] floats }, opt: { state: <bomb> } }` with the bomb declaring 1 KiB. */
function optBombCheckpoint(bombBytes: number): Uint8Array {
  const pkl = checkpointPickle([
    { top: 'target_encoder', name: 'w', numel: 4, size: [4], stride: [1] },
    { top: 'opt', name: 'state', numel: 256, size: [256], stride: [1] },
  ]);
  return torchArchive(pkl, [{ data: floats(1, 2, 3, 4) }, { data: deflatedZeros(bombBytes), method: 8, declaredSize: 1024 }]);
}

/** A raw pickle: PROTO 2, `body`, STOP. */
function rawPickle(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + 3);
  out.set([0x80, 2]);
  out.set(body, 2);
  out[out.length - 1] = 0x2e;
  return out;
}

/** Runs `call` on every input; returns the errors that are not project errors (should be none). */
function rawFailures(inputs: Iterable<Uint8Array>, call: (b: Uint8Array) => unknown): { runs: number; raw: string[] } {
  let runs = 0;
  const raw: string[] = [];
  for (const b of inputs) {
    runs++;
    try {
      call(b);
    } catch (e) {
      if (!VjepaError.isInstance(e)) raw.push(`${(e as Error)?.name}: ${(e as Error)?.message}`.slice(0, 200));
    }
  }
  return { runs, raw };
}

function* truncations(bytes: Uint8Array, count: number): Generator<Uint8Array> {
  for (let i = 0; i < count; i++) yield bytes.subarray(0, Math.floor((bytes.length * i) / count));
}

/** Seeded single-byte mutations (mulberry32), each on a fresh copy. */
function* mutations(bytes: Uint8Array, count: number, seed: number): Generator<Uint8Array> {
  let a = seed >>> 0;
  const rand = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = 0; i < count; i++) {
    const copy = bytes.slice();
    for (let k = 0; k < 1 + Math.floor(rand() * 3); k++) copy[Math.floor(rand() * copy.length)] = Math.floor(rand() * 256);
    yield copy;
  }
}

const acceptNoRaw = (v: unknown): void => {
  const { runs, raw } = v as { runs: number; raw: string[] };
  if (runs === 0) throw new Error('no inputs were tried');
  if (raw.length > 0) throw new Error(`${raw.length} of ${runs} inputs escaped as raw errors, e.g. ${raw[0]}`);
};

/** A small valid checkpoint as our writer makes it, for truncation and mutation rows. */
function smallCheckpoint(): Uint8Array {
  const t = (n: number): ReturnType<typeof tensorData> => tensorData('float32', [n], Float32Array.from({ length: n }, (_, i) => i / 7));
  return writeTorchCheckpoint({ target_encoder: { 'module.a': t(6), 'module.b': t(3) }, opt: { lr: 0.1 }, epoch: 3 });
}

/** An .npy file with an arbitrary header text (format 2: 32-bit header length). */
function craftNpy(header: string, body = new Uint8Array(16)): Uint8Array {
  const h = enc.encode(`${header}\n`);
  const out = new Uint8Array(12 + h.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0]);
  new DataView(out.buffer).setUint32(8, h.length, true);
  out.set(h, 12);
  out.set(body, 12 + h.length);
  return out;
}

/** A safetensors file with an arbitrary header text and `data` after it. */
function craftSafetensors(header: string, data = new Uint8Array(0)): Uint8Array {
  const h = enc.encode(header);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

const scratchFiles = scratchFolder('vjepa-hostile-');
const scratch = scratchFiles.path;
const fifo = scratchFiles.fifo;

/**
 * Removes the files the rows wrote (a bomb checkpoint, FIFOs). Call after running the rows.
 *
 * @example
 * afterAll(removeHostileScratch);
 */
export function removeHostileScratch(): void {
  scratchFiles.remove();
}

/**
 * Every hostile-input row of `@vjepa/io`. Add a row for each new case; other packages keep their
 * own tables of {@link HostileCase} (see `@vjepa/io/testing`).
 */
export function ioHostileRows(opts: HostileRowOptions = {}): HostileCase[] {
  const bomb = opts.bombBytes ?? 64 * MiB;
  const rows: HostileCase[] = [
    // --- torch.save zip archives
    {
      name: `torch: storage entry declaring 1 KiB that inflates to ${bomb / MiB} MiB (target_encoder)`,
      prepare: () => {
        const bytes = torchArchive(checkpointPickle([{ top: 'target_encoder', name: 'w', numel: 256, size: [256], stride: [1] }]), [{ data: deflatedZeros(bomb), method: 8, declaredSize: 1024 }]);
        return () => readTorchCheckpoint(bytes, { file: 'bomb.pth.tar' });
      },
      expect: { error: CheckpointError, message: /bomb\.pth\.tar: entry "archive\/data\/0": expected deflate data that inflates to its declared 1024 bytes/ },
    },
    {
      name: 'torch: the same bomb under opt, reading everything',
      prepare: () => {
        const bytes = optBombCheckpoint(bomb);
        return () => readTorchCheckpoint(bytes, { file: 'opt-bomb.pth.tar' });
      },
      expect: { error: CheckpointError, message: /opt-bomb\.pth\.tar: entry "archive\/data\/1": expected deflate data that inflates to its declared 1024 bytes/ },
    },
    {
      name: 'torch: the same bomb under opt, keys: [target_encoder] never inflates it',
      prepare: () => {
        const bytes = optBombCheckpoint(bomb);
        return () => readTorchCheckpoint(bytes, { file: 'opt-bomb.pth.tar', keys: ['target_encoder'] });
      },
      expect: { accept: (v) => expectFloats((v as { target_encoder: { w: { data: Float32Array } } }).target_encoder.w.data, [1, 2, 3, 4]) },
    },
    {
      name: 'torch: the same bomb under opt, openTorchCheckpoint().get(target_encoder)',
      prepare: () => {
        const bytes = optBombCheckpoint(bomb);
        return () => {
          const ckpt = openTorchCheckpoint(bytes, { file: 'opt-bomb.pth.tar' });
          if (ckpt.kindOf('opt') !== 'dict' || ckpt.kindOf('target_encoder') !== 'dict') throw new Error(`kinds ${ckpt.kindOf('opt')}, ${ckpt.kindOf('target_encoder')}`);
          return ckpt.get('target_encoder');
        };
      },
      expect: { accept: (v) => expectFloats((v as { w: { data: Float32Array } }).w.data, [1, 2, 3, 4]) },
    },
    {
      name: 'torch: the same bomb under opt, from a file with keys: [target_encoder]',
      prepare: () => {
        const path = scratch('opt-bomb.pth.tar');
        writeFileSync(path, optBombCheckpoint(bomb));
        return () => readTorchCheckpointFile(path, { keys: ['target_encoder'] });
      },
      expect: { accept: (v) => expectFloats((v as { target_encoder: { w: { data: Float32Array } } }).target_encoder.w.data, [1, 2, 3, 4]) },
    },
    {
      name: 'torch: deflated storage honestly declaring 1 GiB (over the inflation budget)',
      prepare: () => {
        const numel = 2 ** 28;
        const bytes = torchArchive(checkpointPickle([{ top: 'target_encoder', name: 'w', numel, size: [numel], stride: [1] }]), [{ data: deflatedZeros(MiB), method: 8, declaredSize: 4 * numel }]);
        return () => readTorchCheckpoint(bytes, { file: 'big.pth.tar' });
      },
      expect: { error: CheckpointError, message: /big\.pth\.tar: entry "archive\/data\/0": expected deflated entries that inflate to at most .* \(maxInflatedBytes\)/ },
    },
    {
      name: 'torch: [32768, 32768] tensor of stride [0, 0] over one element',
      prepare: () => {
        const bytes = torchArchive(checkpointPickle([{ top: 'target_encoder', name: 'pos_embed', numel: 1, size: [32768, 32768], stride: [0, 0] }]), [{ data: floats(1) }]);
        return () => readTorchCheckpoint(bytes, { file: 'expand.pth.tar' });
      },
      expect: { error: CheckpointError, message: /expand\.pth\.tar: tensor "target_encoder\.pos_embed": expected tensors holding at most .*maxExpandedBytes.*size \[32768, 32768\], stride \[0, 0\]/ },
    },
    {
      name: 'torch: stride 2^64',
      prepare: () => {
        const bytes = torchArchive(checkpointPickle([{ top: 'target_encoder', name: 'w', numel: 4, size: [2, 2], stride: [2n ** 64n, 1] }]), [{ data: floats(1, 2, 3, 4) }]);
        return () => readTorchCheckpoint(bytes, { file: 'stride.pth.tar' });
      },
      expect: { error: CheckpointError, message: /stride\.pth\.tar: archive\/data\.pkl: _rebuild_tensor_v2 \(storage "0"\).*received offset 0, size \[2,2\], stride \[18446744073709551616,1\]/ },
    },
    {
      name: 'torch: shape [2^40] of stride 0 over one element',
      prepare: () => {
        const bytes = torchArchive(checkpointPickle([{ top: 'target_encoder', name: 'w', numel: 1, size: [2 ** 40], stride: [0] }]), [{ data: floats(1) }]);
        return () => readTorchCheckpoint(bytes, { file: 'long.pth.tar' });
      },
      expect: { error: CheckpointError, message: /long\.pth\.tar: tensor "target_encoder\.w": expected tensors holding at most .*received a float32 tensor of size \[1099511627776\]/ },
    },
    {
      name: 'torch: shape [2^40] of stride 0 with maxExpandedBytes raised to Infinity',
      prepare: () => {
        const bytes = torchArchive(checkpointPickle([{ top: 'target_encoder', name: 'w', numel: 1, size: [2 ** 40], stride: [0] }]), [{ data: floats(1) }]);
        return () => readTorchCheckpoint(bytes, { file: 'long.pth.tar', maxExpandedBytes: Number.POSITIVE_INFINITY });
      },
      expect: { error: CheckpointError, message: /long\.pth\.tar: tensor "target_encoder\.w": expected memory for a float32 tensor.*received an allocation the JavaScript engine refused/ },
    },
    {
      name: 'torch: a 1M-deep nested list in data.pkl',
      prepare: () => {
        const depth = 1_000_000;
        const body = new Uint8Array(2 * depth);
        body.fill(0x5d, 0, depth); // EMPTY_LIST x depth
        body.fill(0x61, depth); // APPEND x (depth - 1) below: each list into the one before it
        const pkl = rawPickle(body.subarray(0, 2 * depth - 1));
        const bytes = torchArchive(pkl, []);
        return () => readTorchCheckpoint(bytes, { file: 'deep.pth.tar' });
      },
      expect: { error: CheckpointError, message: /deep\.pth\.tar: archive\/data\.pkl: pickle opcode 0x2e at byte \d+: expected lists, tuples and dicts nested at most 100 deep/ },
    },
    {
      name: 'torch: a list that contains itself',
      prepare: () => {
        const bytes = torchArchive(rawPickle(new Uint8Array([0x5d, 0x71, 0, 0x68, 0, 0x61])), []); // [] BINPUT 0 BINGET 0 APPEND
        return () => readTorchCheckpoint(bytes, { file: 'cycle.pth.tar' });
      },
      expect: { error: CheckpointError, message: /cycle\.pth\.tar: .*expected values that do not contain themselves/ },
    },
    {
      name: 'torch: APPENDS of 1M items (no spread into a call)',
      prepare: () => {
        const n = 1_000_000;
        const body = new Uint8Array(2 + 2 * n + 1);
        body.set([0x5d, 0x28]); // EMPTY_LIST MARK
        for (let i = 0; i < n; i++) body.set([0x4b, i & 0xff], 2 + 2 * i); // BININT1
        body[body.length - 1] = 0x65; // APPENDS
        const bytes = torchArchive(rawPickle(body), []);
        return () => readTorchCheckpoint(bytes, { file: 'wide.pth.tar' });
      },
      expect: { accept: (v) => { if (!Array.isArray(v) || v.length !== 1_000_000 || v[257] !== 1) throw new Error('wrong list'); } },
    },
    {
      name: 'torch: a LONG4 integer of 8 MB',
      prepare: () => {
        const n = 8 * MiB;
        const body = new Uint8Array(5 + n);
        body[0] = 0x8b;
        new DataView(body.buffer).setUint32(1, n, true);
        body.fill(0x7f, 5);
        const bytes = torchArchive(rawPickle(body), []);
        return () => readTorchCheckpoint(bytes, { file: 'long4.pth.tar' });
      },
      expect: { error: CheckpointError, message: /long4\.pth\.tar: archive\/data\.pkl: pickle opcode 0x8b at byte 2: expected an integer of at most 8192 bytes, received 8388608 bytes/ },
    },
    {
      name: 'torch: a protocol-0 INT of 1M digits',
      prepare: () => {
        const bytes = torchArchive(rawPickle(enc.encode(`I${'9'.repeat(1_000_000)}\n`)), []);
        return () => readTorchCheckpoint(bytes, { file: 'digits.pth.tar' });
      },
      expect: { error: CheckpointError, message: /digits\.pth\.tar: .*expected a decimal integer of at most 4300 digits/ },
    },
    {
      name: 'torch: 8M EMPTY_DICT opcodes (8 MB of pickle making ~1 GB of objects)',
      prepare: () => {
        const body = new Uint8Array(8 * MiB).fill(0x7d);
        const bytes = torchArchive(rawPickle(body), []);
        return () => readTorchCheckpoint(bytes, { file: 'dicts.pth.tar' });
      },
      expect: { error: CheckpointError, message: /dicts\.pth\.tar: archive\/data\.pkl: pickle opcode 0x7d at byte 1000002: expected at most 1000000 lists, tuples, dicts, marks and calls \(maxObjects\)/ },
    },
    ...['constructor', '__proto__', 'toString', 'hasOwnProperty'].map(
      (name): HostileCase => ({
        name: `torch: storage class torch.${name}`,
        prepare: () => {
          const bytes = torchArchive(storageClassPickle(name), []);
          return () => readTorchCheckpoint(bytes, { file: 'proto.pth.tar' });
        },
        expect: { error: CheckpointError, message: `proto.pth.tar: archive/data.pkl: global "torch.${name}" is not allowed` },
      }),
    ),
    {
      name: 'torch: a small checkpoint truncated at 97 points',
      prepare: () => {
        const bytes = smallCheckpoint();
        return () => rawFailures(truncations(bytes, 97), (b) => readTorchCheckpoint(b, { file: 't.pth.tar' }));
      },
      expect: { accept: acceptNoRaw },
    },
    {
      name: 'torch: 2000 seeded byte mutations, CRC checks off (so the parsers see them)',
      prepare: () => {
        const bytes = smallCheckpoint();
        return () => rawFailures(mutations(bytes, 2000, 13), (b) => readTorchCheckpoint(b, { file: 'm.pth.tar', verifyCrc: false }));
      },
      expect: { accept: acceptNoRaw },
    },
    {
      name: 'torch: 1000 storage entries over the same 8 MB (overlapping zip entries)',
      prepare: () => {
        const n = 1000;
        const numel = 2 * MiB; // 8 MB of float32 per storage
        const pkl = checkpointPickle(Array.from({ length: n }, (_, i) => ({ top: `t${i}`, name: 'w', numel, size: [numel], stride: [1] })));
        const one = craftZip([{ name: 'archive/data/0', data: new Uint8Array(4 * numel) }]);
        // one real entry, then the central directory repeated for 1000 names pointing at it
        const bytes = overlappingArchive(pkl, one, n);
        return () => readTorchCheckpoint(bytes, { file: 'overlap.pth.tar' });
      },
      expect: { error: CheckpointError, message: /overlap\.pth\.tar: entries "archive\/data\/0" and "archive\/data\/1": expected entries that do not overlap/ },
    },
    {
      name: 'torch: 1000 tensors viewing one 8 MB storage',
      prepare: () => {
        const n = 1000;
        const numel = 2 * MiB;
        const p = new PickleWriter();
        p.proto();
        p.raw(0x7d);
        for (let i = 0; i < n; i++) {
          p.str(`w${i}`);
          tensorCall(p, '0', numel, [numel], [1]);
          p.raw(0x73);
        }
        p.stop();
        const bytes = torchArchive(p.bytes(), [{ data: new Uint8Array(4 * numel) }]);
        return () => readTorchCheckpoint(bytes, { file: 'views.pth.tar' });
      },
      expect: { error: CheckpointError, message: /views\.pth\.tar: tensor "w\d+": expected tensors holding at most 276824064 bytes/ },
    },
    // --- safetensors
    {
      name: 'safetensors: 1000 tensors over the same 8 MB',
      prepare: () => {
        const header: Record<string, unknown> = {};
        for (let i = 0; i < 1000; i++) header[`w${i}`] = { dtype: 'F32', shape: [2 * MiB], data_offsets: [0, 8 * MiB] };
        const bytes = craftSafetensors(JSON.stringify(header), new Uint8Array(8 * MiB));
        return () => readSafetensors(bytes, { file: 'shared.safetensors' });
      },
      expect: { error: CheckpointError, message: /shared\.safetensors: tensors "w\d+" and "w\d+": expected non-overlapping data_offsets/ },
    },
    {
      name: 'safetensors: a 2M-deep nested JSON header',
      prepare: () => {
        const d = 2_000_000;
        const bytes = craftSafetensors(`{"a":${'['.repeat(d)}${']'.repeat(d)}}`);
        return () => readSafetensors(bytes, { file: 'deep.safetensors' });
      },
      expect: { error: CheckpointError, message: /deep\.safetensors: header: expected JSON nested at most 64 levels/ },
    },
    ...['__proto__', 'toString', 'constructor'].map(
      (dtype): HostileCase => ({
        name: `safetensors: dtype "${dtype}"`,
        prepare: () => {
          const bytes = craftSafetensors(JSON.stringify({ w: { dtype, shape: [2], data_offsets: [0, 8] } }), new Uint8Array(8));
          return () => readSafetensors(bytes, { file: 'proto.safetensors' });
        },
        expect: { error: CheckpointError, message: `proto.safetensors: tensor "w" dtype: expected one of F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL, received "${dtype}"` },
      }),
    ),
    {
      name: 'safetensors: shape [2^53 - 1, 2^53 - 1]',
      prepare: () => {
        const bytes = craftSafetensors(JSON.stringify({ w: { dtype: 'F32', shape: [2 ** 53 - 1, 2 ** 53 - 1], data_offsets: [0, 8] } }), new Uint8Array(8));
        return () => readSafetensors(bytes, { file: 'huge.safetensors' });
      },
      expect: { error: CheckpointError, message: /huge\.safetensors: tensor "w" size: expected .* bytes for F32 \[9007199254740991,9007199254740991\], received 8 bytes/ },
    },
    {
      name: 'safetensors: a 9 MB header that is not JSON',
      prepare: () => {
        const bytes = craftSafetensors(`{"w": ${'x'.repeat(9 * MiB)}}`);
        return () => readSafetensors(bytes, { file: 'junk.safetensors' });
      },
      expect: { error: CheckpointError, message: /^junk\.safetensors: header: expected a UTF-8 JSON object, received unparseable text \(.{1,400}\)\.$/ },
    },
    {
      name: 'safetensors: a small file truncated at 97 points',
      prepare: () => {
        const bytes = writeSafetensors({ a: tensorData('float32', [3], new Float32Array([1, 2, 3])), b: tensorData('int64', [2], new BigInt64Array([1n, 2n])) });
        return () => rawFailures(truncations(bytes, 97), (b) => readSafetensors(b, { file: 't.safetensors' }));
      },
      expect: { accept: acceptNoRaw },
    },
    {
      name: 'safetensors: 2000 seeded byte mutations',
      prepare: () => {
        const bytes = writeSafetensors({ a: tensorData('float32', [3], new Float32Array([1, 2, 3])), b: tensorData('int64', [2], new BigInt64Array([1n, 2n])) }, { format: 'pt' });
        return () => rawFailures(mutations(bytes, 2000, 7), (b) => readSafetensors(b, { file: 'm.safetensors' }));
      },
      expect: { accept: acceptNoRaw },
    },
    // --- npy
    ...['__proto__', 'toString', 'constructor'].map(
      (descr): HostileCase => ({
        name: `npy: dtype "${descr}"`,
        prepare: () => {
          const bytes = craftNpy(`{'descr': '${descr}', 'fortran_order': False, 'shape': (2,), }`);
          return () => readNpy(bytes, { file: 'proto.npy' });
        },
        expect: { error: DataError, message: `proto.npy: dtype "${descr}": expected one of <f4 <f8 <f2 <i8 <i4 <i2 |i1 <i1 |u1 <u1 |b1 <b1, received "${descr}"` },
      }),
    ),
    {
      name: "npy: a 1 MB header repeating 'shape': ( (quadratic for a regular expression)",
      prepare: () => {
        const bytes = craftNpy(`{'descr': '<f4', 'fortran_order': False, ${"'shape': (".repeat(100_000)}`);
        return () => readNpy(bytes, { file: 'redos.npy' });
      },
      expect: { error: DataError, message: /redos\.npy: header: expected a dict like/ },
    },
    {
      name: 'npy: a header tuple nested 1M deep',
      prepare: () => {
        const bytes = craftNpy(`{'descr': '<f4', 'fortran_order': False, 'shape': ${'('.repeat(1_000_000)}`);
        return () => readNpy(bytes, { file: 'nested.npy' });
      },
      expect: { error: DataError, message: /nested\.npy: header: .*values nested deeper than 8/ },
    },
    {
      name: 'npy: shape (2^40,) over 16 bytes',
      prepare: () => {
        const bytes = craftNpy(`{'descr': '<f4', 'fortran_order': False, 'shape': (${2 ** 40},), }`);
        return () => readNpy(bytes, { file: 'long.npy' });
      },
      expect: { error: DataError, message: /long\.npy: data for shape \(1099511627776\) <f4: expected 4398046511104 bytes, received 16/ },
    },
    {
      name: 'npy: a small file truncated at 97 points',
      prepare: () => {
        const bytes = writeNpy(tensorData('float32', [2, 3], new Float32Array(6)));
        return () => rawFailures(truncations(bytes, 97), (b) => readNpy(b, { file: 't.npy' }));
      },
      expect: { accept: acceptNoRaw },
    },
    {
      name: 'npy: 2000 seeded byte mutations of the header',
      prepare: () => {
        const bytes = writeNpy(tensorData('int64', [2, 3], new BigInt64Array(6))).subarray(0, 128);
        return () => rawFailures(mutations(bytes, 2000, 3), (b) => readNpy(b, { file: 'm.npy' }));
      },
      expect: { accept: acceptNoRaw },
    },
  ];
  if (process.platform !== 'win32') {
    rows.push(
      {
        name: 'file: a FIFO given as a checkpoint (open would block forever)',
        prepare: () => {
          const pipe = fifo('ckpt.pth.tar');
          return () => readTorchCheckpointFile(pipe);
        },
        expect: { error: CheckpointError, message: /file ".*ckpt\.pth\.tar": expected a regular checkpoint file, received a FIFO \(named pipe\)/ },
        maxMs: 10_000,
      },
      {
        name: 'file: a FIFO given to readFileBytes',
        prepare: () => {
          const pipe = fifo('clip.npy');
          return () => readFileBytes(pipe, { as: 'data' });
        },
        expect: { error: DataError, message: /file ".*clip\.npy": expected a regular file, received a FIFO \(named pipe\)/ },
        maxMs: 10_000,
      },
    );
  }
  return rows;
}

/**
 * A torch archive of `pickle`, the single stored entry of `one` (a craftZip of `archive/data/0`),
 * and a central directory naming it `n` times (`archive/data/0` to `archive/data/<n-1>`): every
 * entry's local offset points at the same bytes.
 */
function overlappingArchive(pickle: Uint8Array, one: Uint8Array, n: number): Uint8Array {
  const view = new DataView(one.buffer, one.byteOffset, one.byteLength);
  const cdOffset = view.getUint32(one.length - 22 + 16, true);
  const cd = one.subarray(cdOffset, one.length - 22);
  const local = one.subarray(0, cdOffset);
  const pklEntry = craftZip([{ name: 'archive/data.pkl', data: pickle }]);
  const pv = new DataView(pklEntry.buffer);
  const pklLocal = pklEntry.subarray(0, pv.getUint32(pklEntry.length - 22 + 16, true));
  const pklCd = pklEntry.subarray(pklLocal.length, pklEntry.length - 22);
  const dirs: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const name = enc.encode(`archive/data/${i}`);
    const e = new Uint8Array(46 + name.length);
    e.set(cd.subarray(0, 46));
    const ev = new DataView(e.buffer);
    ev.setUint16(28, name.length, true);
    ev.setUint32(42, pklLocal.length, true); // after the pickle's entry
    e.set(name, 46);
    dirs.push(e);
  }
  const pcd = pklCd.slice();
  new DataView(pcd.buffer).setUint32(42, 0, true);
  const cdAll = [pcd, ...dirs];
  const cdSize = cdAll.reduce((s, b) => s + b.length, 0);
  const out = new Uint8Array(pklLocal.length + local.length + cdSize + 22);
  out.set(pklLocal, 0);
  out.set(local, pklLocal.length);
  let p = pklLocal.length + local.length;
  for (const b of cdAll) {
    out.set(b, p);
    p += b.length;
  }
  const eocd = new DataView(out.buffer, p, 22);
  eocd.setUint32(0, 0x06054b50, true);
  eocd.setUint16(8, n + 1, true);
  eocd.setUint16(10, n + 1, true);
  eocd.setUint32(12, cdSize, true);
  eocd.setUint32(16, pklLocal.length + local.length, true);
  return out;
}

/** `torch.<name>` as a storage class in a persistent id: must be refused, never looked up on Object.prototype. */
function storageClassPickle(name: string): Uint8Array {
  const p = new PickleWriter();
  p.proto();
  p.global('torch', name);
  p.stop();
  return p.bytes();
}

function expectFloats(data: Float32Array, want: number[]): void {
  if (!(data instanceof Float32Array) || data.length !== want.length || want.some((w, i) => data[i] !== w)) {
    throw new Error(`expected Float32Array [${want}], received ${data?.constructor?.name} [${Array.from(data ?? []).slice(0, 8)}]`);
  }
}
