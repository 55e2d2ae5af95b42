import { readdir } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { DataError } from '@vjepa/errors';
import { DataStatsRecorder } from './data-stats';
import { IMAGE_EXTENSIONS, VIDEO_EXTENSIONS, type VideoDatasetOptions, type VideoEntry, VideoFileDataset, checkEntries } from './video-file-dataset';

/**
 * Options of {@link VideoFolderDataset.open}.
 *
 * @example
 * const opts: VideoFolderOptions = { classFromFolder: true, includeImages: false };
 */
export interface VideoFolderOptions extends VideoDatasetOptions {
  /** Extensions to include (lower case, with dot); default videos, plus images unless `includeImages: false`. */
  extensions?: readonly string[];
  /** Include still images as clips (default true). */
  includeImages?: boolean;
  /** Label each file by its top-level subfolder (classes sorted by name). Files at the root are refused. */
  classFromFolder?: boolean;
}

async function walk(dir: string, out: string[]): Promise<void> {
  const items = await readdir(dir, { withFileTypes: true });
  for (const item of items) {
    const path = join(dir, item.name);
    if (item.isDirectory()) await walk(path, out);
    // FIFOs, sockets and devices are listed too, so that users of the list name and skip them (none is opened here)
    else out.push(path);
  }
}

/**
 * Every video (and, unless `includeImages: false`, image) file under a folder, recursively, by
 * extension, in sorted path order. A missing folder, or one without matching files, is a DataError.
 * Special files with a matching name (a FIFO `x.mp4`) are listed, never opened: datasets and
 * extraction skip them with a reason.
 *
 * @example
 * const files = await listVideoFiles('/data/clips', { includeImages: false });
 */
export async function listVideoFiles(root: string, options: Pick<VideoFolderOptions, 'extensions' | 'includeImages'> = {}): Promise<string[]> {
  const files: string[] = [];
  try {
    await walk(root, files);
  } catch (cause) {
    throw new DataError(root, { expected: 'a readable folder of videos', received: (cause as Error).message, cause });
  }
  const exts = options.extensions ?? [...VIDEO_EXTENSIONS, ...(options.includeImages === false ? [] : IMAGE_EXTENSIONS)];
  const matched = files.filter((f) => exts.includes(extname(f).toLowerCase())).sort();
  if (matched.length === 0) {
    throw new DataError(root, {
      expected: `at least one file with extension ${exts.join(', ')} (searched recursively)`,
      received: `${files.length} file(s), none matching`,
    });
  }
  return matched;
}

/**
 * A dataset of every video (and image) under a folder, recursively, found by extension, in sorted
 * path order; optionally labelled by subfolder name.
 *
 * @example
 * const ds = await VideoFolderDataset.open('/data/clips', { classFromFolder: true });
 * console.log(ds.classes); // ['cat', 'dog']
 */
export class VideoFolderDataset extends VideoFileDataset {
  /** Class names, index = label (empty without `classFromFolder`). */
  classes: readonly string[] = [];

  /**
   * Scans the folder; throws DataError for a missing folder or one without matching files.
   *
   * @example
   * const ds = await VideoFolderDataset.open('./videos');
   */
  static async open(root: string, options: VideoFolderOptions = {}): Promise<VideoFolderDataset> {
    const matched = await listVideoFiles(root, options);
    let classes: string[] = [];
    let entries: VideoEntry[];
    if (options.classFromFolder === true) {
      const top = (f: string) => relative(root, f).split(sep);
      const atRoot = matched.find((f) => top(f).length < 2);
      if (atRoot !== undefined) {
        throw new DataError(atRoot, { expected: 'every file inside a class subfolder (classFromFolder)', received: 'a file at the root' });
      }
      classes = [...new Set(matched.map((f) => top(f)[0] as string))].sort();
      entries = matched.map((path) => ({ path, label: classes.indexOf(top(path)[0] as string) }));
    } else {
      entries = matched.map((path) => ({ path }));
    }
    const recorder = new DataStatsRecorder(entries.length);
    await checkEntries(entries, recorder);
    const ds = new VideoFolderDataset(entries, options, recorder, root);
    ds.classes = classes;
    return ds;
  }
}
