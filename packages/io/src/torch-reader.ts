import { CheckpointError } from '@vjepa/errors';
import { PyCallable, newDict, unpickle } from './pickle-reader';
import { contiguousStrides, stridedExtent, stridedToContiguous } from './strided';
import { type TensorData, type TypedData, dtypeByteSize, shapeSize, tensorData, typedArrayFromBytes } from './tensor-data';
import { STORAGE_DTYPES, TORCH_DTYPES, TorchStorage, TorchStorageType } from './torch-types';
import { type ByteSource, type ZipArchive, readZip } from './zip-reader';

/**
 * Options for {@link readTorchCheckpoint}.
 *
 * @example
 * readTorchCheckpoint(bytes, { file: 'ckpt.pth.tar', keys: ['target_encoder'] });
 */
export interface ReadTorchOptions {
  /** File name used in error messages. */
  file?: string;
  /** Check each zip entry's CRC-32 (default true). */
  verifyCrc?: boolean;
  /**
   * Top-level keys to keep (e.g. `['target_encoder']`); the others are dropped before any of their
   * storages are read, which saves memory on multi-GB training checkpoints. Default: everything.
   */
  keys?: readonly string[];
}

/**
 * Reads a `torch.save` zip checkpoint (`*.pth.tar`, `*.pt`) without PyTorch and without running
 * anything it names. Tensors become {@link TensorData} (non-contiguous ones copied to C order),
 * dicts and OrderedDicts plain objects, tuples and lists arrays, None null. Only tensor, storage,
 * OrderedDict, set and dtype globals are allowed; anything else is a CheckpointError.
 *
 * @example
 * const ckpt = readTorchCheckpoint(await readFileBytes('checkpoint.pth.tar'), { file: 'checkpoint.pth.tar' }) as Record<string, unknown>;
 * const sd = selectStateDict(ckpt, 'target_encoder');
 */
export function readTorchCheckpoint(bytes: Uint8Array, opts: ReadTorchOptions = {}): unknown {
  const file = opts.file ?? '<checkpoint bytes>';
  if (!(bytes instanceof Uint8Array)) throw new CheckpointError(file, { expected: 'a Uint8Array', received: typeof bytes });
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] <= 5) {
    throw new CheckpointError(`${file}: format`, {
      expected: 'a torch.save zip archive (PyTorch >= 1.6)',
      received: 'the legacy non-zip torch.save format (a bare pickle)',
      hint: 'Re-save it with a recent PyTorch: torch.save(torch.load(path, weights_only=True), new_path).',
    });
  }
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) {
    throw new CheckpointError(`${file}: format`, {
      expected: 'a torch.save zip archive starting with "PK"',
      received: `${bytes.length} bytes starting ${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ')}`,
      hint: 'Is this a .safetensors or .npy file? Use readSafetensors/readNpy for those.',
    });
  }
  return readTorchFromSource(bytes, opts);
}

/**
 * {@link readTorchCheckpoint} over a {@link ByteSource} (used to read large files entry by entry).
 *
 * @example
 * const ckpt = readTorchFromSource({ size, read: (o, n) => readRange(o, n) }, { file, keys: ['target_encoder'] });
 */
export function readTorchFromSource(input: Uint8Array | ByteSource, opts: ReadTorchOptions = {}): unknown {
  const file = opts.file ?? '<checkpoint bytes>';
  const zip = readZip(input, { file, verifyCrc: opts.verifyCrc });
  const pkl = [...zip.entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pkl.length !== 1) {
    throw new CheckpointError(`${file}: data.pkl`, {
      expected: 'exactly one "<folder>/data.pkl" entry',
      received: `${pkl.length} (entries: ${[...zip.entries.keys()].slice(0, 10).join(', ')})`,
    });
  }
  const prefix = pkl[0].slice(0, -'data.pkl'.length);
  const byteorder = zip.entries.has(`${prefix}byteorder`) ? new TextDecoder().decode(zip.read(`${prefix}byteorder`)).trim() : 'little';
  if (byteorder !== 'little') {
    throw new CheckpointError(`${file}: ${prefix}byteorder`, { expected: 'little', received: byteorder, hint: 'Re-save the checkpoint on a little-endian machine.' });
  }
  const where = `${file}: ${pkl[0]}`;
  const storages = new Map<string, TorchStorage>();
  const typedCache = new Map<TorchStorage, TypedData>();
  const result = unpickle(zip.read(pkl[0]), {
    where,
    resolveGlobal: (module, name) => resolveGlobal(module, name, where),
    persistentLoad: (pid) => loadStorage(pid, zip, prefix, where, storages),
  });
  return plain(selectKeys(result, opts.keys, file), new Set(), typedCache);
}

function selectKeys(result: unknown, keys: readonly string[] | undefined, file: string): unknown {
  if (keys === undefined) return result;
  if (typeof result !== 'object' || result === null || Array.isArray(result)) {
    throw new CheckpointError(`${file}: keys ${JSON.stringify(keys)}`, { expected: 'a checkpoint that is a dict', received: Array.isArray(result) ? 'a list' : String(result) });
  }
  const all = result as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    if (!Object.prototype.hasOwnProperty.call(all, k)) {
      throw new CheckpointError(`${file}: key "${k}"`, { expected: `one of the available keys: ${Object.keys(all).join(', ')}`, received: 'no such key' });
    }
    Object.defineProperty(out, k, { value: all[k], enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function resolveGlobal(module: string, name: string, where: string): unknown {
  const q = `${module}.${name}`;
  if (module === 'collections' && name === 'OrderedDict') {
    return new PyCallable(q, (args) => {
      const d = newDict(true);
      if (Array.isArray(args[0])) for (const kv of args[0]) if (Array.isArray(kv) && kv.length === 2) Object.defineProperty(d, String(kv[0]), { value: kv[1], enumerable: true, writable: true, configurable: true });
      return d;
    }, { acceptsState: true });
  }
  if ((module === 'builtins' || module === '__builtin__') && (name === 'set' || name === 'frozenset')) {
    return new PyCallable(q, (args) => (Array.isArray(args[0]) ? [...args[0]] : []));
  }
  if (module === '_codecs' && name === 'encode') {
    // protocol 2 pickles Python 3 bytes as _codecs.encode(text, 'latin1')
    return new PyCallable(q, (args) => {
      if (typeof args[0] !== 'string' || (args[1] !== 'latin1' && args[1] !== 'latin-1')) {
        throw new CheckpointError(`${where}: _codecs.encode`, { expected: "(str, 'latin1')", received: JSON.stringify(args).slice(0, 80) });
      }
      return Uint8Array.from(args[0], (c) => c.charCodeAt(0) & 0xff);
    });
  }
  if (module === 'torch._utils' && (name === '_rebuild_tensor_v2' || name === '_rebuild_tensor')) {
    return new PyCallable(q, (args) => rebuildTensor(args, where));
  }
  if (module === 'torch._utils' && (name === '_rebuild_parameter' || name === '_rebuild_parameter_with_state')) {
    return new PyCallable(q, (args) => args[0]);
  }
  if (module === 'torch' && name === 'Size') return new PyCallable(q, (args) => (Array.isArray(args[0]) ? [...args[0]] : []));
  if (module === 'torch' && STORAGE_DTYPES[name] !== undefined) return new TorchStorageType(q, STORAGE_DTYPES[name]);
  if ((module === 'torch' || module === 'torch.storage') && name === 'UntypedStorage') return new TorchStorageType(q, 'uint8', true);
  if (module === 'torch' && TORCH_DTYPES[name] !== undefined) return new TorchStorageType(q, TORCH_DTYPES[name]);
  return undefined;
}

function loadStorage(pid: unknown, zip: ZipArchive, prefix: string, where: string, storages: Map<string, TorchStorage>): TorchStorage {
  if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5 || !(pid[1] instanceof TorchStorageType) || typeof pid[2] !== 'string') {
    throw new CheckpointError(`${where}: persistent id`, {
      expected: "('storage', <storage type>, key, location, numel)",
      received: JSON.stringify(pid, (_, v) => (v instanceof TorchStorageType ? v.name : typeof v === 'bigint' ? v.toString() : v)).slice(0, 120),
    });
  }
  const [, type, key, , numel] = pid as [string, TorchStorageType, string, unknown, unknown];
  const cached = storages.get(key);
  if (cached) return cached;
  const entry = `${prefix}data/${key}`;
  const info = zip.entries.get(entry);
  if (info === undefined) zip.read(entry); // throws, listing the entries
  const expected = typeof numel === 'number' ? numel * (type.untyped ? 1 : dtypeByteSize(type.dtype)) : -1;
  if (info?.size !== expected) {
    throw new CheckpointError(`${where}: storage "${key}" (${entry})`, {
      expected: `${expected} bytes (${String(numel)} ${type.untyped ? 'bytes' : type.dtype})`,
      received: `${info?.size} bytes`,
    });
  }
  const s = new TorchStorage(key, type.dtype, expected / dtypeByteSize(type.dtype), () => zip.read(entry));
  storages.set(key, s);
  return s;
}

function intList(x: unknown): x is number[] {
  return Array.isArray(x) && x.every((d) => Number.isSafeInteger(d));
}

/** A tensor whose storage has not been read yet (materialised only if kept). */
class PendingTensor {
  constructor(
    readonly storage: TorchStorage,
    readonly offset: number,
    readonly size: number[],
    readonly stride: number[],
  ) {}
}

function rebuildTensor(args: unknown[], where: string): PendingTensor {
  const [storage, offset, size, stride] = args;
  const what = `${where}: _rebuild_tensor_v2`;
  if (!(storage instanceof TorchStorage)) throw new CheckpointError(what, { expected: 'a storage as first argument', received: typeof storage });
  if (!Number.isSafeInteger(offset) || (offset as number) < 0 || !intList(size) || !intList(stride) || size.length !== stride.length || size.some((d) => d < 0)) {
    throw new CheckpointError(`${what} (storage "${storage.key}")`, {
      expected: '(storage, offset >= 0, size, stride) with equal-length integer size and stride',
      received: `offset ${String(offset)}, size ${JSON.stringify(size)}, stride ${JSON.stringify(stride)}`,
    });
  }
  const extent = stridedExtent(size, stride, offset as number);
  if (extent !== null && (extent.min < 0 || extent.max >= storage.numel)) {
    throw new CheckpointError(`${what}: tensor of size [${size.join(', ')}] in storage "${storage.key}"`, {
      expected: `elements within the storage's ${storage.numel} ${storage.dtype} elements`,
      received: `offset ${offset}, stride [${stride.join(', ')}] reaching element ${extent.max}`,
      hint: 'The tensor overruns its storage: the checkpoint is corrupt.',
    });
  }
  return new PendingTensor(storage, offset as number, size, stride);
}

function materialise(t: PendingTensor, cache: Map<TorchStorage, TypedData>): TensorData {
  const { storage, offset, size, stride } = t;
  const es = dtypeByteSize(storage.dtype);
  const n = shapeSize(size);
  if (n === 0) return tensorData(storage.dtype, size, typedArrayFromBytes(storage.dtype, new Uint8Array(0)));
  const contiguous = contiguousStrides(size);
  if (size.every((d, i) => d === 1 || stride[i] === contiguous[i])) {
    const bytes = storage.bytes();
    return tensorData(storage.dtype, size, typedArrayFromBytes(storage.dtype, bytes.subarray(offset * es, (offset + n) * es)));
  }
  let typed = cache.get(storage);
  if (!typed) {
    typed = typedArrayFromBytes(storage.dtype, storage.bytes());
    cache.set(storage, typed);
  }
  return tensorData(storage.dtype, size, stridedToContiguous(typed, size, stride, offset));
}

/** Replaces stray storages with 1-D tensors and stray callables/dtypes with their names. */
function plain(x: unknown, seen: Set<object>, cache: Map<TorchStorage, TypedData>): unknown {
  if (x instanceof PendingTensor) return materialise(x, cache);
  if (x instanceof TorchStorage) return tensorData(x.dtype, [x.numel], typedArrayFromBytes(x.dtype, x.bytes()));
  if (x instanceof TorchStorageType) return x.untyped ? x.name : x.dtype;
  if (x instanceof PyCallable) return x.qualname;
  if (typeof x !== 'object' || x === null || ArrayBuffer.isView(x) || seen.has(x)) return x;
  seen.add(x);
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) x[i] = plain(x[i], seen, cache);
  } else {
    const o = x as Record<string, unknown>;
    for (const k of Object.keys(o)) o[k] = plain(o[k], seen, cache);
  }
  return x;
}
