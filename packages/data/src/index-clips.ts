import { ConfigError, DataError } from '@vjepa/errors';
import type { ClipSet } from './clip-set';
import type { ClipSampling } from './data-section';
import { type VideoClipOptions, videoClips } from './video-clips';
import { MAX_CLASSES, readVideoIndex } from './video-index-dataset';

/**
 * Labelled evaluation clips from an official video index (`path label` per line, labels required,
 * non-negative): each video gives `numClips` eval clips ({@link videoClips}), consecutive in a batch
 * (their tokens are concatenated before the probe, as the reference does with temporal segments).
 * The class count is `max label + 1` unless given (`numClasses`, an integer in 2 ..
 * {@link MAX_CLASSES}, above every label). Labels are validated before anything is allocated for
 * them: an integer in `[0, numClasses)`, never wrapped. `describe(i)` names item `i` (path and line)
 * for messages about a video that fails to decode.
 *
 * @example
 * const set = await indexClips({ numFrames: 16, frameStep: 4, numClips: 2, cropSize: 224 }, 'test.txt', { numClasses: 5 });
 */
export async function indexClips(clip: ClipSampling, file: string, options: VideoClipOptions & { numClasses?: number } = {}): Promise<ClipSet> {
  const entries = await readVideoIndex(file, 'require');
  if (options.numClasses !== undefined && !(Number.isInteger(options.numClasses) && options.numClasses >= 2 && options.numClasses <= MAX_CLASSES)) {
    throw new ConfigError('numClasses', { expected: `an integer in 2 .. ${MAX_CLASSES}`, received: String(options.numClasses) });
  }
  let maxLabel = -1;
  for (const e of entries) {
    const l = e.label as number;
    if (l < 0 || (options.numClasses !== undefined && l >= options.numClasses)) {
      throw new DataError(`${file} line ${e.line}: label`, {
        expected: options.numClasses === undefined ? 'a non-negative integer class label' : `a class label in 0 .. ${options.numClasses - 1} (numClasses ${options.numClasses})`,
        received: String(l),
      });
    }
    if (l > maxLabel) maxLabel = l;
  }
  const label = Int32Array.from(entries, (e) => e.label as number);
  const numClasses = options.numClasses ?? maxLabel + 1;
  return {
    name: file,
    size: entries.length,
    labels: { label },
    numClasses: { label: numClasses },
    spec: `index|${entries.map((e) => e.path).join('\n')}|frames=${clip.numFrames}x${clip.frameStep}|clips=${clip.numClips}|eval-crop=${clip.cropSize}|imagenet-norm`,
    clipsPerItem: clip.numClips,
    describe: (i) => `${entries[i].path} (${file} line ${entries[i].line})`,
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
