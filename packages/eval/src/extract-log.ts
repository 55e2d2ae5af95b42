import { createHash } from 'node:crypto';
import { closeSync, createReadStream, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The record of one feature file that extraction wrote: what it was made from (the input's size and
 * SHA-256, and a hash of every setting that shapes the features) and the SHA-256 of what was
 * written. A rerun keeps an output only when all of these still hold. An input that could not be
 * decoded is recorded too (`skipped`), so a rerun does not decode it again while it is unchanged.
 *
 * @example
 * const r: ExtractRecord = { output: 'a.npy', input: '/videos/a.mp4', inputBytes: 1024, inputSha256: '..', settings: '..', outputSha256: '..', shape: [1, 32, 64] };
 */
export interface ExtractRecord {
  /** The feature file, relative to the output folder. */
  output: string;
  /** The input file as it was given (resolved). */
  input: string;
  inputBytes: number;
  inputSha256: string;
  /** {@link extractSettingsKey} of the run that wrote it. */
  settings: string;
  /** Empty when the input was skipped. */
  outputSha256: string;
  shape: number[];
  /** Why the input was skipped (it could not be decoded): a rerun skips it again while its SHA-256 is the same. */
  skipped?: string;
}

/**
 * Name of the append-only record of written feature files in an extraction's output folder: one
 * JSON line per file written, the last line about a file wins.
 *
 * @example
 * join(outDir, EXTRACT_LOG); // 'features/extract-log.jsonl'
 */
export const EXTRACT_LOG = 'extract-log.jsonl';

/**
 * Name of the summary an extraction writes in its output folder at the end: counts, every output,
 * every skipped input with its reason.
 *
 * @example
 * JSON.parse(readFileSync(join(outDir, EXTRACT_SUMMARY), 'utf8')).skipped;
 */
export const EXTRACT_SUMMARY = 'extract-summary.json';

/**
 * The hash of everything that shapes a feature file besides its input: the encoder's weights (by
 * content), the architecture, the clip sampling and the pooling.
 *
 * @example
 * const key = extractSettingsKey({ weights: loaded.id, vit: arch.vit, frameStep: 4, numClips: 1, pool: 'none' });
 */
export function extractSettingsKey(settings: Record<string, unknown>): string {
  return createHash('sha256').update(`extract-v1|${JSON.stringify(settings)}`).digest('hex');
}

/**
 * SHA-256 (hex) of a file, read in a stream (constant memory whatever its size).
 *
 * @example
 * await sha256File('clip.mp4'); // "9f86d0..."
 */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (b) => h.update(b))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

/**
 * SHA-256 (hex) of bytes in memory.
 *
 * @example
 * sha256Bytes(new Uint8Array([1, 2, 3]));
 */
export function sha256Bytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function isRecord(v: unknown): v is ExtractRecord {
  const r = v as ExtractRecord | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.output === 'string' &&
    typeof r.inputSha256 === 'string' &&
    typeof r.outputSha256 === 'string' &&
    typeof r.settings === 'string' &&
    Array.isArray(r.shape)
  );
}

/**
 * The records of an output folder's {@link EXTRACT_LOG}, by output (the last line about an output
 * wins). A line cut short by a crash, or anything else that is not a record, is ignored: its
 * output is then redone.
 *
 * @example
 * const done = readExtractLog('features'); // Map { 'a.npy' => { ... } }
 */
export function readExtractLog(dir: string): Map<string, ExtractRecord> {
  const file = join(dir, EXTRACT_LOG);
  const out = new Map<string, ExtractRecord>();
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const r: unknown = JSON.parse(line);
      if (isRecord(r)) out.set(r.output, r);
    } catch {
      // a partial last line (killed while appending): that output is redone
    }
  }
  return out;
}

/**
 * Appends one record to an output folder's {@link EXTRACT_LOG} and syncs it to disk, after the
 * feature file itself was written (atomically): a record never names a file that is not complete.
 *
 * @example
 * appendExtractRecord('features', record);
 */
export function appendExtractRecord(dir: string, record: ExtractRecord): void {
  const fd = openSync(join(dir, EXTRACT_LOG), 'a');
  try {
    writeSync(fd, `${JSON.stringify(record)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
