import { type FileHandle, open, stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError, DataError } from '@vjepa/errors';
import { DataStatsRecorder } from './data-stats';
import { type VideoDatasetOptions, type VideoEntry, VideoFileDataset, checkEntries } from './video-file-dataset';

/**
 * Options of {@link VideoIndexDataset.open}.
 *
 * @example
 * const opts: VideoIndexOptions = { labels: 'ignore', sampling: { framesPerClip: 16 } };
 */
export interface VideoIndexOptions extends VideoDatasetOptions {
  /**
   * `'require'` (default, supervised): every line is `path label` with an integer label; a line
   * without one is refused with a DataError naming the file and line. `'ignore'` (pretraining, as
   * the reference): a trailing integer label is dropped when present, and lines without one are
   * accepted.
   */
  labels?: 'require' | 'ignore';
}

/**
 * The largest class count an index may imply: labels are refused from `MAX_CLASSES` up (a label of
 * 1000000000 would make a probe allocate a billion classes; 4294967297 would wrap to 1 in an
 * Int32Array). ImageNet-21k has 21,841 classes; Kinetics-700, 700.
 *
 * @example
 * if (label >= MAX_CLASSES) throw new Error('too many classes');
 */
export const MAX_CLASSES = 100_000;

/**
 * The longest line an index file may have (a path and a label): 64 KiB. A longer line is refused
 * while reading, before it is held in memory whole.
 *
 * @example
 * MAX_INDEX_LINE_BYTES; // 65536
 */
export const MAX_INDEX_LINE_BYTES = 64 * 1024;

/** One line of an index: an entry, or nothing for blank and `#` lines. */
function parseIndexLine(raw: string, lineNo: number, base: string, indexPath: string, labels: 'require' | 'ignore'): VideoEntry | null {
  const line = raw.trim();
  if (line === '' || line.startsWith('#')) return null;
  const tokens = line.split(/\s+/);
  const last = tokens[tokens.length - 1] as string;
  const hasLabel = tokens.length >= 2 && /^-?\d+$/.test(last);
  if (labels === 'require' && !hasLabel) {
    throw new DataError(`${indexPath} line ${lineNo}`, {
      expected: '"path label" with an integer label',
      received: JSON.stringify(line),
      hint: 'fix the line, or open the index with labels: "ignore" for pretraining.',
    });
  }
  const path = hasLabel ? tokens.slice(0, -1).join(' ') : line;
  const entry: VideoEntry = { path: isAbsolute(path) ? path : resolve(base, path), line: lineNo };
  if (labels === 'require') {
    const label = Number(last);
    if (!Number.isSafeInteger(label) || label >= MAX_CLASSES) {
      throw new DataError(`${indexPath} line ${lineNo}: label`, {
        expected: `an integer class label below ${MAX_CLASSES}`,
        received: last.length > 40 ? `${last.slice(0, 40)}... (${last.length} digits)` : last,
        hint: 'labels are class indices 0 .. classes - 1; is the label column another field (an id, a timestamp)?',
      });
    }
    entry.label = label;
  }
  return entry;
}

function checkLabelsMode(labels: string): void {
  if (labels !== 'require' && labels !== 'ignore') {
    throw new ConfigError('labels', { expected: '"require" or "ignore"', received: String(labels) });
  }
}

/**
 * Parses the official index format: one `path label` per line, space-delimited. The label is the
 * last token; the path is the rest of the line (so paths with spaces work). Blank lines and lines
 * starting with `#` are not entries. Relative paths resolve against the index file's folder. In
 * `require` mode a label is an integer below {@link MAX_CLASSES} (negative labels are left to the
 * caller to refuse).
 *
 * @example
 * parseVideoIndex('a.mp4 3\n/abs/b.mp4 0\n', '/data/train.txt', 'require');
 * // [{ path: '/data/a.mp4', label: 3, line: 1 }, { path: '/abs/b.mp4', label: 0, line: 2 }]
 */
export function parseVideoIndex(text: string, indexPath: string, labels: 'require' | 'ignore' = 'require'): VideoEntry[] {
  checkLabelsMode(labels);
  const base = dirname(indexPath);
  const entries: VideoEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const entry = parseIndexLine(raw, i + 1, base, indexPath, labels);
    if (entry !== null) entries.push(entry);
  });
  return entries;
}

/**
 * Reads and parses an index file line by line (see {@link parseVideoIndex}), never holding more
 * than one line of at most {@link MAX_INDEX_LINE_BYTES}: a missing, unreadable, special (FIFO,
 * device) or empty index, or a longer line, is a DataError naming the file (and line).
 *
 * @example
 * const entries = await readVideoIndex('/data/test.txt'); // [{ path, label, line }, ...]
 */
export async function readVideoIndex(indexPath: string, labels: 'require' | 'ignore' = 'require'): Promise<VideoEntry[]> {
  checkLabelsMode(labels);
  let handle: FileHandle;
  try {
    // stat first: opening a FIFO blocks until a writer appears
    const st = await stat(indexPath);
    if (!st.isFile()) throw new Error(st.isDirectory() ? 'a directory' : 'not a regular file (a FIFO, socket or device)');
    handle = await open(indexPath, 'r');
  } catch (cause) {
    throw new DataError(indexPath, { expected: 'a readable video index file', received: (cause as Error).message, cause });
  }
  const base = dirname(indexPath);
  const entries: VideoEntry[] = [];
  const decoder = new TextDecoder();
  try {
    const chunk = new Uint8Array(1 << 16);
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    let lineNo = 0;
    const endLine = (tail: Uint8Array): void => {
      lineNo += 1;
      const bytes = pending.length === 0 ? tail : concat([...pending, tail], pendingBytes + tail.length);
      pending = [];
      pendingBytes = 0;
      const entry = parseIndexLine(decoder.decode(bytes), lineNo, base, indexPath, labels);
      if (entry !== null) entries.push(entry);
    };
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      let from = 0;
      for (let i = 0; i < bytesRead; i++) {
        if (chunk[i] !== 0x0a) continue;
        endLine(chunk.slice(from, i));
        from = i + 1;
      }
      if (from < bytesRead) {
        pending.push(chunk.slice(from, bytesRead));
        pendingBytes += bytesRead - from;
        if (pendingBytes > MAX_INDEX_LINE_BYTES) {
          throw new DataError(`${indexPath} line ${lineNo + 1}`, {
            expected: `a line of at most ${MAX_INDEX_LINE_BYTES / 1024} KiB ("path label")`,
            received: `a line longer than that (${pendingBytes} bytes read so far)`,
            hint: 'an index lists one video per line; is this file an index?',
          });
        }
      }
    }
    if (pendingBytes > 0) endLine(new Uint8Array(0));
  } finally {
    await handle.close();
  }
  if (entries.length === 0) {
    throw new DataError(indexPath, { expected: 'at least one "path label" line', received: 'an empty index' });
  }
  return entries;
}

function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * A dataset from an official video index file (`path label` per line). Missing and empty files are
 * skipped and counted when opened; undecodable ones when first read (see `stats()`).
 *
 * @example
 * const ds = await VideoIndexDataset.open('/data/train.txt', { labels: 'ignore', decode: { size: [128, 128] } });
 * console.log(ds.length, ds.summary());
 */
export class VideoIndexDataset extends VideoFileDataset {
  /**
   * Reads and validates the index; throws DataError for a missing or empty index, a bad line
   * (`labels: 'require'`), or an index whose every file is missing.
   *
   * @example
   * const ds = await VideoIndexDataset.open('k400_train.txt');
   */
  static async open(indexPath: string, options: VideoIndexOptions = {}): Promise<VideoIndexDataset> {
    const entries = await readVideoIndex(indexPath, options.labels ?? 'require');
    const recorder = new DataStatsRecorder(entries.length);
    await checkEntries(entries, recorder);
    if (recorder.snapshot().skipped.length === entries.length) {
      throw new DataError(`${indexPath}: every one of ${entries.length} listed files is missing or empty`, {
        expected: 'paths that exist (relative paths resolve against the index folder)',
        received: `first: ${entries[0]?.path}`,
      });
    }
    return new VideoIndexDataset(entries, options, recorder, indexPath);
  }
}
