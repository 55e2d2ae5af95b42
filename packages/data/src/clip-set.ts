import type { ClipBatch } from './clip-batch';

/**
 * A labelled set of evaluation clips (the frozen-evaluation side of the data package). Clips are
 * produced on demand, in order, so their features can be computed once and cached; `spec` names
 * everything that determines them (data, sampling, transform) for cache keys.
 *
 * @example
 * const set = movingMnistClips({ numFrames: 8, frameStep: 1, cropSize: 32 }, { part: 'probe-test', count: 200, seed: 1 });
 * const { clips, shape } = await set.clips(0, 16); // shape [16, 8, 32, 32, 3]
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
  /** Clips per item (temporal segments of one video, consecutive in `clips`); 1 for generated sets. */
  readonly clipsPerItem: number;
  /** Names item `i` in messages (a file set: its path and where it is listed); absent for generated sets. */
  describe?(index: number): string;
  /** Items `[start, start + count)` as one batch `[count * clipsPerItem, T, H, W, 3]`. */
  clips(start: number, count: number): Promise<ClipBatch>;
}
