import type { DType } from './tensor-data';

/**
 * PyTorch's legacy storage class names and the dtype each holds (e.g. `torch.FloatStorage`).
 *
 * @example
 * STORAGE_DTYPES.FloatStorage; // 'float32'
 */
export const STORAGE_DTYPES: Readonly<Record<string, DType>> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

/**
 * `torch.<name>` dtype objects (with their aliases) and the dtype each stands for.
 *
 * @example
 * TORCH_DTYPES.long; // 'int64'
 */
export const TORCH_DTYPES: Readonly<Record<string, DType>> = {
  float32: 'float32',
  float: 'float32',
  float64: 'float64',
  double: 'float64',
  float16: 'float16',
  half: 'float16',
  bfloat16: 'bfloat16',
  int64: 'int64',
  long: 'int64',
  int32: 'int32',
  int: 'int32',
  int16: 'int16',
  short: 'int16',
  int8: 'int8',
  uint8: 'uint8',
  bool: 'bool',
};

/**
 * A storage class or dtype named by a pickle; `untyped` storages hold raw bytes.
 *
 * @example
 * new TorchStorageType('torch.FloatStorage', 'float32');
 */
export class TorchStorageType {
  constructor(
    readonly name: string,
    readonly dtype: DType,
    readonly untyped = false,
  ) {}
}

/**
 * A storage in `data/<key>`: `numel` little-endian `dtype` elements, read when a tensor that is
 * kept needs it (not cached, so a multi-GB checkpoint is not held twice in memory).
 *
 * @example
 * new TorchStorage('0', 'float32', 4, () => new Uint8Array(16)).bytes();
 */
export class TorchStorage {
  constructor(
    readonly key: string,
    readonly dtype: DType,
    readonly numel: number,
    private readonly load: () => Uint8Array,
  ) {}

  /** The raw bytes. */
  bytes(): Uint8Array {
    return this.load();
  }
}
