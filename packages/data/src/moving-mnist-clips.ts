import { ConfigError } from '@vjepa/errors';
import { createEvalTransform } from './augment';
import type { ClipSet } from './clip-set';
import type { ClipSampling } from './data-section';
import { type MnistSplit, loadMnist } from './mnist';
import { MovingMnistDataset } from './moving-mnist';
import { createDataRng } from './rng';

/**
 * Which half of the MNIST test digits a Moving MNIST evaluation set draws from.
 *
 * @example
 * const part: MovingMnistPart = 'probe-test';
 */
export type MovingMnistPart = 'probe-train' | 'probe-test';

/**
 * Options of {@link movingMnistClips}.
 *
 * @example
 * const opts: MovingMnistClipOptions = { part: 'probe-train', count: 400, seed: 11 };
 */
export interface MovingMnistClipOptions {
  part: MovingMnistPart;
  count: number;
  seed: number;
  /** Pre-loaded MNIST test split (default: loaded and checksum-verified). */
  mnist?: MnistSplit;
}

/** The even (probe-train) or odd (probe-test) images of the MNIST test split: disjoint digit images. */
function testHalf(mnist: MnistSplit, part: MovingMnistPart): MnistSplit {
  const offset = part === 'probe-train' ? 0 : 1;
  const count = Math.floor((mnist.count - offset + 1) / 2);
  const images = new Uint8Array(count * 784);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const src = 2 * i + offset;
    images.set(mnist.images.subarray(src * 784, (src + 1) * 784), i * 784);
    labels[i] = mnist.labels[src];
  }
  return { split: 'test', count, images, labels };
}

/**
 * Held-out Moving MNIST for frozen evaluation, from the MNIST **test** digits (never seen in
 * pretraining, which uses the train split): probe-train clips use the even-numbered test images,
 * probe-test clips the odd-numbered ones, so no digit image is shared. Canvas 64 (as pretraining
 * generates it), `numFrames * frameStep` frames of which every `frameStep`-th is kept, then the whole
 * canvas is resized to `cropSize` and normalised (eval transform with short side = crop: no crop).
 * Tasks: `digit` (10 classes, appearance), `direction` (8 classes, temporal), `speed` (3 classes).
 *
 * @example
 * const train = movingMnistClips({ numFrames: 8, frameStep: 1, cropSize: 32 }, { part: 'probe-train', count: 400, seed: 11 });
 * train.labels.direction[0]; // 0..7
 */
export function movingMnistClips(clip: Pick<ClipSampling, 'numFrames' | 'frameStep' | 'cropSize'>, options: MovingMnistClipOptions): ClipSet {
  const { part, count, seed } = options;
  if (!Number.isInteger(count) || count < 1) throw new ConfigError(`moving mnist ${part} count`, { expected: 'an integer >= 1', received: String(count) });
  const T = clip.numFrames;
  const step = clip.frameStep;
  const crop = clip.cropSize;
  const size = Math.max(64, crop);
  const mnist = testHalf(options.mnist ?? loadMnist('test'), part);
  const ds = new MovingMnistDataset({ split: 'test', count, seed, numFrames: T * step, size, mnist });
  const digit = new Int32Array(count);
  const direction = new Int32Array(count);
  const speed = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const t = ds.trajectory(i);
    digit[i] = t.digits[0];
    direction[i] = t.directions[0];
    speed[i] = t.speeds[0];
  }
  const transform = createEvalTransform({ cropSize: crop, shortSide: crop });
  return {
    name: `moving-mnist-${part}`,
    size: count,
    labels: { digit, direction, speed },
    numClasses: { digit: 10, direction: 8, speed: 3 },
    spec: `moving-mnist|mnist-test-${part}|count=${count}|seed=${seed}|canvas=${size}|frames=${T}x${step}|eval-crop=${crop}|short=${crop}|imagenet-norm`,
    clipsPerItem: 1,
    async clips(start, n) {
      const per = T * crop * crop * 3;
      const clips = new Float32Array(n * per);
      for (let i = 0; i < n; i++) {
        const s = ds.get(start + i);
        const frame = size * size * 3;
        const kept = new Float32Array(T * frame); // every step-th frame: [T, size, size, 3]
        for (let t = 0; t < T; t++) kept.set(s.clip.subarray(t * step * frame, (t * step + 1) * frame), t * frame);
        const out = transform({ clip: kept, shape: [T, size, size, 3] }, createDataRng(0));
        clips.set(out.clip, i * per);
      }
      return { clips, shape: [n, T, crop, crop, 3] };
    },
  };
}
