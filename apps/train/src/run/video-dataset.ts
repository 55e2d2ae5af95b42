import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { DataError } from '@vjepa/errors';
import { decodeVideo, sampleClipIndices, type Dataset, type GetContext, type Sample } from './data-imports';

/** File extensions a `video_folder` dataset picks up. */
export const VIDEO_EXTENSIONS = ['.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v', '.mpg', '.mpeg', '.ogv'] as const;

/**
 * Options of {@link VideoFileDataset}.
 *
 * @example
 * const opts: VideoFileOptions = { numFrames: 16, frameStep: 4, shortSide: 224, filterShort: false };
 */
export interface VideoFileOptions {
  numFrames: number;
  frameStep: number;
  /** Decode with this short side (the augmentation then crops and resizes to crop_size). */
  shortSide: number;
  /** Skip videos with fewer than `numFrames` frames (`data.filter_short_videos`) instead of padding them. */
  filterShort: boolean;
}

/**
 * Reads official index files: one `path label` per line, space-delimited; relative paths resolve from
 * the index file's folder. Blank lines and `#` comments are ignored.
 *
 * @example
 * readVideoIndex('/data/k400/train.txt'); // ['/data/k400/videos/a.mp4', ...]
 */
export function readVideoIndex(indexFile: string): string[] {
  if (!existsSync(indexFile)) throw new DataError(`data.datasets: ${indexFile}`, { expected: 'an index file of "path label" lines', received: 'no such file' });
  const base = dirname(resolve(indexFile));
  const out: string[] = [];
  for (const raw of readFileSync(indexFile, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const path = line.split(/\s+/)[0];
    out.push(isAbsolute(path) ? path : join(base, path));
  }
  return out;
}

/**
 * Lists the video files of a folder, recursively, sorted.
 *
 * @example
 * listVideoFolder('/data/clips'); // ['/data/clips/a.mp4', '/data/clips/sub/b.avi']
 */
export function listVideoFolder(folder: string): string[] {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new DataError(`data.datasets: ${folder}`, { expected: 'a folder of videos', received: 'no such folder' });
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if ((VIDEO_EXTENSIONS as readonly string[]).includes(extname(name).toLowerCase())) out.push(path);
    }
  };
  walk(folder);
  return out;
}

/**
 * Videos from files: each item is decoded with ffmpeg (`decodeVideo`), a clip of `numFrames` frames
 * at `frameStep` is sampled with the reference semantics (`sampleClipIndices`), and returned as
 * floats in [0, 1]. Missing, unreadable or truncated files throw DataError (the batch source skips
 * and counts them); so do videos shorter than `numFrames` when `filterShort` is set.
 *
 * @example
 * const ds = new VideoFileDataset(readVideoIndex('train.txt'), { numFrames: 16, frameStep: 4, shortSide: 224, filterShort: false });
 */
export class VideoFileDataset implements Dataset {
  readonly paths: readonly string[];
  readonly length: number;
  private readonly options: VideoFileOptions;

  constructor(paths: readonly string[], options: VideoFileOptions) {
    this.paths = paths;
    this.length = paths.length;
    this.options = options;
  }

  async get(index: number, ctx: GetContext): Promise<Sample> {
    const path = this.paths[index];
    if (!existsSync(path)) throw new DataError(path, { expected: 'a video file', received: 'no such file' });
    const video = await decodeVideo(path, { size: this.options.shortSide });
    const { numFrames, frameStep, filterShort } = this.options;
    if (video.numFrames < 1) throw new DataError(path, { expected: 'at least one decodable frame', received: '0 frames' });
    if (filterShort && video.numFrames < numFrames) {
      throw new DataError(path, { expected: `at least ${numFrames} frames (data.filter_short_videos)`, received: `${video.numFrames} frames`, hint: 'too short' });
    }
    const [indices] = sampleClipIndices(video.numFrames, video.fps, { framesPerClip: numFrames, frameStep, numClips: 1 }, ctx.rng);
    const frame = video.height * video.width * 3;
    const clip = new Float32Array(numFrames * frame); // [T, H, W, 3]
    indices.forEach((f, t) => {
      const src = video.frames.subarray(f * frame, (f + 1) * frame);
      for (let i = 0; i < frame; i++) clip[t * frame + i] = src[i] / 255;
    });
    return { clip, shape: [numFrames, video.height, video.width, 3] };
  }
}
