import { readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { DataError } from '@vjepa/errors';
import type { EvalArch } from './arch-config';
import { createDataRng, createEvalTransform, decodeVideo, sampleClipIndices } from '@vjepa/data';

/** File extensions `extract` treats as videos (or images, evaluated as repeated frames) in a folder. */
export const VIDEO_EXTENSIONS: readonly string[] = ['.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v', '.mpg', '.mpeg', '.ogv', '.gif', '.png', '.jpg', '.jpeg'];

/**
 * Options of {@link videoClips}.
 *
 * @example
 * const opts: VideoClipOptions = { ffmpegPath: '/usr/bin/ffmpeg' };
 */
export interface VideoClipOptions {
  /** ffmpeg binary (default: env `VJEPA_FFMPEG`, else the bundled one). */
  ffmpegPath?: string;
  /** Short side before the centre crop (default `round(crop * 256 / 224)`, as the reference). */
  shortSide?: number;
}

/**
 * Videos (and images) in a folder, sorted by name, recursively.
 *
 * @example
 * listVideos('clips/'); // ['clips/a.mp4', 'clips/b/c.avi']
 */
export function listVideos(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (VIDEO_EXTENSIONS.includes(extname(name).toLowerCase())) out.push(p);
    }
  };
  walk(folder);
  if (out.length === 0) throw new DataError(`folder ${folder}`, { expected: `at least one file with extension ${VIDEO_EXTENSIONS.join(' ')}`, received: 'none' });
  return out;
}

/**
 * Decodes a video and cuts it into the evaluation clips of `arch`: `num_clips` centred windows of
 * `num_frames` frames at `frame_step` (the reference clip sampling without randomness), each resized
 * on the short side, centre-cropped to `crop_size` and normalised (the eval transform).
 * Returns channels-last `[numClips, T, crop, crop, 3]`.
 *
 * @example
 * const { data, shape } = await videoClips('clip.mp4', arch); // shape [1, 16, 224, 224, 3]
 */
export async function videoClips(path: string, arch: EvalArch, options: VideoClipOptions = {}): Promise<{ data: Float32Array; shape: number[] }> {
  const crop = arch.vit.imgSize;
  const shortSide = options.shortSide ?? Math.max(crop, Math.round((crop * 256) / 224));
  const video = await decodeVideo(path, { size: shortSide, ffmpegPath: options.ffmpegPath });
  if (video.numFrames < 1) throw new DataError(path, { expected: 'at least one decoded frame', received: '0' });
  const T = arch.vit.numFrames;
  const clips = sampleClipIndices(video.numFrames, video.fps, { framesPerClip: T, frameStep: arch.frameStep, numClips: arch.numClips, randomStart: false }, createDataRng(0));
  const transform = createEvalTransform({ cropSize: crop, shortSide });
  const { height: h, width: w } = video;
  const frame = h * w * 3;
  const out = new Float32Array(clips.length * T * crop * crop * 3);
  clips.forEach((indices, c) => {
    const raw = new Float32Array(T * frame); // [T, h, w, 3] in [0, 1]
    for (let t = 0; t < T; t++) {
      const src = indices[Math.min(t, indices.length - 1)] * frame;
      for (let i = 0; i < frame; i++) raw[t * frame + i] = video.frames[src + i] / 255;
    }
    const sample = transform({ clip: raw, shape: [T, h, w, 3] }, createDataRng(0));
    out.set(sample.clip, c * sample.clip.length);
  });
  return { data: out, shape: [clips.length, T, crop, crop, 3] };
}
