import { ConfigError } from '@vjepa/errors';
import { decodeFrames } from './decode-frames';
import type { DecodeOptions } from './decode-video';
import { type FrameIndex, type IndexedVideo, indexVideo } from './frame-index';

/**
 * Default of {@link FrameSourceOptions.cacheBytes}: 256 MiB of decoded frames.
 *
 * @example
 * new VideoFrameSource({ cacheBytes: DEFAULT_FRAME_CACHE_BYTES / 4 });
 */
export const DEFAULT_FRAME_CACHE_BYTES = 256 * 1024 * 1024;

/**
 * Options of {@link VideoFrameSource}.
 *
 * @example
 * const opts: FrameSourceOptions = { decode: { size: 37 }, cacheBytes: 0 };
 */
export interface FrameSourceOptions {
  /** ffmpeg binary, decode size, error tolerance (`fps` is not allowed: it renumbers frames). */
  decode?: Omit<DecodeOptions, 'maxFrames' | 'fps'>;
  /**
   * Bytes of decoded frames (at `decode.size`) kept in memory for the source's lifetime, default
   * {@link DEFAULT_FRAME_CACHE_BYTES}. A video's first read decodes all of it anyway (the index pass);
   * when its frames fit in what is left, and in 1/16 of the budget (which bounds what concurrent first
   * reads hold), they are kept, and its later clips are cut from memory with no ffmpeg run (decode
   * once, cut every epoch's clips). Videos that do not fit decode only their sampled frames each
   * time. 0 keeps nothing.
   */
  cacheBytes?: number;
}

/**
 * What a {@link VideoFrameSource} did so far: `indexed` videos (one full pass each), of which `kept`
 * in memory (`keptBytes`); reads served `fromMemory`; ffmpeg runs that `seeked` to a keyframe or
 * decoded `fromStart`, and seeks that `fellBack` to a decode from the start.
 *
 * @example
 * const c: FrameSourceCounts = source.counts();
 */
export interface FrameSourceCounts {
  indexed: number;
  kept: number;
  keptBytes: number;
  fromMemory: number;
  seeked: number;
  fromStart: number;
  fellBack: number;
}

/**
 * Frames of video files by index, decoding as little as it can: each file is indexed once (frame
 * count, timestamps, keyframes: {@link indexVideo}), kept whole in memory if it fits the cache, and
 * otherwise read with {@link decodeFrames} (seek to the keyframe before the wanted frames, decode
 * and scale only those). The frames are always those of a full `decodeVideo(path, { size })`.
 * Concurrent reads of one file share its index pass.
 *
 * @example
 * const source = new VideoFrameSource({ decode: { size: 37 } });
 * const index = await source.index('clip.mp4');
 * const { frames, height, width } = await source.frames('clip.mp4', Int32Array.of(3, 4, 5));
 */
export class VideoFrameSource {
  private readonly videos = new Map<string, Promise<IndexedVideo>>();
  private readonly tally: FrameSourceCounts = { indexed: 0, kept: 0, keptBytes: 0, fromMemory: 0, seeked: 0, fromStart: 0, fellBack: 0 };
  private readonly cacheBytes: number;

  constructor(private readonly options: FrameSourceOptions = {}) {
    this.cacheBytes = options.cacheBytes ?? DEFAULT_FRAME_CACHE_BYTES;
    if (!(this.cacheBytes >= 0)) throw new ConfigError('cacheBytes', { expected: 'a number of bytes >= 0', received: String(options.cacheBytes) });
  }

  /**
   * The file's frame index (its first call decodes the file once; failures are not remembered).
   *
   * @example
   * const { numFrames, fps } = await source.index('clip.mp4');
   */
  async index(path: string): Promise<FrameIndex> {
    return (await this.video(path)).index;
  }

  /**
   * Frames `wanted` of the file, `[K, H, W, 3]` RGB bytes in the order asked (repeats allowed).
   *
   * @example
   * const { frames } = await source.frames('clip.mp4', Int32Array.of(0, 0, 1));
   */
  async frames(path: string, wanted: Int32Array): Promise<{ frames: Uint8Array; height: number; width: number }> {
    const video = await this.video(path);
    if (video.frames !== null) {
      const { data, height, width } = video.frames;
      const n = height * width * 3;
      const frames = new Uint8Array(wanted.length * n); // [K, H, W, 3]
      wanted.forEach((f, i) => {
        if (!(f >= 0 && f < video.index.numFrames)) throw new ConfigError(`frames[${i}] of ${path}`, { expected: `an integer in [0, ${video.index.numFrames})`, received: String(f) });
        frames.set(data.subarray(f * n, (f + 1) * n), i * n);
      });
      this.tally.fromMemory++;
      return { frames, height, width };
    }
    const got = await decodeFrames(video.index, wanted, this.options.decode);
    this.tally.seeked += got.seeks;
    this.tally.fromStart += got.fromStart;
    this.tally.fellBack += got.fallbacks;
    return got;
  }

  /**
   * What was decoded how so far.
   *
   * @example
   * console.log(source.counts().fromMemory);
   */
  counts(): FrameSourceCounts {
    return { ...this.tally };
  }

  private video(path: string): Promise<IndexedVideo> {
    let video = this.videos.get(path);
    if (video === undefined) {
      const decode = this.options.decode ?? {};
      // One video may take 1/16 of the budget: several index passes run at once, each holding up to
      // that much output before it knows whether the video fits, so together they stay within it.
      const room = Math.min(this.cacheBytes - this.tally.keptBytes, this.cacheBytes / 16);
      video = indexVideo(path, {
        ffmpegPath: decode.ffmpegPath,
        tolerateErrors: decode.tolerateErrors,
        ...(room > 0 ? { keep: { size: decode.size, maxBytes: room } } : {}),
      }).then((v) => {
        const bytes = v.frames?.data.length ?? 0;
        // passes run concurrently: admit the frames only if they still fit
        if (v.frames === null || this.tally.keptBytes + bytes > this.cacheBytes) return { index: v.index, frames: null };
        this.tally.kept++;
        this.tally.keptBytes += bytes;
        return v;
      });
      this.tally.indexed++;
      this.videos.set(path, video);
      video.catch(() => this.videos.delete(path)); // the caller sees the error; a later read retries
    }
    return video;
  }
}
