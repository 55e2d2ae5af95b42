import { ConfigError, DataError } from '@vjepa/errors';
import { scaleFilter } from './decode-video';
import { checkFfmpegRun, type FfmpegRun, runFfmpeg } from './ffmpeg-run';
import { type FrameIndex, framePts, parseShowinfo } from './frame-index';

/**
 * Options of {@link decodeFrames} (those of `decodeVideo` that keep frame identity: no `fps`).
 *
 * @example
 * const opts: FrameDecodeOptions = { size: 37 };
 */
export interface FrameDecodeOptions {
  /** ffmpeg binary; else env `VJEPA_FFMPEG`; else the `@ffmpeg-installer/ffmpeg` binary. */
  ffmpegPath?: string;
  /** `[h, w]` for an exact (bilinear) resize, or a number for the short side; applied to the selected frames only. */
  size?: readonly [number, number] | number;
  /** Accept frames from a decode that logged errors (see `DecodeOptions.tolerateErrors`). Default false. */
  tolerateErrors?: boolean;
}

/**
 * The requested frames, `[K, H, W, 3]` RGB bytes in the order asked (repeats allowed), and how they
 * were read: `seeks` ffmpeg runs that started at a keyframe, `fromStart` runs that decoded from the
 * first frame, `fallbacks` seeks whose output did not check out and were redone from the start.
 *
 * @example
 * const { frames, count, height, width } = await decodeFrames(index, [40, 41, 42]);
 */
export interface DecodedFrames {
  frames: Uint8Array;
  count: number;
  height: number;
  width: number;
  seeks: number;
  fromStart: number;
  fallbacks: number;
}

/** One ffmpeg run: start at keyframe `key` (0: the first frame) and output the sorted `frames`. */
interface Segment {
  key: number;
  frames: number[];
}

/** The last keyframe at or before frame `f` (0 when none). */
function keyBefore(keyframes: Int32Array, f: number): number {
  let lo = 0;
  let hi = keyframes.length - 1;
  let best = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((keyframes[mid] as number) <= f) {
      best = keyframes[mid] as number;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

/**
 * Frames decoded (about) as cheaply as starting one more ffmpeg process: a run seeks to a keyframe
 * only when that skips more than this many frames.
 */
const MIN_SKIP = 16;

/**
 * Groups sorted frame indices into ffmpeg runs. A run starts at the keyframe before its first frame
 * (key 0: from the first frame); the next wanted frame joins the current run unless a keyframe more
 * than {@link MIN_SKIP} frames after the current run's last frame lets a new run skip the gap.
 *
 * @example
 * planSegments(Int32Array.of(0, 100, 200), [5, 9, 150, 160]); // [{ key: 0, frames: [5, 9] }, { key: 100, frames: [150, 160] }]
 */
export function planSegments(keyframes: Int32Array, sorted: readonly number[]): Segment[] {
  const segments: Segment[] = [];
  let last: Segment | undefined;
  for (const f of sorted) {
    const key = keyBefore(keyframes, f);
    const prev = last === undefined ? 0 : (last.frames[last.frames.length - 1] as number);
    if (last === undefined || key > prev + MIN_SKIP) {
      last = { key: key > MIN_SKIP ? key : 0, frames: [f] };
      segments.push(last);
    } else last.frames.push(f);
  }
  return segments;
}

/** Seconds of frame `k` (absolute, as the stream's timestamps). */
function frameTime(index: FrameIndex, k: number): number {
  const [num, den] = index.timeBase as readonly [number, number];
  return (framePts(index.pts as NonNullable<FrameIndex['pts']>, k) * num) / den;
}

/**
 * The `-ss` value (seconds from the container start) that lands the demuxer on keyframe `key`:
 * half way to the next frame, so rounding cannot fall before the keyframe; plus the 3/23 s that
 * ffmpeg takes off when a stream has B-frames (it then seeks by decode timestamps), unless that
 * would reach the next keyframe. Landing on an earlier keyframe only costs decoding; a later one is
 * caught by the timestamp check and redone from the start.
 */
function seekTarget(index: FrameIndex, key: number): number {
  const t = frameTime(index, key);
  const next = key + 1 < index.numFrames ? frameTime(index, key + 1) : t + 1e-3;
  let target = (t + next) / 2;
  if (index.hasBFrames) {
    const after = index.keyframes.find((k) => k > key);
    const shifted = target + 3 / 23;
    if (after === undefined || frameTime(index, after) > shifted + (next - t)) target = shifted;
  }
  return target - index.startSec;
}

function baseArgs(seekSec: number | null, path: string): string[] {
  // one decoder thread: the loader runs several of these at once, and frame threads only add work
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'level+info', '-threads', '1', '-copyts'];
  if (seekSec !== null) args.push('-noaccurate_seek', '-ss', seekSec.toFixed(6));
  args.push('-i', path, '-map', '0:v:0', '-an', '-sn');
  return args;
}

function outputArgs(select: string, scale: string | null, count: number): string[] {
  const chain = [`select='${select}'`, ...(scale === null ? [] : [scale]), 'showinfo'];
  return ['-vf', chain.join(','), '-vsync', 'passthrough', '-frames:v', String(count), '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'];
}

/** Output frame size when the run produced exactly `count` whole frames, else null. */
function outputSize(run: FfmpegRun, count: number): { height: number; width: number } | null {
  const out = run.info.output;
  if (out === null) return null;
  return run.stdout.length === count * out.width * out.height * 3 ? { height: out.height, width: out.width } : null;
}

/**
 * Decodes only the frames `wanted` (indices into the full decode that `index` describes), exactly:
 * each group of nearby frames is one ffmpeg run that seeks to the keyframe before it (`-ss`,
 * `-noaccurate_seek`, `-copyts`), keeps the wanted frames by their exact timestamps (`select`), scales
 * only those, and stops after the last (`-frames:v`). `showinfo` reports the timestamps of what came
 * out; a run whose frames are not exactly the keyframe and the wanted ones (a demuxer that seeks past
 * the keyframe) is redone from the first frame, selecting by frame count, which is exact by
 * construction. Files without usable timestamps always decode from the start. The pixels are those
 * of `decodeVideo(path, { size })` at the same indices (tested on real clips).
 *
 * @example
 * const index = await indexVideo('clip.mp4');
 * const clip = await decodeFrames(index, [120, 124, 128, 132], { size: 64 }); // clip.frames: [4, 64, W, 3]
 */
export async function decodeFrames(index: FrameIndex, wanted: ArrayLike<number>, options: FrameDecodeOptions = {}): Promise<DecodedFrames> {
  const scale = scaleFilter(options.size);
  if (wanted.length === 0) throw new ConfigError('decodeFrames: frames', { expected: 'at least one frame index', received: '[]' });
  for (let i = 0; i < wanted.length; i++) {
    const f = wanted[i] as number;
    if (!(Number.isInteger(f) && f >= 0 && f < index.numFrames)) {
      throw new ConfigError(`decodeFrames: frames[${i}] of ${index.path}`, { expected: `an integer in [0, ${index.numFrames})`, received: String(f) });
    }
  }
  const sorted = [...new Set(Array.from(wanted))].sort((a, b) => a - b);
  const seekable = index.pts !== null && index.timeBase !== null;
  const segments = seekable ? planSegments(index.keyframes, sorted) : [{ key: 0, frames: sorted }];
  const tolerate = options.tolerateErrors === true;
  const result = { seeks: 0, fromStart: 0, fallbacks: 0 };
  const parts: Uint8Array[] = [];
  let size: { height: number; width: number } | null = null;

  const fromStart = async (frames: number[]) => {
    result.fromStart++;
    const select = frames.map((f) => `eq(n,${f})`).join('+');
    const run = await runFfmpeg(index.path, [...baseArgs(null, index.path), ...outputArgs(select, scale, frames.length)], options.ffmpegPath);
    checkFfmpegRun(index.path, run, tolerate);
    const got = outputSize(run, frames.length);
    if (got === null) {
      throw new DataError(index.path, {
        expected: `${frames.length} frame(s) ${frames.join(', ')} of ${index.numFrames}`,
        received: `${run.stdout.length} bytes of ${run.info.output?.width}x${run.info.output?.height} RGB; ffmpeg said: ${run.info.lastLine}`,
        hint: 'the file may have changed since it was indexed.',
      });
    }
    return { bytes: run.stdout, got };
  };

  const seek = async (segment: Segment) => {
    const pts = index.pts as NonNullable<FrameIndex['pts']>;
    // The keyframe is output too: seeing it proves the decode went through it, so every later
    // frame is whole whatever the demuxer landed on before it.
    const withKey = segment.frames[0] === segment.key ? segment.frames : [segment.key, ...segment.frames];
    const expected = withKey.map((f) => framePts(pts, f));
    const select = expected.map((p) => `eq(pts,${p})`).join('+');
    const args = [...baseArgs(seekTarget(index, segment.key), index.path), ...outputArgs(select, scale, expected.length)];
    const run = await runFfmpeg(index.path, args, options.ffmpegPath);
    const got = outputSize(run, expected.length);
    const out = parseShowinfo(run.stderr).frames.map((f) => f.pts);
    // Decoder errors are not checked here: the index pass decoded the whole file without any (or
    // tolerateErrors allowed them), so these come from frames before the keyframe that reference
    // earlier ones (leading B-frames of an open GOP), which are never output.
    const exact = run.code === 0 && out.length === expected.length && out.every((p, i) => p === expected[i]);
    if (exact && got !== null) {
      result.seeks++;
      const skip = (withKey.length - segment.frames.length) * got.height * got.width * 3;
      return { bytes: run.stdout.subarray(skip), got };
    }
    result.fallbacks++;
    return fromStart(segment.frames);
  };

  for (const segment of segments) {
    const { bytes, got } = segment.key === 0 ? await fromStart(segment.frames) : await seek(segment);
    if (size !== null && (size.height !== got.height || size.width !== got.width)) {
      throw new DataError(index.path, { expected: `frames of one size (${size.width}x${size.height})`, received: `${got.width}x${got.height}` });
    }
    size = got;
    parts.push(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
  }

  const { height, width } = size as { height: number; width: number };
  const frameBytes = height * width * 3;
  const at = new Map<number, { part: Uint8Array; offset: number }>();
  let s = 0;
  for (const segment of segments) {
    segment.frames.forEach((f, i) => at.set(f, { part: parts[s] as Uint8Array, offset: i * frameBytes }));
    s++;
  }
  const frames = new Uint8Array(wanted.length * frameBytes); // [K, H, W, 3]
  for (let i = 0; i < wanted.length; i++) {
    const { part, offset } = at.get(wanted[i] as number) as { part: Uint8Array; offset: number };
    frames.set(part.subarray(offset, offset + frameBytes), i * frameBytes);
  }
  return { frames, count: wanted.length, height, width, ...result };
}
