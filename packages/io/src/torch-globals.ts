import { CheckpointError, previewValue, truncateText } from '@vjepa/errors';
import { ownValue } from './own-lookup';
import { PyCallable, newDict } from './pickle-reader';
import { stridedExtent } from './strided';
import { dtypeByteSize } from './tensor-data';
import { STORAGE_DTYPES, TORCH_DTYPES, TorchStorage, TorchStorageType } from './torch-types';
import type { ZipArchive } from './zip-reader';

/**
 * A tensor named by the pickle whose storage has not been read yet: it is materialised only when
 * the caller asks for a value that holds it.
 *
 * @example
 * new PendingTensor(storage, 0, [2, 3], [3, 1]);
 */
export class PendingTensor {
  constructor(
    readonly storage: TorchStorage,
    readonly offset: number,
    readonly size: readonly number[],
    readonly stride: readonly number[],
  ) {}
}

/** A short printable form of an untrusted value for messages. */
const show = (x: unknown, maxLength = 120): string => previewValue(x, { maxLength });

/**
 * A shape or stride for messages, at most 16 entries: `[2, 3]`.
 *
 * @example
 * formatDims([32768, 32768]); // "[32768, 32768]"
 */
export function formatDims(d: readonly number[]): string {
  return `[${d.slice(0, 16).join(', ')}${d.length > 16 ? `, … (${d.length} in all)` : ''}]`;
}

/**
 * What a `torch.save` pickle may reference: OrderedDict, set/frozenset, `_codecs.encode`, the
 * tensor and parameter rebuild functions, `torch.Size`, storage classes and dtypes. Everything else
 * is undefined, which the unpickler turns into a "global is not allowed" error.
 *
 * @example
 * resolveTorchGlobal('torch._utils', '_rebuild_tensor_v2', 'ck.pth: archive/data.pkl');
 */
export function resolveTorchGlobal(module: string, name: string, where: string): unknown {
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
        throw new CheckpointError(`${where}: _codecs.encode`, { expected: "(str, 'latin1')", received: show(args, 80) });
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
  const storageDtype = module === 'torch' ? ownValue(STORAGE_DTYPES, name) : undefined;
  if (storageDtype !== undefined) return new TorchStorageType(q, storageDtype);
  if ((module === 'torch' || module === 'torch.storage') && name === 'UntypedStorage') return new TorchStorageType(q, 'uint8', true);
  const dtype = module === 'torch' ? ownValue(TORCH_DTYPES, name) : undefined;
  if (dtype !== undefined) return new TorchStorageType(q, dtype);
  return undefined;
}

/**
 * Resolves torch's persistent id `('storage', type, key, location, numel)` to a {@link TorchStorage}
 * over the entry `<prefix>data/<key>`, checking that the entry holds exactly `numel` elements.
 * Nothing is read until a tensor over it is materialised.
 *
 * @example
 * loadTorchStorage(pid, zip, 'archive/', where, new Map());
 */
export function loadTorchStorage(pid: unknown, zip: ZipArchive, prefix: string, where: string, storages: Map<string, TorchStorage>): TorchStorage {
  if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5 || !(pid[1] instanceof TorchStorageType) || typeof pid[2] !== 'string') {
    throw new CheckpointError(`${where}: persistent id`, {
      expected: "('storage', <storage type>, key, location, numel)",
      received: show(Array.isArray(pid) ? pid.map((v) => (v instanceof TorchStorageType ? v.name : v)) : pid),
    });
  }
  const [, type, key, , numel] = pid as [string, TorchStorageType, string, unknown, unknown];
  const cached = storages.get(key);
  if (cached) return cached;
  const entry = `${prefix}data/${key}`;
  const info = zip.entries.get(entry);
  if (info === undefined) zip.read(entry); // throws, listing the entries
  const elementBytes = type.untyped ? 1 : dtypeByteSize(type.dtype);
  const expected = typeof numel === 'number' && Number.isSafeInteger(numel) && numel >= 0 ? numel * elementBytes : -1;
  if (info?.size !== expected) {
    throw new CheckpointError(`${where}: storage ${show(key, 80)} (${truncateText(entry, 100)})`, {
      expected: expected < 0 ? `a non-negative element count, and an entry of that many ${type.dtype}` : `${expected} bytes (${numel} ${type.untyped ? 'bytes' : type.dtype})`,
      received: expected < 0 ? `numel ${show(numel, 60)}` : `${info?.size} bytes`,
    });
  }
  const s = new TorchStorage(key, type.dtype, expected / dtypeByteSize(type.dtype), () => zip.read(entry));
  storages.set(key, s);
  return s;
}

function isIndexList(x: unknown): x is number[] {
  return Array.isArray(x) && x.every((d) => Number.isSafeInteger(d) && d >= 0);
}

/**
 * `_rebuild_tensor_v2(storage, offset, size, stride, ...)`: checks the arguments (non-negative
 * safe integers, equal ranks, every element inside the storage) and returns a {@link PendingTensor}.
 * Sizes are not multiplied out here: a `[2^40]` view of one element is legal until it is read.
 *
 * @example
 * rebuildTensor([storage, 0, [2, 3], [3, 1]], where);
 */
export function rebuildTensor(args: unknown[], where: string): PendingTensor {
  const [storage, offset, size, stride] = args;
  const what = `${where}: _rebuild_tensor_v2`;
  if (!(storage instanceof TorchStorage)) throw new CheckpointError(what, { expected: 'a storage as first argument', received: typeof storage });
  const key = show(storage.key, 80);
  if (!Number.isSafeInteger(offset) || (offset as number) < 0 || !isIndexList(size) || !isIndexList(stride) || size.length !== stride.length) {
    throw new CheckpointError(`${what} (storage ${key})`, {
      expected: '(storage, offset, size, stride): non-negative integers below 2^53, size and stride of equal length',
      received: `offset ${show(offset, 60)}, size ${show(size)}, stride ${show(stride)}`,
      hint: 'The checkpoint is corrupt (PyTorch never writes negative or 64-bit-overflowing strides).',
    });
  }
  const extent = stridedExtent(size, stride, offset as number);
  if (extent !== null && (extent.min < 0 || extent.max >= storage.numel)) {
    throw new CheckpointError(`${what}: tensor of size ${formatDims(size)} in storage ${key}`, {
      expected: `elements within the storage's ${storage.numel} ${storage.dtype} elements`,
      received: `offset ${offset}, stride ${formatDims(stride)} reaching element ${extent.max}`,
      hint: 'The tensor overruns its storage: the checkpoint is corrupt.',
    });
  }
  return new PendingTensor(storage, offset as number, size, stride);
}
