import { DataError } from '@vjepa/errors';
import { createEvalTransform } from './augment';
import type { ClipBatch } from './clip-batch';
import { sampleClipIndices } from './clip-sampling';
import type { ClipSampling } from './data-section';
import { decodeVideo } from './decode-video';
import { createDataRng } from './rng';

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
 * Decodes a video (or an image, as repeated frames) and cuts it into evaluation clips: `numClips`
 * centred windows of `numFrames` frames at `frameStep` (the reference clip sampling without
 * randomness), each resized on the short side, centre-cropped to `cropSize` and normalised (the
 * eval transform). Returns one batch `[numClips, T, crop, crop, 3]`.
 *
 * @example
 * const { clips, shape } = await videoClips('clip.mp4', { numFrames: 16, frameStep: 4, numClips: 1, cropSize: 224 }); // shape [1, 16, 224, 224, 3]
 */
export async function videoClips(path: string, clip: ClipSampling, options: VideoClipOptions = {}): Promise<ClipBatch> {
  const crop = clip.cropSize;
  const shortSide = options.shortSide ?? Math.max(crop, Math.round((crop * 256) / 224));
  const video = await decodeVideo(path, { size: shortSide, ffmpegPath: options.ffmpegPath });
  if (video.numFrames < 1) throw new DataError(path, { expected: 'at least one decoded frame', received: '0' });
  const T = clip.numFrames;
  const windows = sampleClipIndices(video.numFrames, video.fps, { framesPerClip: T, frameStep: clip.frameStep, numClips: clip.numClips, randomStart: false }, createDataRng(0));
  const transform = createEvalTransform({ cropSize: crop, shortSide });
  const { height: h, width: w } = video;
  const frame = h * w * 3;
  const out = new Float32Array(windows.length * T * crop * crop * 3);
  windows.forEach((indices, c) => {
    const raw = new Float32Array(T * frame); // [T, h, w, 3] in [0, 1]
    for (let t = 0; t < T; t++) {
      const src = indices[Math.min(t, indices.length - 1)] * frame;
      for (let i = 0; i < frame; i++) raw[t * frame + i] = video.frames[src + i] / 255;
    }
    const sample = transform({ clip: raw, shape: [T, h, w, 3] }, createDataRng(0));
    out.set(sample.clip, c * sample.clip.length);
  });
  return { clips: out, shape: [windows.length, T, crop, crop, 3] };
}
