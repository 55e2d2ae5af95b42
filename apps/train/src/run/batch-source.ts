import { DataError, VjepaError } from '@vjepa/errors';
import { createDataRng, mixSeed, type Dataset, type Transform } from './data-imports';

/** One batch of clips, channels-last. */
export interface ClipBatch {
  /** `[B, T, H, W, 3]` row-major. */
  clips: Float32Array;
  shape: [number, number, number, number, number];
}

/** One dataset item that could not be used, and why. */
export interface SkippedItem {
  index: number;
  source: string;
  reason: string;
}

/**
 * Options of {@link BatchSource}.
 *
 * @example
 * const opts: BatchSourceOptions = { batchSize: 8, ipe: 50, seed: 234, describe: (i) => `video ${i}` };
 */
export interface BatchSourceOptions {
  batchSize: number;
  /** Iterations per epoch: step s is iteration `s % ipe` of epoch `floor(s / ipe)`. */
  ipe: number;
  seed: number;
  /** Per-sample transform (augmentation). */
  transform?: Transform;
  /** A name for item `index` in skip messages (its file path). */
  describe?: (index: number) => string;
  /** Called once per newly skipped item. */
  onSkip?: (item: SkippedItem) => void;
}

/** Bad input to skip (a DataError or ShapeError from decoding, a file-system error); anything else is a bug. */
function isBadInput(e: unknown): boolean {
  if (VjepaError.isInstance(e)) return e.name === 'DataError' || e.name === 'ShapeError';
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string';
}

const SHUFFLE_STREAM = 0x5348; // "SH"

/**
 * Deterministic batches by global step: epoch `e` visits the dataset in a permutation seeded by
 * (seed, e), and step `s` takes positions `[itr * B, (itr + 1) * B)` of it (wrapping), so a resumed
 * run sees exactly the batches an uninterrupted one would. Items that fail (missing, unreadable,
 * truncated, too short) are skipped with a message, remembered, counted, and replaced by the next
 * position; if every item fails, a DataError stops the run. The next batch is prepared while the
 * caller trains on the current one.
 *
 * @example
 * const source = new BatchSource(dataset, { batchSize: 8, ipe: 50, seed: 0, transform });
 * const { clips, shape } = await source.batch(0);
 */
export class BatchSource {
  private readonly dataset: Dataset;
  private readonly options: BatchSourceOptions;
  private readonly bad = new Map<number, SkippedItem>();
  private permutation: { epoch: number; order: Int32Array } | null = null;
  private pending: { step: number; promise: Promise<ClipBatch> } | null = null;
  served = 0;

  constructor(dataset: Dataset, options: BatchSourceOptions) {
    if (dataset.length < 1) throw new DataError('dataset', { expected: 'at least one item', received: 'an empty dataset', hint: 'check data.datasets' });
    this.dataset = dataset;
    this.options = options;
  }

  /** Items skipped so far. */
  skipped(): SkippedItem[] {
    return [...this.bad.values()];
  }

  /** The batch of global step `step`; starts preparing `step + 1`. */
  async batch(step: number): Promise<ClipBatch> {
    const promise = this.pending?.step === step ? this.pending.promise : this.build(step);
    const batch = await promise;
    const next = this.build(step + 1);
    next.catch(() => {}); // surfaced when that step is asked for
    this.pending = { step: step + 1, promise: next };
    return batch;
  }

  private order(epoch: number): Int32Array {
    if (this.permutation?.epoch !== epoch) {
      const n = this.dataset.length;
      const order = Int32Array.from({ length: n }, (_, i) => i);
      const rng = createDataRng(mixSeed(this.options.seed, SHUFFLE_STREAM, epoch));
      for (let i = n - 1; i > 0; i--) {
        const j = rng.int(0, i);
        [order[i], order[j]] = [order[j], order[i]];
      }
      this.permutation = { epoch, order };
    }
    return this.permutation.order;
  }

  private async build(step: number): Promise<ClipBatch> {
    const { batchSize, ipe, seed, transform } = this.options;
    const epoch = Math.floor(step / ipe);
    const itr = step % ipe;
    const order = this.order(epoch);
    const n = order.length;
    const clips: Float32Array[] = [];
    let shape: [number, number, number, number] | null = null;
    let position = itr * batchSize;
    for (let b = 0; b < batchSize; b++) {
      for (let attempt = 0; ; attempt++, position++) {
        if (this.bad.size >= n) {
          throw new DataError('data.datasets', {
            expected: 'at least one usable video',
            received: `all ${n} item(s) failed (first: ${this.skipped()[0]?.source}: ${this.skipped()[0]?.reason})`,
            hint: 'check the paths in the index or folder and that ffmpeg can decode the files',
          });
        }
        const index = order[position % n];
        if (this.bad.has(index)) continue;
        try {
          const rng = createDataRng(mixSeed(seed, epoch, step, b));
          let sample = await this.dataset.get(index, { rng, epoch });
          if (transform) sample = transform(sample, rng);
          if (shape !== null && sample.shape.some((d, i) => d !== shape![i])) {
            throw new DataError(`item ${index}`, { expected: `clip shape [${shape}]`, received: `[${sample.shape}]` });
          }
          shape = sample.shape;
          clips.push(sample.clip);
          position++;
          break;
        } catch (e) {
          if (!isBadInput(e)) throw e;
          const item: SkippedItem = { index, source: this.options.describe?.(index) ?? `item ${index}`, reason: e instanceof Error ? e.message : String(e) };
          this.bad.set(index, item);
          this.options.onSkip?.(item);
        }
      }
    }
    const per = clips[0].length;
    const out = new Float32Array(per * batchSize); // [B, T, H, W, 3]
    clips.forEach((c, b) => out.set(c, b * per));
    this.served += batchSize;
    const [T, H, W, C] = shape as [number, number, number, number];
    return { clips: out, shape: [batchSize, T, H, W, C] };
  }
}
