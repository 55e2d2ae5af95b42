import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError, DataError } from '@vjepa/errors';
import type { EvalArch } from './arch-config';
import { MovingMnistDataset, type MnistSplit, createDataRng, createEvalTransform, loadMnist } from '@vjepa/data';
import { videoClips } from './video-clips';

/**
 * A labelled set of evaluation clips. Clips are produced on demand, in order, so their features can
 * be computed once and cached; `spec` identifies the clips and their transform for the cache key.
 *
 * @example
 * const set = movingMnistClips(arch, { part: 'probe-test', count: 200, seed: 1 });
 * const { data, shape } = await set.clips(0, 16); // shape [16, T, crop, crop, 3]
 */
export interface ClipSet {
  readonly name: string;
  readonly size: number;
  /** Label arrays by task name (`digit`, `direction`, ... or `label` for an index). */
  readonly labels: Readonly<Record<string, Int32Array>>;
  /** Classes per task. */
  readonly numClasses: Readonly<Record<string, number>>;
  /** Everything that determines the clips (data, sampling, transform), for cache keys. */
  readonly spec: string;
  /** Clips `[start, start + count)` as channels-last `[count * clipsPerItem, T, H, W, 3]`. */
  clips(start: number, count: number): Promise<{ data: Float32Array; shape: number[] }>;
  /** Clips per item (segments whose tokens are concatenated before the probe); default 1. */
  readonly clipsPerItem: number;
}

/** Which half of the MNIST test digits a Moving MNIST evaluation set draws from. */
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
 * probe-test clips the odd-numbered ones, so no digit image is shared. Canvas 64 (as the train app
 * generates), `num_frames * frame_step` frames of which every `frame_step`-th is kept, then the whole
 * canvas is resized to `crop_size` and normalised (eval transform with short side = crop: no crop).
 * Tasks: `digit` (10 classes, appearance) and `direction` (8 classes, temporal).
 *
 * @example
 * const train = movingMnistClips(arch, { part: 'probe-train', count: 400, seed: 11 });
 * train.labels.direction[0]; // 0..7
 */
export function movingMnistClips(arch: EvalArch, options: MovingMnistClipOptions): ClipSet {
  const { part, count, seed } = options;
  if (!Number.isInteger(count) || count < 1) throw new ConfigError(`moving mnist ${part} count`, { expected: 'an integer >= 1', received: String(count) });
  const T = arch.vit.numFrames;
  const step = arch.frameStep;
  const crop = arch.vit.imgSize;
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
      const data = new Float32Array(n * per);
      for (let i = 0; i < n; i++) {
        const s = ds.get(start + i);
        const frame = size * size * 3;
        const kept = new Float32Array(T * frame); // every step-th frame: [T, size, size, 3]
        for (let t = 0; t < T; t++) kept.set(s.clip.subarray(t * step * frame, (t * step + 1) * frame), t * frame);
        const out = transform({ clip: kept, shape: [T, size, size, 3] }, createDataRng(0));
        data.set(out.clip, i * per);
      }
      return { data, shape: [n, T, crop, crop, 3] };
    },
  };
}

/**
 * One `path label` entry of a video index.
 *
 * @example
 * const e: IndexEntry = { path: '/data/a.mp4', label: 3, line: 1 };
 */
export interface IndexEntry {
  path: string;
  label: number;
  line: number;
}

/**
 * Parses a video index (one `path label` per line, space-delimited as the reference's; paths are
 * resolved against the index's folder; blank lines and `#` comments skipped). A missing or
 * non-integer label is a DataError naming the file and line.
 *
 * @example
 * parseVideoIndex('a.mp4 0\nb.mp4 1\n', 'train.txt'); // [{ path: '.../a.mp4', label: 0, line: 1 }, ...]
 */
export function parseVideoIndex(text: string, file: string): IndexEntry[] {
  const out: IndexEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const cut = line.lastIndexOf(' ');
    const where = `${file}:${i + 1}`;
    if (cut < 0) throw new DataError(`${where}: label`, { expected: '"path label" with an integer class label', received: JSON.stringify(line), hint: 'each line is a video path, a space, and its integer class' });
    const path = line.slice(0, cut).trim();
    const labelText = line.slice(cut + 1);
    if (!/^\d+$/.test(labelText)) {
      throw new DataError(`${where}: label`, { expected: 'a non-negative integer class label', received: JSON.stringify(labelText), hint: `the line was ${JSON.stringify(line)}` });
    }
    out.push({ path: isAbsolute(path) ? path : resolve(dirname(file), path), label: Number(labelText), line: i + 1 });
  });
  if (out.length === 0) throw new DataError(file, { expected: 'at least one "path label" line', received: 'none' });
  return out;
}

/**
 * Reads a video index file; see {@link parseVideoIndex}.
 *
 * @example
 * const entries = readVideoIndex('train.txt');
 */
export function readVideoIndex(file: string): IndexEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new DataError(`video index ${file}`, { expected: 'a readable "path label" file', received: (e as Error).message, cause: e });
  }
  return parseVideoIndex(text, file);
}

/**
 * Labelled clips from a video index: each video gives `num_clips` eval clips (their tokens are
 * concatenated before the probe, as the reference does with temporal segments). The class count is
 * `max label + 1` unless given.
 *
 * @example
 * const set = indexClips(arch, 'train.txt', { numClasses: 5 });
 */
export function indexClips(arch: EvalArch, file: string, options: { numClasses?: number; ffmpegPath?: string } = {}): ClipSet {
  const entries = readVideoIndex(file);
  const label = Int32Array.from(entries, (e) => e.label);
  const numClasses = options.numClasses ?? Math.max(...label) + 1;
  const v = arch.vit;
  return {
    name: file,
    size: entries.length,
    labels: { label },
    numClasses: { label: numClasses },
    spec: `index|${entries.map((e) => e.path).join('\n')}|frames=${v.numFrames}x${arch.frameStep}|clips=${arch.numClips}|eval-crop=${v.imgSize}|imagenet-norm`,
    clipsPerItem: arch.numClips,
    async clips(start, n) {
      const parts: Float32Array[] = [];
      let shape: number[] = [];
      for (let i = start; i < start + n; i++) {
        const c = await videoClips(entries[i].path, arch, { ffmpegPath: options.ffmpegPath });
        parts.push(c.data);
        shape = c.shape;
      }
      const data = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
      parts.reduce((at, p) => (data.set(p, at), at + p.length), 0);
      return { data, shape: [n * arch.numClips, ...shape.slice(1)] };
    },
  };
}
