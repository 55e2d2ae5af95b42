import { DataError } from '@vjepa/errors';
import type { ClipBatch } from './clip-batch';
import { type Batch, type Loader, createLoader } from './loader';
import type { Dataset, Transform } from './sample';
import { VideoFileDataset } from './video-file-dataset';

/**
 * One dataset item that could not be used, and why.
 *
 * @example
 * const item: SkippedItem = { index: 3, source: 'videos/cut.mp4', reason: 'truncated' };
 */
export interface SkippedItem {
  index: number;
  source: string;
  reason: string;
}

/**
 * Options of {@link BatchSource}.
 *
 * @example
 * const opts: BatchSourceOptions = { batchSize: 8, seed: 234, onSkip: (item) => console.log(item.source) };
 */
export interface BatchSourceOptions {
  batchSize: number;
  seed: number;
  /** Per-sample transform (augmentation). */
  transform?: Transform;
  /** Batches prepared ahead while the caller trains (default 1). */
  prefetch?: number;
  /** Called once per newly skipped item (file datasets only; generated data never skips). */
  onSkip?: (item: SkippedItem) => void;
}

/**
 * A view of `dataset` at least `batchSize` long (item i is item `i mod length`), so a tiny dataset
 * still fills a whole batch, as the trainer needs.
 */
function atLeast(dataset: Dataset, batchSize: number): Dataset {
  const n = dataset.length;
  if (n >= batchSize) return dataset;
  return { length: batchSize, labelNames: dataset.labelNames, get: (i, ctx) => dataset.get(i % n, ctx) };
}

/**
 * The trainer's step-addressed, resumable view of the loader. Global step `s` is loader batch
 * `s mod batchesPerEpoch` of data epoch `floor(s / batchesPerEpoch)` (full batches only), and the
 * loader's batches depend only on (seed, epoch, step), so a resumed run sees exactly the batches an
 * uninterrupted one would. Consecutive steps read one loader, which prepares the next `prefetch`
 * batches while the caller trains; any other step starts a loader there. Files the dataset skips (missing,
 * unreadable, truncated, too short) are reported once through `onSkip` and listed by `skipped()`;
 * if every file fails, a DataError stops the run.
 *
 * @example
 * const source = new BatchSource(dataset, { batchSize: 8, seed: 0, transform });
 * const { clips, shape } = await source.batch(0); // [8, T, H, W, 3]
 */
export class BatchSource {
  private readonly dataset: Dataset;
  private readonly options: BatchSourceOptions;
  private readonly loader: Loader;
  private readonly reported = new Set<string>();
  private readonly skippedItems: SkippedItem[] = [];
  private cursor: { step: number; batches: AsyncIterator<Batch> } | null = null;
  /** Clips served so far. */
  served = 0;

  constructor(dataset: Dataset, options: BatchSourceOptions) {
    if (dataset.length < 1) throw new DataError('dataset', { expected: 'at least one item', received: 'an empty dataset', hint: 'check data.datasets' });
    this.dataset = dataset;
    this.options = options;
    this.loader = this.loaderFrom(0, 0); // validates the options once
  }

  /**
   * Items skipped so far.
   *
   * @example
   * source.skipped().length; // 0 for generated data
   */
  skipped(): SkippedItem[] {
    this.collectSkips();
    return [...this.skippedItems];
  }

  /**
   * The batch of global step `step`; starts preparing `step + 1`.
   *
   * @example
   * const { clips, shape } = await source.batch(120);
   */
  async batch(step: number): Promise<ClipBatch> {
    if (this.cursor?.step !== step) {
      void this.cursor?.batches.return?.();
      const perEpoch = this.loader.batchesPerEpoch;
      this.cursor = { step, batches: this.loaderFrom(Math.floor(step / perEpoch), step % perEpoch)[Symbol.asyncIterator]() };
    }
    const cursor = this.cursor;
    cursor.step = step + 1;
    let result: IteratorResult<Batch>;
    try {
      result = await cursor.batches.next();
    } catch (error) {
      this.cursor = null;
      this.collectSkips();
      throw this.allFailed(error) ?? error;
    }
    this.collectSkips();
    const { clips, shape } = result.value as Batch;
    this.served += shape[0];
    return { clips, shape };
  }

  private loaderFrom(startEpoch: number, startStep: number): Loader {
    const { batchSize, seed, transform, prefetch = 1 } = this.options;
    return createLoader(atLeast(this.dataset, batchSize), {
      batchSize,
      seed,
      transform,
      dropLast: true, // the trainer's batch size is fixed (the reference's drop_last=True)
      prefetch,
      startEpoch,
      startStep,
      epochs: Infinity,
    });
  }

  /** Reports the dataset's newly skipped files (the dataset records each once, whatever the reads). */
  private collectSkips(): void {
    if (!(this.dataset instanceof VideoFileDataset)) return;
    const entries = this.dataset.entries;
    for (const s of this.dataset.stats().skipped) {
      if (this.reported.has(s.path)) continue;
      this.reported.add(s.path);
      const item: SkippedItem = { index: entries.findIndex((e) => e.path === s.path), source: s.path, reason: s.reason };
      this.skippedItems.push(item);
      this.options.onSkip?.(item);
    }
  }

  /** The run-stopping DataError when `error` came from a dataset whose every file failed. */
  private allFailed(error: unknown): DataError | null {
    if (!(this.dataset instanceof VideoFileDataset) || !DataError.isInstance(error)) return null;
    const n = this.dataset.entries.length;
    if (!this.dataset.entries.every((e) => this.reported.has(e.path))) return null;
    const first = this.skippedItems[0];
    return new DataError('data.datasets', {
      expected: 'at least one usable video',
      received: `all ${n} item(s) failed (first: ${first?.source}: ${first?.reason})`,
      hint: 'check the paths in the index or folder and that ffmpeg can decode the files',
      cause: error,
    });
  }
}
