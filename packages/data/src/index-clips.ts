import { DataError } from '@vjepa/errors';
import type { ClipSet } from './clip-set';
import type { ClipSampling } from './data-section';
import { type VideoClipOptions, videoClips } from './video-clips';
import { readVideoIndex } from './video-index-dataset';

/**
 * Labelled evaluation clips from an official video index (`path label` per line, labels required,
 * non-negative): each video gives `numClips` eval clips ({@link videoClips}), consecutive in a batch
 * (their tokens are concatenated before the probe, as the reference does with temporal segments).
 * The class count is `max label + 1` unless given.
 *
 * @example
 * const set = await indexClips({ numFrames: 16, frameStep: 4, numClips: 2, cropSize: 224 }, 'test.txt', { numClasses: 5 });
 */
export async function indexClips(clip: ClipSampling, file: string, options: VideoClipOptions & { numClasses?: number } = {}): Promise<ClipSet> {
  const entries = await readVideoIndex(file, 'require');
  const negative = entries.find((e) => (e.label as number) < 0);
  if (negative !== undefined) {
    throw new DataError(`${file} line ${negative.line}`, { expected: 'a non-negative integer class label', received: String(negative.label) });
  }
  const label = Int32Array.from(entries, (e) => e.label as number);
  const numClasses = options.numClasses ?? Math.max(...label) + 1;
  return {
    name: file,
    size: entries.length,
    labels: { label },
    numClasses: { label: numClasses },
    spec: `index|${entries.map((e) => e.path).join('\n')}|frames=${clip.numFrames}x${clip.frameStep}|clips=${clip.numClips}|eval-crop=${clip.cropSize}|imagenet-norm`,
    clipsPerItem: clip.numClips,
    async clips(start, n) {
      const parts: Float32Array[] = [];
      let shape: number[] = [];
      for (let i = start; i < start + n; i++) {
        const c = await videoClips(entries[i].path, clip, options);
        parts.push(c.clips);
        shape = c.shape;
      }
      const clips = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
      parts.reduce((at, p) => (clips.set(p, at), at + p.length), 0);
      return { clips, shape: [n * clip.numClips, shape[1], shape[2], shape[3], shape[4]] };
    },
  };
}
