import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { ConfigError, DataError } from '@vjepa/errors';
import { parseFfmpegInfo } from './ffmpeg-info';
import { resolveFfmpegPath } from './ffmpeg-path';

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

function scaleFilter(size: DecodeOptions['size']): string | null {
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

interface RunResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

function run(bin: string, args: string[], path: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (cause) =>
      reject(
        new DataError(`${path}: could not start ffmpeg`, {
          expected: 'an executable ffmpeg',
          received: `${bin} (${(cause as Error).message})`,
          hint: 'pass ffmpegPath or set VJEPA_FFMPEG to a working ffmpeg >= 4.1.',
          cause,
        }),
      ),
    );
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }));
  });
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
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new Error('not a regular file');
  } catch (cause) {
    throw new DataError(path, { expected: 'an existing video or image file', received: (cause as Error).message, cause });
  }
  const bin = resolveFfmpegPath(options.ffmpegPath);
  const { code, stdout, stderr } = await run(bin, args, path);
  const info = parseFfmpegInfo(stderr);
  const lastError = info.errors[info.errors.length - 1];
  if (code !== 0) {
    // The last two error lines: the demuxer's reason ("moov atom not found") and ffmpeg's summary.
    const said = info.errors.length > 0 ? info.errors.slice(-2).join(' | ') : info.lastLine;
    throw new DataError(path, {
      expected: 'a readable video or image',
      received: `ffmpeg exit code ${code}: ${said}`,
    });
  }
  if (info.errors.length > 0 && options.tolerateErrors !== true) {
    throw new DataError(path, {
      expected: 'a video that decodes without errors',
      received: `${info.errors.length} decoder error(s), last: ${lastError}`,
      hint: 'the file is probably truncated or corrupt; pass tolerateErrors: true to keep the concealed frames.',
    });
  }
  const out = info.output;
  if (out === null || info.input === null) {
    throw new DataError(path, { expected: 'a video stream in ffmpeg output', received: info.lastLine });
  }
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
    sourceHeight: info.input.height,
    sourceWidth: info.input.width,
    durationSec: info.durationSec,
  };
}
