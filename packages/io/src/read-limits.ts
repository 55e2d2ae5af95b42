import { ConfigError, previewValue } from '@vjepa/errors';

const MiB = 1024 * 1024;

/**
 * Default of `maxExpandedBytes`: 256 MiB of tensor data beyond what the file's storages hold (views
 * that repeat elements, like a stride-0 expansion, or several tensors over one storage).
 *
 * @example
 * readTorchCheckpoint(bytes, { maxExpandedBytes: 4 * DEFAULT_MAX_EXPANDED_BYTES });
 */
export const DEFAULT_MAX_EXPANDED_BYTES = 256 * MiB;

/**
 * Default of `maxDepth`: containers nested deeper than this are refused. Checkpoints nest a few
 * levels (checkpoint -> state dict -> tensor arguments); 100 leaves room for nested configs while
 * any recursive consumer of the result stays far from the call-stack limit.
 *
 * @example
 * unpickle(bytes, { where, resolveGlobal, maxDepth: DEFAULT_MAX_DEPTH });
 */
export const DEFAULT_MAX_DEPTH = 100;

/**
 * Default of `maxInflatedBytes` for an archive: 256 MiB plus 32 times the compressed size of its
 * deflated entries. Weights deflate by less than 2x, so real files stay far below it, while a
 * deflate bomb (up to ~1000x) is refused before it is inflated.
 *
 * @example
 * defaultMaxInflatedBytes(8_300_000); // 256 MiB + 265.6 MB
 */
export function defaultMaxInflatedBytes(deflatedCompressedBytes: number): number {
  return 256 * MiB + 32 * deflatedCompressedBytes;
}

/**
 * Checks a byte or depth limit passed as an option: a non-negative number (Infinity allowed).
 *
 * @example
 * const max = checkLimit('maxExpandedBytes', opts.maxExpandedBytes, DEFAULT_MAX_EXPANDED_BYTES);
 */
export function checkLimit(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new ConfigError(`option ${name}`, { expected: 'a number >= 0 (Infinity for no limit)', received: previewValue(value, { maxLength: 80 }) });
  }
  return value;
}

/**
 * Formats a byte count for messages, e.g. `8589934592 bytes (8 GiB)`.
 *
 * @example
 * formatBytes(1536); // "1536 bytes (1.5 KiB)"
 */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let v = n;
  let u = -1;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  const exact = Number.isSafeInteger(n) ? `${n}` : n.toExponential(3);
  return u < 0 ? `${exact} bytes` : `${exact} bytes (${Number(v.toFixed(1))} ${units[u]})`;
}
