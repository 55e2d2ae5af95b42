import { ConfigError } from '@vjepa/errors';
import type { RandomSource } from './rng';

/**
 * Clip sampling options, named after the official `data` section.
 *
 * @example
 * const opts: ClipSamplingOptions = { framesPerClip: 16, frameStep: 4, numClips: 1 };
 */
export interface ClipSamplingOptions {
  /** Frames in one clip (`frames_per_clip`, default 16). */
  framesPerClip?: number;
  /** Temporal stride of the window (`frame_step`, default 4): the window spans framesPerClip*frameStep frames. */
  frameStep?: number;
  /** Equal temporal partitions of the video, one clip from each (`num_clips`, default 1). */
  numClips?: number;
  /**
   * Window length in seconds (`duration`); when set, the step comes from the frame rate:
   * `frameStep = max(1, ceil(duration * fps / framesPerClip))`, so the window covers at least `duration`.
   */
  duration?: number;
  /** Random window start (training, default true) or a centred window (evaluation). */
  randomStart?: boolean;
}

function positiveInt(what: string, value: number): number {
  if (!(Number.isInteger(value) && value > 0)) {
    throw new ConfigError(`data.${what}`, { expected: 'a positive integer', received: String(value) });
  }
  return value;
}

/**
 * The window in frames that one clip spans (`framesPerClip * frameStep`), and the step used.
 *
 * @example
 * clipWindow(30, { framesPerClip: 16, frameStep: 4 }); // { frameStep: 4, window: 64 }
 * clipWindow(30, { framesPerClip: 16, duration: 2 });  // { frameStep: 4, window: 64 }
 */
export function clipWindow(fps: number, options: ClipSamplingOptions = {}): { frameStep: number; window: number } {
  const fpc = positiveInt('frames_per_clip', options.framesPerClip ?? 16);
  let step: number;
  if (options.duration !== undefined) {
    if (!(Number.isFinite(options.duration) && options.duration > 0)) {
      throw new ConfigError('data.duration', { expected: 'seconds > 0', received: String(options.duration) });
    }
    if (!(Number.isFinite(fps) && fps > 0)) {
      throw new ConfigError('data.duration', {
        expected: 'a known frame rate to convert seconds to frames',
        received: `fps ${fps}`,
        hint: 'use frame_step for sources without a frame rate (images).',
      });
    }
    step = Math.max(1, Math.ceil((options.duration * fps) / fpc));
  } else {
    step = positiveInt('frame_step', options.frameStep ?? 4);
  }
  return { frameStep: step, window: fpc * step };
}

/** `count` points of linspace(start, end) truncated to integers and clipped to `end - 1`. */
function linspaceInts(start: number, end: number, count: number, out: Int32Array, offset: number): void {
  for (let k = 0; k < count; k++) {
    const x = count === 1 ? start : start + (k * (end - start)) / (count - 1);
    out[offset + k] = Math.min(Math.floor(x), end - 1);
  }
}

/**
 * Frame indices of each clip, with the reference semantics: the video is cut into `numClips` equal
 * partitions; in each, a window of `framesPerClip * frameStep` frames starts at a uniform random
 * frame (so it fits), and the clip is `framesPerClip` evenly spaced integers over the window
 * (linspace, stride `window / (framesPerClip - 1)`, last index clipped into the window). A partition
 * shorter than the window gives `floor(len / frameStep)` evenly spaced frames over the whole
 * partition, padded by repeating the last one. Pure: the only randomness is `rng`.
 *
 * @example
 * sampleClipIndices(100, 30, { framesPerClip: 4, frameStep: 2 }, createDataRng(0));
 * // e.g. [Int32Array [37, 39, 42, 44]]
 */
export function sampleClipIndices(
  numFrames: number,
  fps: number,
  options: ClipSamplingOptions,
  rng: RandomSource,
): Int32Array[] {
  positiveInt('numFrames (frames in the video)', numFrames);
  const fpc = options.framesPerClip ?? 16;
  const numClips = positiveInt('num_clips', options.numClips ?? 1);
  const { frameStep, window } = clipWindow(fps, options);
  // With fewer frames than clips the partitions overlap on single frames.
  const partition = Math.max(1, Math.floor(numFrames / numClips));
  const clips: Int32Array[] = [];
  for (let c = 0; c < numClips; c++) {
    const base = Math.min(c * partition, numFrames - 1);
    const len = Math.min(partition, numFrames - base);
    const idx = new Int32Array(fpc);
    if (len >= window) {
      const free = len - window; // the window may start anywhere in [0, free]
      const start = options.randomStart === false ? Math.floor(free / 2) : Math.floor(rng.next() * (free + 1));
      linspaceInts(start, start + window, fpc, idx, 0);
    } else {
      const m = Math.min(fpc, Math.max(1, Math.floor(len / frameStep)));
      linspaceInts(0, len, m, idx, 0);
      idx.fill(idx[m - 1] as number, m); // pad by repeating the last frame
    }
    for (let k = 0; k < fpc; k++) idx[k] = (idx[k] as number) + base;
    clips.push(idx);
  }
  return clips;
}
