import { availableParallelism } from 'node:os';
import { ConfigError, DataError, ShapeError } from '@vjepa/errors';
import { createDataRng, mixSeed } from './rng';
import type { Dataset, Sample, Transform } from './sample';

/**
 * One batch: clips stacked channels-last `[B, T, H, W, 3]` (ready for `tf.tensor5d(clips, shape)`).
 *
 * @example
 * for await (const b of loader) tf.tensor5d(b.clips, b.shape);
 */
export interface Batch {
  clips: Float32Array;
  shape: [number, number, number, number, number];
  /** One Int32Array of length B per label name, when the dataset has labels. */
  labels?: Record<string, Int32Array>;
  /** Dataset indices of the B samples. */
  indices: Int32Array;
  epoch: number;
  /** Batch number within the epoch (resume with `startStep: step + 1`). */
  step: number;
}

/**
 * Options of {@link createLoader}.
 *
 * @example
 * const opts: LoaderOptions = { batchSize: 8, seed: 0, shuffle: true, prefetch: 2 };
 */
export interface LoaderOptions {
  batchSize: number;
  /** Seed of the order and of every sample's randomness (default 0). */
  seed?: number;
  /** Shuffle each epoch (default true). */
  shuffle?: boolean;
  /** Batches requested ahead of the consumer (default 2). */
  prefetch?: number;
  /** Per-sample transform (augmentation, normalisation). */
  transform?: Transform;
  /** Drop the last incomplete batch of each epoch (default false). */
  dropLast?: boolean;
  /** Epoch to start at (default 0) and batch within it (default 0): resume exactly. */
  startEpoch?: number;
  startStep?: number;
  /** Epochs to iterate before the iterator ends (default 1; Infinity allowed). */
  epochs?: number;
  /** Samples loaded at once (ffmpeg processes), default `max(2, availableParallelism(), min(batchSize, 16))`. */
  concurrency?: number;
}

/**
 * The loader: an async iterable of {@link Batch}es plus what a trainer needs to plan and resume.
 *
 * @example
 * const loader = createLoader(ds, { batchSize: 4 });
 * console.log(loader.batchesPerEpoch);
 */
export interface Loader extends AsyncIterable<Batch> {
  readonly batchesPerEpoch: number;
  /** The dataset indices of batch `step` of `epoch`, without loading anything. */
  batchIndices(epoch: number, step: number): Int32Array;
}

function checkInt(what: string, v: number, min: number): void {
  if (!(Number.isInteger(v) && v >= min)) throw new ConfigError(`loader.${what}`, { expected: `an integer >= ${min}`, received: String(v) });
}

/** A FIFO semaphore: earlier batches get their slots first. */
function limiter(max: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= max) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/**
 * Batches a dataset with background prefetching. Order and augmentation depend only on
 * (seed, epoch, index), never on timing: epoch e is a shuffle seeded by (seed, e), and sample i gets
 * random sources seeded by (seed, epoch, i) for `dataset.get` and for `transform`. While the consumer
 * holds batch k, batches k+1..k+prefetch are already requested (ffmpeg processes run concurrently).
 *
 * @example
 * const loader = createLoader(movingMnist({ split: 'train', count: 1000 }), { batchSize: 16, seed: 1, epochs: 10 });
 * for await (const { clips, shape, labels, epoch, step } of loader) { ... }
 */
export function createLoader(dataset: Dataset, options: LoaderOptions): Loader {
  const B = options.batchSize;
  checkInt('batchSize', B, 1);
  const seed = options.seed ?? 0;
  checkInt('seed', Math.abs(seed), 0);
  const prefetch = options.prefetch ?? 2;
  checkInt('prefetch', prefetch, 0);
  const startEpoch = options.startEpoch ?? 0;
  const startStep = options.startStep ?? 0;
  checkInt('startEpoch', startEpoch, 0);
  checkInt('startStep', startStep, 0);
  const epochs = options.epochs ?? 1;
  if (!(epochs === Infinity || (Number.isInteger(epochs) && epochs >= 1))) {
    throw new ConfigError('loader.epochs', { expected: 'an integer >= 1 or Infinity', received: String(epochs) });
  }
  // Enough reads in flight to decode a whole batch while the caller computes, at most 16 processes.
  const concurrency = options.concurrency ?? Math.max(2, availableParallelism(), Math.min(B, 16));
  checkInt('concurrency', concurrency, 1);
  const n = dataset.length;
  if (!(Number.isInteger(n) && n >= 1)) throw new DataError('loader dataset', { expected: 'a dataset with at least one item', received: `length ${n}` });
  const batchesPerEpoch = options.dropLast === true ? Math.floor(n / B) : Math.ceil(n / B);
  if (batchesPerEpoch === 0) {
    throw new ConfigError('loader.batchSize', { expected: `<= the dataset length (${n}) with dropLast`, received: String(B) });
  }
  if (startStep >= batchesPerEpoch) {
    throw new ConfigError('loader.startStep', { expected: `< batchesPerEpoch (${batchesPerEpoch})`, received: String(startStep) });
  }

  const orders = new Map<number, Int32Array>();
  const order = (epoch: number): Int32Array => {
    let perm = orders.get(epoch);
    if (perm === undefined) {
      perm = new Int32Array(n).map((_, i) => i);
      if (options.shuffle !== false) {
        const rng = createDataRng(mixSeed(seed, 0x5348, epoch)); // Fisher-Yates
        for (let i = n - 1; i > 0; i--) {
          const j = Math.floor(rng.next() * (i + 1));
          const t = perm[i] as number;
          perm[i] = perm[j] as number;
          perm[j] = t;
        }
      }
      orders.set(epoch, perm);
      // prefetch may straddle an epoch boundary: keep the two latest orders
      if (orders.size > 2) orders.delete(orders.keys().next().value as number);
    }
    return perm;
  };
  const batchIndices = (epoch: number, step: number): Int32Array => {
    const perm = order(epoch);
    return perm.slice(step * B, Math.min(n, (step + 1) * B));
  };

  const limit = limiter(concurrency);
  const loadSample = (index: number, epoch: number): Promise<Sample> =>
    limit(async () => {
      const sample = await dataset.get(index, { rng: createDataRng(mixSeed(seed, 1, epoch, index)), epoch });
      return options.transform ? options.transform(sample, createDataRng(mixSeed(seed, 2, epoch, index))) : sample;
    });

  const loadBatch = async (epoch: number, step: number): Promise<Batch> => {
    const indices = batchIndices(epoch, step);
    const samples = await Promise.all(Array.from(indices, (i) => loadSample(i, epoch)));
    return assemble(samples, indices, epoch, step, dataset.labelNames);
  };

  return {
    batchesPerEpoch,
    batchIndices,
    [Symbol.asyncIterator](): AsyncIterator<Batch> {
      // the plan: (epoch, step) pairs in order, from the resume point
      let nextEpoch = startEpoch;
      let nextStep = startStep;
      const endEpoch = startEpoch + epochs;
      const inFlight: Promise<Batch>[] = [];
      const startNext = (): boolean => {
        if (nextEpoch >= endEpoch) return false;
        const p = loadBatch(nextEpoch, nextStep);
        p.catch(() => undefined); // surfaced when the consumer reaches this batch
        inFlight.push(p);
        nextStep++;
        if (nextStep >= batchesPerEpoch) {
          nextStep = 0;
          nextEpoch++;
        }
        return true;
      };
      return {
        async next(): Promise<IteratorResult<Batch>> {
          // keep the batch being handed out plus `prefetch` more requested
          while (inFlight.length < prefetch + 1 && startNext());
          const p = inFlight.shift();
          if (p === undefined) return { done: true, value: undefined };
          const batch = await p;
          while (inFlight.length < prefetch && startNext());
          // One macrotask turn before handing the batch out: the reads just requested (and those the
          // finished ones freed slots for) run up to their first real wait, which starts their ffmpeg
          // processes before the caller's (synchronous) training step holds the event loop.
          await new Promise<void>((resolve) => setImmediate(resolve));
          return { done: false, value: batch };
        },
        async return(): Promise<IteratorResult<Batch>> {
          nextEpoch = endEpoch; // stop scheduling; requested batches finish and are dropped
          inFlight.length = 0;
          return { done: true, value: undefined };
        },
      };
    },
  };
}

function assemble(samples: Sample[], indices: Int32Array, epoch: number, step: number, labelNames?: readonly string[]): Batch {
  const first = samples[0] as Sample;
  const [T, H, W, C] = first.shape;
  const size = T * H * W * C;
  const clips = new Float32Array(samples.length * size); // [B, T, H, W, 3]
  samples.forEach((s, b) => {
    if (s.shape.join() !== first.shape.join() || s.clip.length !== size) {
      throw new ShapeError(`loader batch (epoch ${epoch}, step ${step}): sample of index ${indices[b]}`, {
        expected: `[${first.shape}] like index ${indices[0]}`,
        received: `[${s.shape}]`,
        hint: 'decode at a fixed size ([h, w]) or use a transform with a fixed crop size.',
      });
    }
    clips.set(s.clip, b * size);
  });
  const names = labelNames ?? (first.labels ? Object.keys(first.labels) : []);
  let labels: Record<string, Int32Array> | undefined;
  if (names.length > 0) {
    labels = {};
    for (const name of names) {
      labels[name] = Int32Array.from(samples, (s, b) => {
        const v = s.labels?.[name];
        if (v === undefined) throw new DataError(`loader batch: sample of index ${indices[b]}`, { expected: `a "${name}" label`, received: 'none' });
        return v;
      });
    }
  }
  return { clips, shape: [samples.length, T, H, W, C], ...(labels ? { labels } : {}), indices, epoch, step };
}
