import { DataError } from '@vjepa/errors';
import { scaleFilter } from './decode-video';
import { checkFfmpegRun, runFfmpeg } from './ffmpeg-run';

/**
 * Presentation timestamps of every decoded frame, in stream time-base ticks: `{ first, step }` when
 * they are evenly spaced (no per-frame memory), else one number per frame.
 *
 * @example
 * const pts: FramePts = { first: 0, step: 512 }; // frame k at 512 * k
 */
export type FramePts = { first: number; step: number } | Float64Array;

/**
 * What one full decode of a video says about its frames, enough to decode any frame later without
 * decoding the whole file: the frame count of a full decode (so clip sampling sees exactly the frames
 * a full decode gives), each frame's timestamp, and which frames are keyframes (where a decode can
 * start). Built by {@link indexVideo}.
 *
 * @example
 * const index = await indexVideo('clip.mp4');
 * console.log(index.numFrames, index.keyframes); // 256, Int32Array [0, 122]
 */
export interface FrameIndex {
  path: string;
  /** Frames a full decode gives (`-vsync passthrough`: every decoder output frame once). */
  numFrames: number;
  /** Source frame rate (fps, else tbr), 0 when unknown. */
  fps: number;
  /** Container duration in seconds, or null (images). */
  durationSec: number | null;
  /** Container start time in seconds (what `-ss` counts from); 0 when ffmpeg prints none. */
  startSec: number;
  sourceHeight: number;
  sourceWidth: number;
  /** The stream time base `[num, den]` (seconds per pts tick), or null when ffmpeg did not print it. */
  timeBase: readonly [number, number] | null;
  /**
   * Per-frame timestamps, strictly increasing; null when some frame has none or they are not
   * increasing (such files are decoded from the start and frames picked by count).
   */
  pts: FramePts | null;
  /** Sorted indices of the frames the decoder marked as keyframes (intra ones: where a decode can start). */
  keyframes: Int32Array;
  /** Whether any frame is a B-frame (the demuxer then seeks by decode timestamps; see decode-frames). */
  hasBFrames: boolean;
}

/**
 * The timestamp of frame `k` in time-base ticks.
 *
 * @example
 * framePts({ first: 0, step: 512 }, 3); // 1536
 */
export function framePts(pts: FramePts, k: number): number {
  return pts instanceof Float64Array ? (pts[k] as number) : pts.first + k * pts.step;
}

/**
 * One frame as `showinfo` logs it.
 *
 * @example
 * const f: ShowinfoFrame = { n: 0, pts: 0, key: true, type: 'I' };
 */
export interface ShowinfoFrame {
  n: number;
  /** null for `NOPTS`. */
  pts: number | null;
  key: boolean;
  type: string;
}

const SHOWINFO_FRAME = /showinfo.*\bn:\s*(\d+)\s+pts:\s*(\S+)\s.*\biskey:(\d)\s+type:(\S)/;
const SHOWINFO_TB = /showinfo.*config in time_base: (\d+)\/(\d+)/;

/**
 * Reads the per-frame lines (and the input time base) of ffmpeg's `showinfo` filter from stderr.
 *
 * @example
 * parseShowinfo('[Parsed_showinfo_1 @ 0x1] [info] n:   0 pts:   512 pts_time:0.04 pos: 48 fmt:yuv420p iskey:1 type:I checksum:0');
 * // { timeBase: null, frames: [{ n: 0, pts: 512, key: true, type: 'I' }] }
 */
export function parseShowinfo(stderr: string): { timeBase: [number, number] | null; frames: ShowinfoFrame[] } {
  let timeBase: [number, number] | null = null;
  const frames: ShowinfoFrame[] = [];
  for (const line of stderr.split(/\r\n|\r|\n/)) {
    if (!line.includes('showinfo')) continue;
    const f = SHOWINFO_FRAME.exec(line);
    if (f) {
      const pts = Number(f[2]);
      frames.push({ n: Number(f[1]), pts: Number.isSafeInteger(pts) ? pts : null, key: f[3] === '1', type: f[4] as string });
      continue;
    }
    const tb = SHOWINFO_TB.exec(line);
    if (tb && timeBase === null && Number(tb[1]) > 0 && Number(tb[2]) > 0) timeBase = [Number(tb[1]), Number(tb[2])];
  }
  return { timeBase, frames };
}

/** Evenly spaced timestamps as `{ first, step }`, others as they are; null when missing or not increasing. */
function compactPts(frames: readonly ShowinfoFrame[]): FramePts | null {
  const pts = new Float64Array(frames.length);
  for (let k = 0; k < frames.length; k++) {
    const p = (frames[k] as ShowinfoFrame).pts;
    if (p === null || (k > 0 && p <= (pts[k - 1] as number))) return null;
    pts[k] = p;
  }
  if (frames.length < 2) return { first: pts[0] ?? 0, step: 1 };
  const step = (pts[1] as number) - (pts[0] as number);
  for (let k = 2; k < pts.length; k++) if ((pts[k] as number) - (pts[k - 1] as number) !== step) return pts;
  return { first: pts[0] as number, step };
}

/**
 * Options of {@link indexVideo}.
 *
 * @example
 * const opts: IndexOptions = { ffmpegPath: '/usr/bin/ffmpeg', keep: { size: 37, maxBytes: 64 << 20 } };
 */
export interface IndexOptions {
  /** ffmpeg binary; else env `VJEPA_FFMPEG`; else the `@ffmpeg-installer/ffmpeg` binary. */
  ffmpegPath?: string;
  /** Accept a video whose decode logged errors (see `DecodeOptions.tolerateErrors`). Default false. */
  tolerateErrors?: boolean;
  /**
   * Also return every frame, decoded at `size` (as `decodeVideo`'s option), when they come to at most
   * `maxBytes` bytes; larger videos return none (the pass keeps no more than that in memory).
   */
  keep?: { size?: readonly [number, number] | number; maxBytes: number };
}

/**
 * A video's {@link FrameIndex} and, when {@link IndexOptions.keep} asked and they fitted, all its frames.
 *
 * @example
 * const { index, frames } = await indexVideo('clip.mp4', { keep: { size: 37, maxBytes: 1 << 26 } });
 */
export interface IndexedVideo {
  index: FrameIndex;
  /** `[numFrames, height, width, 3]` RGB bytes, or null. */
  frames: { data: Uint8Array; height: number; width: number } | null;
}

/**
 * Decodes a video once to build its {@link FrameIndex}: ffmpeg decodes every frame (`-copyts -vsync
 * passthrough`, so timestamps are the stream's own and no frame is dropped or repeated) and `showinfo`
 * logs each one, on a 16x16 corner (a crop, no copy) when no frames are kept, else after the scale to
 * `keep.size` (the kept frames are then byte for byte `decodeVideo(path, { size })`'s). Costs about one
 * full decode; refuses the same files as `decodeVideo` does, with the same `DataError`s.
 *
 * @example
 * const { index } = await indexVideo('fixtures/videos/lego-technic.mp4');
 * index.numFrames; // 166 (what decodeVideo gives)
 */
export async function indexVideo(path: string, options: IndexOptions = {}): Promise<IndexedVideo> {
  const keep = options.keep;
  const scale = keep === undefined ? null : scaleFilter(keep.size);
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'level+info', '-threads', '1', '-copyts', '-i', path, '-map', '0:v:0', '-an', '-sn'];
  if (keep === undefined) {
    args.push('-vf', "crop=w='min(iw,16)':h='min(ih,16)':x=0:y=0,showinfo", '-vsync', 'passthrough', '-f', 'null', '-');
  } else {
    args.push('-vf', [...(scale === null ? [] : [scale]), 'showinfo'].join(','), '-vsync', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1');
  }
  const run = await runFfmpeg(path, args, options.ffmpegPath, keep?.maxBytes ?? 0);
  checkFfmpegRun(path, run, options.tolerateErrors === true);
  const { timeBase, frames } = parseShowinfo(run.stderr);
  const input = run.info.input as { width: number; height: number };
  if (frames.length === 0) {
    throw new DataError(path, { expected: 'a video with at least one decodable frame', received: `0 frames; ffmpeg said: ${run.info.lastLine}` });
  }
  // A seek may start only at an intra keyframe: a key P-frame is a gradual-refresh recovery point,
  // whose following frames are not yet whole. Codecs without picture types ('?') are taken at their word.
  const keyframes = Int32Array.from(frames.flatMap((f, k) => (f.key && f.type !== 'P' && f.type !== 'B' ? [k] : [])));
  const index: FrameIndex = {
    path,
    numFrames: frames.length,
    fps: run.info.fps ?? 0,
    durationSec: run.info.durationSec,
    startSec: run.info.startSec ?? 0,
    sourceHeight: input.height,
    sourceWidth: input.width,
    timeBase,
    pts: timeBase === null ? null : compactPts(frames),
    keyframes,
    hasBFrames: frames.some((f) => f.type === 'B'),
  };
  const out = run.info.output as { width: number; height: number };
  const whole = keep !== undefined && !run.stdoutDropped && run.stdout.length === frames.length * out.width * out.height * 3;
  const data = whole ? new Uint8Array(run.stdout.buffer, run.stdout.byteOffset, run.stdout.length) : null;
  return { index, frames: data === null ? null : { data, height: out.height, width: out.width } };
}
