import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { ConfigError, DataError, VjepaError } from '@vjepa/errors';
import { type ClipSamplingOptions, clipWindow, sampleClipIndices } from './clip-sampling';
import { type DataStats, DataStatsRecorder, formatDataStats } from './data-stats';
import { type DecodeOptions, type DecodedVideo, decodeVideo } from './decode-video';
import { type FrameSourceCounts, VideoFrameSource } from './video-frame-source';
import type { Dataset, GetContext, Sample } from './sample';

/**
 * File extensions decoded as single images (repeated along time).
 *
 * @example
 * IMAGE_EXTENSIONS.includes('.png'); // true
 */
export const IMAGE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg', '.bmp', '.ppm', '.pgm', '.tif', '.tiff', '.webp'];

/**
 * File extensions found as videos by a folder scan.
 *
 * @example
 * VIDEO_EXTENSIONS.includes('.mp4'); // true
 */
export const VIDEO_EXTENSIONS: readonly string[] = ['.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v', '.mpg', '.mpeg', '.ogv', '.gif'];

/**
 * One file of a dataset: an absolute path, an optional integer class label, and where it came from.
 *
 * @example
 * const e: VideoEntry = { path: '/data/a.mp4', label: 3, line: 1 };
 */
export interface VideoEntry {
  path: string;
  label?: number;
  line?: number;
}

/**
 * Options shared by the file datasets.
 *
 * @example
 * const opts: VideoDatasetOptions = { sampling: { framesPerClip: 16, frameStep: 4 }, decode: { size: [128, 128] } };
 */
export interface VideoDatasetOptions {
  /** Clip sampling (official `frames_per_clip`, `frame_step`, `num_clips`, `duration`). */
  sampling?: ClipSamplingOptions;
  /** ffmpeg decode options (binary, resize at decode time, frame rate). */
  decode?: Omit<DecodeOptions, 'maxFrames'>;
  /**
   * What a file that cannot be decoded does: `'skip'` (default) records it in `stats()` and
   * serves the next usable entry instead; `'throw'` refuses it with its DataError.
   */
  onError?: 'skip' | 'throw';
  /**
   * The reference `filter_short_videos`: a video with fewer frames per clip partition than a clip
   * window (`framesPerClip * frameStep`) is skipped (reason `too short`) instead of padded.
   * Default false (padded and counted in `stats().padded`).
   */
  filterShortVideos?: boolean;
  /**
   * Bytes of decoded frames kept in memory across epochs (default 256 MiB, 0 = none): a video whose
   * frames fit is decoded once and every later clip is cut from memory; the others decode only their
   * sampled frames (see {@link VideoFrameSource}).
   */
  cacheBytes?: number;
}

function isImage(path: string): boolean {
  return IMAGE_EXTENSIONS.includes(extname(path).toLowerCase());
}

/**
 * Checks entries exist and are non-empty files; records the others as skipped.
 *
 * @example
 * const usable = await checkEntries(entries, recorder);
 */
export async function checkEntries(entries: VideoEntry[], recorder: DataStatsRecorder): Promise<void> {
  await Promise.all(
    entries.map(async (e) => {
      try {
        const s = await stat(e.path);
        if (!s.isFile()) recorder.skip({ path: e.path, line: e.line, reason: 'not a file' });
        else if (s.size === 0) recorder.skip({ path: e.path, line: e.line, reason: 'empty file' });
      } catch {
        recorder.skip({ path: e.path, line: e.line, reason: 'missing file' });
      }
    }),
  );
}

/**
 * The common core of {@link VideoIndexDataset} and {@link VideoFolderDataset}: samples clip frames
 * with the reference semantics (images: the frame repeated) over a file's full-decode frame count,
 * decodes only those frames (a {@link VideoFrameSource}: index once, then seek; small videos kept in
 * memory), and returns `[numClips * framesPerClip, H, W, 3]` in [0, 1]. Bad files are skipped and counted.
 *
 * @example
 * const ds = new VideoFileDataset([{ path: '/data/a.mp4' }], { decode: { size: [64, 64] } });
 * const sample = await ds.get(0, { rng: createDataRng(0), epoch: 0 });
 */
export class VideoFileDataset implements Dataset {
  readonly length: number;
  readonly labelNames: readonly string[];
  protected readonly recorder: DataStatsRecorder;
  private readonly frameSource: VideoFrameSource;

  constructor(
    readonly entries: readonly VideoEntry[],
    protected readonly options: VideoDatasetOptions = {},
    recorder?: DataStatsRecorder,
    readonly source = 'dataset',
  ) {
    if (entries.length === 0) {
      throw new DataError(source, { expected: 'at least one video or image', received: 'none' });
    }
    if (options.onError !== undefined && options.onError !== 'skip' && options.onError !== 'throw') {
      throw new ConfigError('onError', { expected: '"skip" or "throw"', received: String(options.onError) });
    }
    clipWindow(30, options.sampling); // validate the sampling options once, at the entry point
    this.length = entries.length;
    this.recorder = recorder ?? new DataStatsRecorder(entries.length);
    this.labelNames = entries.every((e) => e.label !== undefined) ? ['label'] : [];
    const { fps: _resampled, ...decode } = options.decode ?? {}; // fps reads go through decodeVideo
    this.frameSource = new VideoFrameSource({ decode, cacheBytes: options.cacheBytes });
  }

  /**
   * What happened to the inputs so far (skipped with reasons, padded, decoded).
   *
   * @example
   * console.log(ds.stats().skipped);
   */
  stats(): DataStats {
    return this.recorder.snapshot();
  }

  /**
   * `stats()` as text for a run summary.
   *
   * @example
   * console.log(ds.summary());
   */
  summary(): string {
    return formatDataStats(this.stats());
  }

  /**
   * Loads entry `index`; with `onError: 'skip'` a bad entry is recorded and the next usable
   * entry (index + 1, + 2, ... wrapping) is served instead. Throws `DataError` when none is usable.
   *
   * @example
   * const { clip, shape, labels } = await ds.get(3, { rng: createDataRng(1), epoch: 0 });
   */
  async get(index: number, ctx: GetContext): Promise<Sample> {
    if (!(Number.isInteger(index) && index >= 0 && index < this.length)) {
      throw new ConfigError(`${this.source} index`, { expected: `an integer in [0, ${this.length})`, received: String(index) });
    }
    for (let k = 0; k < this.length; k++) {
      const entry = this.entries[(index + k) % this.length] as VideoEntry;
      if (this.recorder.isSkipped(entry.path)) {
        if (this.options.onError === 'throw') throw new DataError(entry.path, { expected: 'a usable file', received: 'skipped when the dataset was opened (missing or empty)' });
        continue;
      }
      try {
        return await this.load(entry, ctx);
      } catch (error) {
        if (this.options.onError === 'throw' || !VjepaError.isInstance(error)) throw error;
        this.recorder.skip({ path: entry.path, line: entry.line, reason: `unreadable: ${error.message}` });
      }
    }
    throw new DataError(`${this.source}: every one of ${this.length} entries failed`, {
      expected: 'at least one decodable video or image',
      received: formatDataStats(this.stats(), 3),
    });
  }

  /**
   * How the frames were read so far (indexed, kept in memory, cut from memory, seeks, decodes from
   * the start, seeks redone), plus `fullDecodes`: images and the `fps` option, decoded whole.
   *
   * @example
   * const { fromMemory, seeked, fromStart } = ds.decodeCounts();
   */
  decodeCounts(): FrameSourceCounts & { fullDecodes: number } {
    return { ...this.frameSource.counts(), fullDecodes: this.fullDecodes };
  }

  private fullDecodes = 0;

  private async load(entry: VideoEntry, ctx: GetContext): Promise<Sample> {
    const decode = this.options.decode ?? {};
    // Images, and resampled frame rates (the fps filter renumbers frames), are decoded whole.
    if (isImage(entry.path) || decode.fps !== undefined) return this.loadWhole(entry, ctx);
    const index = await this.frameSource.index(entry.path);
    const sampling = this.options.sampling ?? {};
    const numClips = sampling.numClips ?? 1;
    const T = (sampling.framesPerClip ?? 16) * numClips;
    const wanted = new Int32Array(T);
    let padded = false;
    const image = index.numFrames === 1 && index.durationSec === null; // one frame repeated along time
    if (!image) {
      const fps = index.fps > 0 ? index.fps : 30;
      padded = this.tooShort(entry, index.numFrames, fps);
      const clips = sampleClipIndices(index.numFrames, fps, sampling, ctx.rng);
      clips.forEach((c, i) => wanted.set(c, i * c.length));
    }
    const got = await this.frameSource.frames(entry.path, wanted);
    const clip = new Float32Array(got.frames.length); // [numClips * fpc, H, W, 3]
    for (let i = 0; i < clip.length; i++) clip[i] = (got.frames[i] as number) / 255;
    this.recorder.decoded(entry.path, { padded, image });
    return this.sample(entry, clip, [T, got.height, got.width, 3]);
  }

  /** Whether a video is shorter than its clip windows; with `filterShortVideos` it is recorded and refused. */
  private tooShort(entry: VideoEntry, numFrames: number, fps: number): boolean {
    const sampling = this.options.sampling ?? {};
    const numClips = sampling.numClips ?? 1;
    const { window } = clipWindow(fps, sampling);
    const padded = Math.floor(numFrames / numClips) < window;
    if (padded && this.options.filterShortVideos === true) {
      // recorded here so the reason says "too short" (the caller's catch keeps the first reason)
      const reason = `too short: ${numFrames} frames, ${numClips} clip window(s) of ${window} frames`;
      this.recorder.skip({ path: entry.path, line: entry.line, reason });
      throw new DataError(entry.path, { expected: `at least ${window * numClips} frames (filterShortVideos)`, received: `${numFrames} frames` });
    }
    return padded;
  }

  private sample(entry: VideoEntry, clip: Float32Array, shape: [number, number, number, number]): Sample {
    return { clip, shape, ...(entry.label === undefined ? {} : { labels: { label: entry.label } }) };
  }

  /** The whole file decoded in one run, then the clip's frames taken from it. */
  private async loadWhole(entry: VideoEntry, ctx: GetContext): Promise<Sample> {
    const video: DecodedVideo = await decodeVideo(entry.path, this.options.decode ?? {});
    this.fullDecodes++;
    const sampling = this.options.sampling ?? {};
    const fpc = sampling.framesPerClip ?? 16;
    const numClips = sampling.numClips ?? 1;
    const image = video.numFrames === 1 && (isImage(entry.path) || video.durationSec === null);
    const frameSize = video.height * video.width * 3;
    const T = fpc * numClips;
    const clip = new Float32Array(T * frameSize); // [numClips * fpc, H, W, 3]
    let padded = false;
    if (image) {
      // images as video: the one frame repeated along time
      for (let i = 0; i < frameSize; i++) clip[i] = (video.frames[i] as number) / 255;
      for (let t = 1; t < T; t++) clip.copyWithin(t * frameSize, 0, frameSize);
    } else {
      const fps = video.fps > 0 ? video.fps : 30;
      padded = this.tooShort(entry, video.numFrames, fps);
      const clips = sampleClipIndices(video.numFrames, fps, sampling, ctx.rng);
      let t = 0;
      for (const indices of clips) {
        for (const f of indices) {
          const src = f * frameSize;
          const dst = t * frameSize;
          for (let i = 0; i < frameSize; i++) clip[dst + i] = (video.frames[src + i] as number) / 255;
          t++;
        }
      }
    }
    this.recorder.decoded(entry.path, { padded, image });
    return this.sample(entry, clip, [T, video.height, video.width, 3]);
  }
}
