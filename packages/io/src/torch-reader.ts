import { CheckpointError, previewValue, truncateText } from '@vjepa/errors';
import { newDict, unpickle } from './pickle-reader';
import { DEFAULT_MAX_EXPANDED_BYTES, checkLimit } from './read-limits';
import { PendingTensor, loadTorchStorage, resolveTorchGlobal } from './torch-globals';
import { TorchMaterialiser } from './torch-materialise';
import { TorchStorage, TorchStorageType } from './torch-types';
import { type ByteSource, readZip } from './zip-reader';

/**
 * Options for {@link readTorchCheckpoint}, {@link openTorchCheckpoint} and the file variants.
 * The three limits bound what a small hostile file can make the reader allocate; their defaults
 * never affect a genuine checkpoint.
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
   * storages are read (or inflated), which saves memory on multi-GB training checkpoints and never
   * touches a corrupt or hostile `opt`. Default: everything.
   */
  keys?: readonly string[];
  /**
   * Most bytes deflated zip entries may inflate to, in all (default 256 MiB plus 32 times their
   * compressed size). No entry is ever inflated past its declared size.
   */
  maxInflatedBytes?: number;
  /**
   * Most bytes of tensor data beyond the storages the tensors view (default 256 MiB): a stride-0
   * or overlapping view is written out densely, so a one-element storage could otherwise become
   * gigabytes. Checked before allocating.
   */
  maxExpandedBytes?: number;
  /** Deepest nesting of lists, tuples and dicts accepted (default 100); cyclic values are refused. */
  maxDepth?: number;
  /** Most lists, tuples, dicts, marks and calls the pickle may create (default 1,000,000; about ten per tensor is usual). */
  maxObjects?: number;
}

/**
 * What a top-level value of a checkpoint is, known without reading any storage.
 *
 * @example
 * const kind: CheckpointValueKind = ckpt.kindOf('target_encoder')!; // 'dict'
 */
export type CheckpointValueKind = 'dict' | 'list' | 'tensor' | 'none' | 'bool' | 'number' | 'string' | 'bytes';

/**
 * A parsed checkpoint whose tensors are read on access: the pickle (structure, names, shapes) has
 * been read and checked, storages have not. `get('target_encoder')` reads only that state dict's
 * storages, so a multi-GB (or hostile) optimizer state under `opt` is never inflated or copied.
 *
 * @example
 * const ckpt = openTorchCheckpoint(bytes, { file: 'ck.pth.tar' });
 * const key = ckpt.kindOf('target_encoder') === 'none' && ckpt.keys.includes('encoder') ? 'encoder' : 'target_encoder';
 * const sd = selectStateDict({ [key]: ckpt.get(key) }, key, { file: 'ck.pth.tar' });
 */
export interface TorchCheckpoint {
  /** The file name used in messages. */
  readonly file: string;
  /** Top-level keys in file order (empty when the checkpoint is not a dict). */
  readonly keys: readonly string[];
  /** The kind of a top-level value, or undefined when there is no such key. Reads nothing. */
  kindOf(key: string): CheckpointValueKind | undefined;
  /** One top-level value as plain data, reading only its storages; a missing key throws, listing the keys. */
  get(key: string): unknown;
  /** The whole checkpoint as plain data (what {@link readTorchCheckpoint} returns). */
  all(): unknown;
}

/**
 * Reads a `torch.save` zip checkpoint (`*.pth.tar`, `*.pt`) without PyTorch and without running
 * anything it names. Tensors become {@link TensorData} (non-contiguous ones copied to C order),
 * dicts and OrderedDicts plain objects, tuples and lists arrays, None null. Only tensor, storage,
 * OrderedDict, set and dtype globals are allowed; anything else is a CheckpointError, as is any
 * input past the limits of {@link ReadTorchOptions}.
 *
 * @example
 * const ckpt = readTorchCheckpoint(await readFileBytes('checkpoint.pth.tar'), { file: 'checkpoint.pth.tar' }) as Record<string, unknown>;
 * const sd = selectStateDict(ckpt, 'target_encoder');
 */
export function readTorchCheckpoint(bytes: Uint8Array, opts: ReadTorchOptions = {}): unknown {
  checkTorchFormat(bytes, opts.file ?? '<checkpoint bytes>');
  return readTorchFromSource(bytes, opts);
}

/**
 * {@link readTorchCheckpoint} over a {@link ByteSource} (used to read large files entry by entry).
 *
 * @example
 * const ckpt = readTorchFromSource({ size, read: (o, n) => readRange(o, n) }, { file, keys: ['target_encoder'] });
 */
export function readTorchFromSource(input: Uint8Array | ByteSource, opts: ReadTorchOptions = {}): unknown {
  const ckpt = openTorchFromSource(input, opts);
  if (opts.keys === undefined) return ckpt.all();
  const out: Record<string, unknown> = {};
  for (const k of opts.keys) Object.defineProperty(out, k, { value: ckpt.get(k), enumerable: true, writable: true, configurable: true });
  return out;
}

/**
 * Parses a `torch.save` checkpoint's structure and returns a {@link TorchCheckpoint} whose values
 * are read on access. The bytes (or source) must stay valid while it is used.
 *
 * @example
 * const ckpt = openTorchCheckpoint(await readFileBytes('ck.pth.tar'), { file: 'ck.pth.tar' });
 * ckpt.keys;                      // ['encoder', 'predictor', 'target_encoder', 'opt', ...]
 * const target = ckpt.get('target_encoder');
 */
export function openTorchCheckpoint(input: Uint8Array | ByteSource, opts: Omit<ReadTorchOptions, 'keys'> = {}): TorchCheckpoint {
  if (input instanceof Uint8Array) checkTorchFormat(input, opts.file ?? '<checkpoint bytes>');
  return openTorchFromSource(input, opts);
}

function openTorchFromSource(input: Uint8Array | ByteSource, opts: ReadTorchOptions): TorchCheckpoint {
  const file = opts.file ?? '<checkpoint bytes>';
  const maxExpanded = checkLimit('maxExpandedBytes', opts.maxExpandedBytes, DEFAULT_MAX_EXPANDED_BYTES);
  const zip = readZip(input, { file, verifyCrc: opts.verifyCrc, maxInflatedBytes: opts.maxInflatedBytes });
  const pkl = [...zip.entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pkl.length !== 1) {
    throw new CheckpointError(`${file}: data.pkl`, {
      expected: 'exactly one "<folder>/data.pkl" entry',
      received: `${pkl.length} (entries: ${previewValue([...zip.entries.keys()].slice(0, 10))})`,
    });
  }
  const prefix = pkl[0].slice(0, -'data.pkl'.length);
  const byteorder = zip.entries.has(`${prefix}byteorder`) ? new TextDecoder().decode(zip.read(`${prefix}byteorder`)).trim() : 'little';
  if (byteorder !== 'little') {
    throw new CheckpointError(`${file}: ${prefix}byteorder`, { expected: 'little', received: previewValue(byteorder, { maxLength: 40 }), hint: 'Re-save the checkpoint on a little-endian machine.' });
  }
  const where = `${file}: ${pkl[0]}`;
  const storages = new Map<string, TorchStorage>();
  const root = unpickle(zip.read(pkl[0]), {
    where,
    maxDepth: opts.maxDepth,
    maxObjects: opts.maxObjects,
    resolveGlobal: (module, name) => resolveTorchGlobal(module, name, where),
    persistentLoad: (pid) => loadTorchStorage(pid, zip, prefix, where, storages),
  });
  const m = new TorchMaterialiser(file, maxExpanded);
  const dict = isDict(root) ? (root as Record<string, unknown>) : undefined;
  const keys = dict ? Object.keys(dict) : [];
  let whole: unknown;
  let wholeDone = false;
  return {
    file,
    keys,
    kindOf(key: string): CheckpointValueKind | undefined {
      if (!dict || !Object.prototype.hasOwnProperty.call(dict, key)) return undefined;
      return kindOf(dict[key], m);
    },
    get(key: string): unknown {
      if (!dict) {
        throw new CheckpointError(`${file}: key ${previewValue(key, { maxLength: 80 })}`, { expected: 'a checkpoint that is a dict', received: describeRoot(root) });
      }
      if (!Object.prototype.hasOwnProperty.call(dict, key)) {
        throw new CheckpointError(`${file}: key ${previewValue(key, { maxLength: 80 })}`, {
          expected: `one of the available keys: ${keys.slice(0, 40).map((k) => truncateText(k, 60)).join(', ')}${keys.length > 40 ? ', ...' : ''}`,
          received: 'no such key',
        });
      }
      const v = m.plain(dict[key], key);
      dict[key] = v;
      return v;
    },
    all(): unknown {
      if (!wholeDone) {
        whole = m.plain(root, '');
        wholeDone = true;
      }
      return whole;
    },
  };
}

/** A dict as the unpickler builds it: a plain object that is not one of the reader's own classes. */
function isDict(x: unknown): boolean {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x) && !(x instanceof PendingTensor) && !(x instanceof TorchStorage) && !(x instanceof TorchStorageType);
}

function kindOf(v: unknown, m: TorchMaterialiser): CheckpointValueKind {
  if (v === null || v === undefined) return 'none';
  if (v instanceof PendingTensor || v instanceof TorchStorage || m.isMade(v)) return 'tensor';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Uint8Array) return 'bytes';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number' || typeof v === 'bigint') return 'number';
  if (typeof v === 'object' && isDict(v)) return 'dict';
  return 'string'; // strings, dtypes and callables (plain data holds their names)
}

function describeRoot(x: unknown): string {
  if (Array.isArray(x)) return 'a list';
  if (x instanceof PendingTensor) return 'a tensor';
  return previewValue(x, { maxLength: 80 });
}

/** Refuses the legacy (bare pickle) format and non-zip bytes with a hint, before parsing. */
function checkTorchFormat(bytes: Uint8Array, file: string): void {
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
}
