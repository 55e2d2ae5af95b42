import { CheckpointError, previewValue } from '@vjepa/errors';
import { PyCallable } from './pickle-reader';
import { formatBytes } from './read-limits';
import { contiguousStrides, stridedToContiguous } from './strided';
import { type TensorData, type TypedData, allocTyped, dtypeByteSize, shapeSize, tensorData, typedArrayFromBytes } from './tensor-data';
import { PendingTensor, formatDims } from './torch-globals';
import { TorchStorage, TorchStorageType } from './torch-types';

/**
 * Turns the unpickled tree of a torch checkpoint into plain values, reading storages only for the
 * tensors it reaches, and refusing, before allocating, tensor data beyond a budget: all tensors
 * made may hold at most the bytes of the storages they view plus `maxExpandedBytes`. Ordinary
 * checkpoints (one storage per tensor, no repeated elements) never come near it; a stride-0 view
 * that expands one element to `[32768, 32768]` does.
 *
 * @example
 * const m = new TorchMaterialiser('ck.pth.tar', DEFAULT_MAX_EXPANDED_BYTES);
 * const value = m.plain(root, 'target_encoder');
 */
export class TorchMaterialiser {
  /** Tensors already made, by the pending tensor they came from (memo references share one). */
  private readonly done = new Map<PendingTensor | TorchStorage, TensorData>();
  private readonly made = new WeakSet<object>();
  private readonly counted = new Set<TorchStorage>();
  private storageBytes = 0;
  private produced = 0;

  constructor(
    private readonly file: string,
    private readonly maxExpandedBytes: number,
  ) {}

  /** True for a TensorData this materialiser made. */
  isMade(x: unknown): boolean {
    return typeof x === 'object' && x !== null && this.made.has(x);
  }

  /**
   * Replaces, in place, every pending tensor, storage, storage type and callable under `root`
   * (iteratively: no call-stack depth) and returns the plain value. `path` names `root` in errors.
   */
  plain(root: unknown, path: string): unknown {
    const typedCache = new Map<TorchStorage, TypedData>();
    const out = this.leaf(root, path, typedCache);
    const stack: { node: unknown; path: string }[] = [{ node: out, path }];
    const seen = new Set<object>();
    while (stack.length > 0) {
      const { node, path: at } = stack.pop()!;
      if (typeof node !== 'object' || node === null || ArrayBuffer.isView(node) || this.made.has(node) || seen.has(node)) continue;
      seen.add(node);
      if (Array.isArray(node)) {
        for (let i = 0; i < node.length; i++) {
          const v = node[i];
          if (typeof v !== 'object' || v === null) continue;
          const p = `${at}[${i}]`;
          node[i] = this.leaf(v, p, typedCache);
          stack.push({ node: node[i], path: p });
        }
      } else {
        const o = node as Record<string, unknown>;
        for (const k of Object.keys(o)) {
          const v = o[k];
          if (typeof v !== 'object' || v === null) continue;
          const p = at === '' ? k : `${at}.${k}`;
          o[k] = this.leaf(v, p, typedCache);
          stack.push({ node: o[k], path: p });
        }
      }
    }
    return out;
  }

  private leaf(x: unknown, path: string, typedCache: Map<TorchStorage, TypedData>): unknown {
    if (x instanceof PendingTensor) return this.tensor(x, path, typedCache);
    if (x instanceof TorchStorage) return this.storageTensor(x, path);
    if (x instanceof TorchStorageType) return x.untyped ? x.name : x.dtype;
    if (x instanceof PyCallable) return x.qualname;
    return x;
  }

  private where(path: string): string {
    return `${this.file}: tensor ${previewValue(path, { maxLength: 160 })}`;
  }

  /** Counts `bytes` of new tensor data against the budget, or throws before anything is allocated. */
  private reserve(storage: TorchStorage, bytes: number, path: string, layout: string): void {
    const storageBytes = this.storageBytes + (this.counted.has(storage) ? 0 : storage.numel * dtypeByteSize(storage.dtype));
    const allowed = storageBytes + this.maxExpandedBytes;
    if (this.produced + bytes > allowed) {
      throw new CheckpointError(this.where(path), {
        expected: `tensors holding at most ${formatBytes(allowed)} in all: the ${formatBytes(storageBytes)} of the storages they view plus ${formatBytes(this.maxExpandedBytes)} (maxExpandedBytes)`,
        received: `${layout}: ${formatBytes(bytes)} once written out densely${this.produced > 0 ? `, after ${formatBytes(this.produced)} already made` : ''}`,
        hint: 'Views that repeat storage elements (stride 0, overlapping strides, many tensors over one storage) are copied out densely: the checkpoint is hostile or corrupt. If it is genuine, raise maxExpandedBytes.',
      });
    }
    this.counted.add(storage);
    this.storageBytes = storageBytes;
    this.produced += bytes;
  }

  private tensor(t: PendingTensor, path: string, typedCache: Map<TorchStorage, TypedData>): TensorData {
    const hit = this.done.get(t);
    if (hit) return hit;
    const { storage, offset, size, stride } = t;
    const dtype = storage.dtype;
    const es = dtypeByteSize(dtype);
    const n = shapeSize(size);
    const layout = `a ${dtype} tensor of size ${formatDims(size)}, stride ${formatDims(stride)}, over storage ${previewValue(storage.key, { maxLength: 60 })} of ${storage.numel} elements`;
    this.reserve(storage, n * es, path, layout);
    let out: TensorData;
    try {
      if (n === 0) {
        out = tensorData(dtype, size, typedArrayFromBytes(dtype, new Uint8Array(0)));
      } else {
        const contiguous = contiguousStrides(size);
        if (size.every((d, i) => d === 1 || stride[i] === contiguous[i])) {
          out = tensorData(dtype, size, typedArrayFromBytes(dtype, storage.bytes().subarray(offset * es, (offset + n) * es)));
        } else {
          let src = typedCache.get(storage);
          if (!src) {
            src = typedView(dtype, storage.bytes());
            typedCache.set(storage, src);
          }
          out = tensorData(dtype, size, stridedToContiguous(src, size, stride, offset));
        }
      }
    } catch (cause) {
      if (!(cause instanceof RangeError)) throw cause;
      // an allocation the budget allowed (it may have been raised) that the engine refuses
      throw new CheckpointError(this.where(path), { expected: `memory for ${layout}`, received: 'an allocation the JavaScript engine refused', hint: 'The limits were raised past what this process can hold: lower maxExpandedBytes or read fewer keys.', cause });
    }
    this.made.add(out);
    this.done.set(t, out);
    return out;
  }

  /** A stray storage (not wrapped in a tensor) becomes a 1-D tensor of all its elements. */
  private storageTensor(s: TorchStorage, path: string): TensorData {
    const hit = this.done.get(s);
    if (hit) return hit;
    this.reserve(s, s.numel * dtypeByteSize(s.dtype), path, `a ${s.dtype} storage of ${s.numel} elements`);
    const out = tensorData(s.dtype, [s.numel], typedArrayFromBytes(s.dtype, s.bytes()));
    this.made.add(out);
    this.done.set(s, out);
    return out;
  }
}

/** A read-only typed view of little-endian bytes: no copy when aligned (strided reads only read it). */
function typedView(dtype: TensorData['dtype'], bytes: Uint8Array): TypedData {
  const es = dtypeByteSize(dtype);
  if (bytes.byteOffset % es !== 0) return typedArrayFromBytes(dtype, bytes);
  const Ctor = allocTyped(dtype, 0).constructor as new (b: ArrayBufferLike, o: number, n: number) => TypedData;
  return new Ctor(bytes.buffer, bytes.byteOffset, bytes.byteLength / es);
}
