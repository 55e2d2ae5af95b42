import { CheckpointError } from '@vjepa/errors';
import { PickleWriter } from './pickle-writer';
import { isPythonTuple } from './python-tuple';
import { contiguousStrides } from './strided';
import { type DType, type TensorData, isTensorData, tensorBytes } from './tensor-data';
import { writeZip } from './zip-writer';

const STORAGE_OF: Record<DType, string> = {
  float32: 'FloatStorage',
  float64: 'DoubleStorage',
  float16: 'HalfStorage',
  bfloat16: 'BFloat16Storage',
  int64: 'LongStorage',
  int32: 'IntStorage',
  int16: 'ShortStorage',
  int8: 'CharStorage',
  uint8: 'ByteStorage',
  bool: 'BoolStorage',
};

/**
 * Options for {@link writeTorchCheckpoint}.
 *
 * @example
 * writeTorchCheckpoint({ classifier: sd }, { folder: 'probe' });
 */
export interface WriteTorchOptions {
  /** The archive's top folder (default `archive`, as torch.save writes). */
  folder?: string;
}

/**
 * Serialises dicts (of dicts) of {@link TensorData} and plain values (numbers, strings, booleans,
 * null, arrays, bigint) to the `torch.save` zip format, loadable by `torch.load(weights_only=True)`.
 * Plain objects whose values are all tensors are written as `collections.OrderedDict` (as state
 * dicts are); a `Map` is always a plain `dict` and may have int keys (an optimizer's `state`
 * `{0: {...}}`); arrays are lists and {@link pythonTuple} values tuples. Each tensor gets its own
 * storage `data/<n>`, shared only when the same object repeats. Integral JS numbers are written as
 * Python ints, others as floats.
 *
 * @example
 * const bytes = writeTorchCheckpoint({ target_encoder: sd, epoch: 10 });
 * await writeFileAtomic('checkpoint.pth.tar', bytes);
 * writeTorchCheckpoint({ opt: { state: new Map([[0, new Map([['step', step]])]]), param_groups: [{ betas: pythonTuple(0.9, 0.999) }] } });
 */
export function writeTorchCheckpoint(obj: unknown, opts: WriteTorchOptions = {}): Uint8Array {
  const folder = opts.folder ?? 'archive';
  if (!/^[A-Za-z0-9_.-]+$/.test(folder)) {
    throw new CheckpointError('writeTorchCheckpoint folder', { expected: 'a simple folder name', received: JSON.stringify(folder) });
  }
  const p = new PickleWriter();
  const storages: Uint8Array[] = [];
  const keyOf = new Map<TensorData, number>();
  const active = new Set<object>();

  const write = (v: unknown, path: string): void => {
    if (v === null || v === undefined) return p.none();
    if (typeof v === 'boolean') return p.bool(v);
    if (typeof v === 'bigint') return p.int(v);
    if (typeof v === 'number') return Number.isSafeInteger(v) && !Object.is(v, -0) ? p.int(v) : p.float(v);
    if (typeof v === 'string') return p.str(v);
    if (isTensorData(v)) return writeTensor(v);
    if (typeof v !== 'object') {
      throw new CheckpointError(`writeTorchCheckpoint value at "${path}"`, { expected: 'a tensor, dict, array, string, number, boolean or null', received: typeof v });
    }
    if (ArrayBuffer.isView(v)) {
      throw new CheckpointError(`writeTorchCheckpoint value at "${path}"`, { expected: 'a TensorData (wrap typed arrays with tensorData())', received: v.constructor.name });
    }
    if (active.has(v)) throw new CheckpointError(`writeTorchCheckpoint value at "${path}"`, { expected: 'no cycles', received: 'a cycle' });
    active.add(v);
    if (isPythonTuple(v)) {
      const n = v.items.length;
      if (n === 0 || n > 3) p.mark();
      v.items.forEach((x, i) => write(x, `${path}[${i}]`));
      p.raw(n === 0 || n > 3 ? 0x74 : n === 1 ? 0x85 : n === 2 ? 0x86 : 0x87); // TUPLE, TUPLE1-3
    } else if (v instanceof Map) {
      p.raw(0x7d); // EMPTY_DICT
      if (v.size > 0) {
        p.mark();
        for (const [k, x] of v) {
          if (typeof k === 'string') p.str(k);
          else if (typeof k === 'number' && Number.isSafeInteger(k)) p.int(k);
          else throw new CheckpointError(`writeTorchCheckpoint key at "${path}"`, { expected: 'a string or an integer key', received: `${typeof k} ${String(k)}` });
          write(x, `${path}[${String(k)}]`);
        }
        p.raw(0x75); // SETITEMS
      }
    } else if (Array.isArray(v)) {
      p.raw(0x5d); // EMPTY_LIST
      if (v.length > 0) {
        p.mark();
        v.forEach((x, i) => write(x, `${path}[${i}]`));
        p.raw(0x65); // APPENDS
      }
    } else {
      const entries = Object.entries(v as Record<string, unknown>);
      const ordered = entries.length > 0 && entries.every(([, x]) => isTensorData(x));
      if (ordered) {
        p.global('collections', 'OrderedDict');
        p.raw(0x29, 0x52); // EMPTY_TUPLE REDUCE
      } else p.raw(0x7d); // EMPTY_DICT
      if (entries.length > 0) {
        p.mark();
        for (const [k, x] of entries) {
          p.str(k);
          write(x, path === '' ? k : `${path}.${k}`);
        }
        p.raw(0x75); // SETITEMS
      }
    }
    active.delete(v);
  };

  const writeTensor = (t: TensorData): void => {
    let key = keyOf.get(t);
    if (key === undefined) {
      key = storages.length;
      keyOf.set(t, key);
      storages.push(tensorBytes(t));
    }
    p.global('torch._utils', '_rebuild_tensor_v2');
    p.mark();
    // persistent id ('storage', torch.<X>Storage, key, 'cpu', numel)
    p.mark();
    p.str('storage');
    p.global('torch', STORAGE_OF[t.dtype]);
    p.str(String(key));
    p.str('cpu');
    p.int(t.data.length);
    p.raw(0x74, 0x51); // TUPLE BINPERSID
    p.int(0); // storage offset
    p.intTuple(t.shape);
    p.intTuple(contiguousStrides(t.shape));
    p.bool(false); // requires_grad
    p.global('collections', 'OrderedDict');
    p.raw(0x29, 0x52); // backward_hooks = OrderedDict()
    p.raw(0x74, 0x52); // TUPLE REDUCE
  };

  p.proto();
  write(obj, '');
  p.stop();
  const enc = new TextEncoder();
  const files = [
    { name: `${folder}/data.pkl`, data: p.bytes() },
    { name: `${folder}/byteorder`, data: enc.encode('little') },
    ...storages.map((data, i) => ({ name: `${folder}/data/${i}`, data })),
    { name: `${folder}/version`, data: enc.encode('3\n') },
  ];
  return writeZip(files, { align: 64 });
}
