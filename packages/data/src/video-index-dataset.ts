import { readFile } from 'node:fs/promises';
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
 * Parses the official index format: one `path label` per line, space-delimited. The label is the
 * last token; the path is the rest of the line (so paths with spaces work). Blank lines and lines
 * starting with `#` are not entries. Relative paths resolve against the index file's folder.
 *
 * @example
 * parseVideoIndex('a.mp4 3\n/abs/b.mp4 0\n', '/data/train.txt', 'require');
 * // [{ path: '/data/a.mp4', label: 3, line: 1 }, { path: '/abs/b.mp4', label: 0, line: 2 }]
 */
export function parseVideoIndex(text: string, indexPath: string, labels: 'require' | 'ignore' = 'require'): VideoEntry[] {
  if (labels !== 'require' && labels !== 'ignore') {
    throw new ConfigError('labels', { expected: '"require" or "ignore"', received: String(labels) });
  }
  const base = dirname(indexPath);
  const entries: VideoEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const tokens = line.split(/\s+/);
    const last = tokens[tokens.length - 1] as string;
    const hasLabel = tokens.length >= 2 && /^-?\d+$/.test(last);
    if (labels === 'require' && !hasLabel) {
      throw new DataError(`${indexPath} line ${i + 1}`, {
        expected: '"path label" with an integer label',
        received: JSON.stringify(line),
        hint: 'fix the line, or open the index with labels: "ignore" for pretraining.',
      });
    }
    const path = hasLabel ? tokens.slice(0, -1).join(' ') : line;
    const entry: VideoEntry = { path: isAbsolute(path) ? path : resolve(base, path), line: i + 1 };
    if (labels === 'require') entry.label = Number(last);
    entries.push(entry);
  });
  return entries;
}

/**
 * Reads and parses an index file (see {@link parseVideoIndex}); a missing, unreadable or empty index
 * is a DataError naming the file.
 *
 * @example
 * const entries = await readVideoIndex('/data/test.txt'); // [{ path, label, line }, ...]
 */
export async function readVideoIndex(indexPath: string, labels: 'require' | 'ignore' = 'require'): Promise<VideoEntry[]> {
  let text: string;
  try {
    text = await readFile(indexPath, 'utf8');
  } catch (cause) {
    throw new DataError(indexPath, { expected: 'a readable video index file', received: (cause as Error).message, cause });
  }
  const entries = parseVideoIndex(text, indexPath, labels);
  if (entries.length === 0) {
    throw new DataError(indexPath, { expected: 'at least one "path label" line', received: 'an empty index' });
  }
  return entries;
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
