/**
 * One input that was not used, and why.
 *
 * @example
 * const s: SkippedEntry = { path: 'a.mp4', reason: 'missing file', line: 3 };
 */
export interface SkippedEntry {
  path: string;
  reason: string;
  /** 1-based line in the index file, when the entry came from one. */
  line?: number;
}

/**
 * A snapshot of what a file dataset did with its inputs; print `formatDataStats(stats)` in the run
 * summary so nothing is silently lost.
 *
 * @example
 * const stats: DataStats = dataset.stats();
 * console.log(`${stats.skipped.length} of ${stats.entries} skipped`);
 */
export interface DataStats {
  /** Entries listed (index lines or files found). */
  entries: number;
  /** Distinct files decoded successfully at least once. */
  decoded: number;
  /** Distinct videos shorter than a clip window, padded by repeating the last frame. */
  padded: number;
  /** Distinct images used as clips (one frame repeated). */
  images: number;
  /** Entries not used, each with its reason (missing, unreadable, truncated, ...). */
  skipped: SkippedEntry[];
}

/**
 * Mutable counters behind {@link DataStats}; each file is counted once whatever the number of reads.
 *
 * @example
 * const rec = new DataStatsRecorder(10);
 * rec.skip({ path: 'x.mp4', reason: 'missing file' });
 */
export class DataStatsRecorder {
  private readonly skippedByPath = new Map<string, SkippedEntry>();
  private readonly decodedPaths = new Set<string>();
  private readonly paddedPaths = new Set<string>();
  private readonly imagePaths = new Set<string>();

  constructor(readonly entries: number) {}

  /** Records a skipped entry (first reason wins). */
  skip(entry: SkippedEntry): void {
    if (!this.skippedByPath.has(entry.path)) this.skippedByPath.set(entry.path, entry);
  }

  isSkipped(path: string): boolean {
    return this.skippedByPath.has(path);
  }

  decoded(path: string, kind: { padded: boolean; image: boolean }): void {
    this.decodedPaths.add(path);
    if (kind.padded) this.paddedPaths.add(path);
    if (kind.image) this.imagePaths.add(path);
  }

  snapshot(): DataStats {
    return {
      entries: this.entries,
      decoded: this.decodedPaths.size,
      padded: this.paddedPaths.size,
      images: this.imagePaths.size,
      skipped: [...this.skippedByPath.values()],
    };
  }
}

/**
 * A human-readable summary, grouping skipped entries by reason (at most `maxListed` listed).
 *
 * @example
 * console.log(formatDataStats(dataset.stats()));
 * // data: 12 entries, 10 decoded (1 padded, 0 images), 2 skipped
 * //   missing file (1): /data/a.mp4 (train.txt line 3)
 */
export function formatDataStats(stats: DataStats, maxListed = 5): string {
  const lines = [
    `data: ${stats.entries} entries, ${stats.decoded} decoded (${stats.padded} padded, ${stats.images} images), ${stats.skipped.length} skipped`,
  ];
  const byReason = new Map<string, SkippedEntry[]>();
  for (const s of stats.skipped) {
    const key = s.reason.split(':')[0] as string;
    byReason.set(key, [...(byReason.get(key) ?? []), s]);
  }
  for (const [reason, list] of byReason) {
    const shown = list.slice(0, maxListed).map((s) => (s.line === undefined ? s.path : `${s.path} (line ${s.line})`));
    const more = list.length > maxListed ? `, ... ${list.length - maxListed} more` : '';
    lines.push(`  ${reason} (${list.length}): ${shown.join(', ')}${more}`);
  }
  return lines.join('\n');
}
