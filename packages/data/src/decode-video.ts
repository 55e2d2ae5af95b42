import { ConfigError, DataError } from '@vjepa/errors';
import { checkFfmpegRun, runFfmpeg } from './ffmpeg-run';

/**
 * Options of {@link decodeVideo}.
 *
 * @example
 * const opts: DecodeOptions = { size: 128, fps: 10, maxFrames: 64 };
 */
export interface DecodeOptions {
  /** ffmpeg binary; else env `VJEPA_FFMPEG`; else the `@ffmpeg-installer/ffmpeg` binary. */
  ffmpegPath?: string;
  /** `[h, w]` for an exact (bilinear) resize, or a number for the short side (aspect kept). */
  size?: readonly [number, number] | number;
  /** Resample to this frame rate (ffmpeg `fps` filter); default: every decoded frame once. */
  fps?: number;
  /** Stop after this many frames. */
  maxFrames?: number;
  /**
   * Accept output even though the decoder logged errors (corrupt or truncated data). Default false:
   * such a file is refused, because concealed frames are not the video.
   */
  tolerateErrors?: boolean;
}

/**
 * Decoded frames, channels-last `[T, H, W, 3]` uint8 RGB.
 *
 * @example
 * const { frames, numFrames, height, width } = await decodeVideo('clip.mp4');
 * const px = frames[((t * height + y) * width + x) * 3 + c];
 */
export interface DecodedVideo {
  /** `[T, H, W, 3]` RGB bytes. */
  frames: Uint8Array;
  numFrames: number;
  height: number;
  width: number;
  /** Frames per second of the output (the `fps` option or the source rate; 0 if unknown). */
  fps: number;
  /** Size of the source stream before any resize. */
  sourceHeight: number;
  sourceWidth: number;
  /** Container duration in seconds, or null (images). */
  durationSec: number | null;
}

function checkPositiveInt(what: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
    throw new ConfigError(`decodeVideo: ${what}`, { expected: 'a positive integer', received: String(value) });
  }
}

/**
 * The ffmpeg `scale` filter for a decode size (`[h, w]` exact, a number for the short side), or null.
 *
 * @example
 * scaleFilter([32, 48]); // 'scale=48:32:flags=bilinear'
 */
export function scaleFilter(size: DecodeOptions['size']): string | null {
  if (size === undefined) return null;
  if (typeof size === 'number') {
    checkPositiveInt('size', size);
    // The short side becomes `size`; -1 keeps the aspect ratio for the other side.
    return `scale='if(lte(iw,ih),${size},-1)':'if(lte(iw,ih),-1,${size})':flags=bilinear`;
  }
  if (!Array.isArray(size) || size.length !== 2) {
    throw new ConfigError('decodeVideo: size', { expected: '[h, w] or a short-side number', received: JSON.stringify(size) });
  }
  checkPositiveInt('size[0]', size[0]);
  checkPositiveInt('size[1]', size[1]);
  return `scale=${size[1]}:${size[0]}:flags=bilinear`;
}

function ffmpegArgs(path: string, options: DecodeOptions): string[] {
  const filters: string[] = [];
  if (options.fps !== undefined) {
    if (!(Number.isFinite(options.fps) && options.fps > 0)) {
      throw new ConfigError('decodeVideo: fps', { expected: 'a number > 0', received: String(options.fps) });
    }
    filters.push(`fps=${options.fps}`);
  }
  const scale = scaleFilter(options.size);
  if (scale !== null) filters.push(scale);
  checkPositiveInt('maxFrames', options.maxFrames);
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'level+info', '-i', path, '-map', '0:v:0', '-an', '-sn'];
  if (filters.length > 0) args.push('-vf', filters.join(','));
  args.push('-vsync', options.fps === undefined ? 'passthrough' : 'cfr');
  if (options.maxFrames !== undefined) args.push('-frames:v', String(options.maxFrames));
  args.push('-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1');
  return args;
}

/**
 * Decodes a video (or an image, as one frame) to raw RGB through an ffmpeg child process
 * (`-f rawvideo -pix_fmt rgb24 pipe:1`). Metadata comes from ffmpeg's own log.
 * Throws `DataError` naming the file and ffmpeg's last relevant stderr line when the file is
 * missing, not a video, unreadable or truncated.
 *
 * @example
 * const video = await decodeVideo('clip.mp4', { size: 64 });
 * console.log(video.numFrames, video.height, video.width, video.fps);
 */
export async function decodeVideo(path: string, options: DecodeOptions = {}): Promise<DecodedVideo> {
  const args = ffmpegArgs(path, options);
  const run = await runFfmpeg(path, args, options.ffmpegPath);
  checkFfmpegRun(path, run, options.tolerateErrors === true);
  const { stdout, info } = run;
  const out = info.output as { width: number; height: number };
  const input = info.input as { width: number; height: number };
  const frameBytes = out.width * out.height * 3;
  if (stdout.length === 0 || stdout.length % frameBytes !== 0) {
    throw new DataError(path, {
      expected: `a whole number (>= 1) of ${out.width}x${out.height} RGB frames`,
      received: `${stdout.length} bytes; ffmpeg said: ${info.lastLine}`,
    });
  }
  const frames = new Uint8Array(stdout.buffer, stdout.byteOffset, stdout.length);
  return {
    frames,
    numFrames: stdout.length / frameBytes,
    height: out.height,
    width: out.width,
    fps: options.fps ?? info.fps ?? 0,
    sourceHeight: input.height,
    sourceWidth: input.width,
    durationSec: info.durationSec,
  };
}
