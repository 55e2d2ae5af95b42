import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ClipSet } from '@vjepa/data';
import { ConfigError, DataError, ShapeError } from '@vjepa/errors';
import { readNpy, tensorData, toFloat32, writeFileAtomic, writeNpy } from '@vjepa/io';
import { checkClips, checkFeatures } from './clip-checks';
import { encodeClips } from './encode';
import type { LoadedEncoder } from './encoder-source';

/**
 * An item of a clip set that has no features: its clips could not be read (a missing, empty or
 * corrupt video), with the reason.
 *
 * @example
 * const s: SkippedItem = { index: 3, reason: '/data/c.mp4 (test.txt line 4): expected ..., received an empty file (0 bytes).' };
 */
export interface SkippedItem {
  index: number;
  reason: string;
}

/**
 * Frozen token features of a clip set, on the host: `[items, tokens, D]` (the segments of one item
 * concatenated along the token axis). Items whose clips could not be read have no row: `skipped`
 * names them, and `items` gives the set index of each row.
 *
 * @example
 * const f: Features = { data: new Float32Array(2 * 32 * 64), shape: [2, 32, 64], cached: false };
 */
export interface Features {
  data: Float32Array;
  shape: [number, number, number];
  /** True when read from the cache instead of computed. */
  cached: boolean;
  /** Items without a row (absent or empty: none). */
  skipped?: SkippedItem[];
  /** Set index of each row when some items were skipped (absent: row `i` is item `i`). */
  items?: Int32Array;
}

/**
 * Options of {@link cachedFeatures}.
 *
 * @example
 * const opts: FeatureOptions = { cacheDir: 'runs/x/eval/cache', oneFrame: 0 };
 */
export interface FeatureOptions {
  /** Folder of the cache (`<sha256>.npy` files); no caching when undefined. */
  cacheDir?: string;
  /** Feed the encoder this frame repeated in place of the clip (the one-frame control). */
  oneFrame?: number;
  /** Clips per forward pass (default 16). */
  batchSize?: number;
  /** An unreadable item stops with its error instead of being skipped. */
  failFast?: boolean;
  /** Aborting stops between parts (the parts written so far are kept: a rerun resumes) with a ConfigError. */
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/**
 * Items per part file while a set's features are computed: what an interrupted run keeps.
 *
 * @example
 * Math.ceil(2000 / FEATURE_PART_ITEMS); // 32 part files for 2000 clips
 */
export const FEATURE_PART_ITEMS = 64;

/**
 * The cache key of a feature file: the encoder's weights (`LoadedEncoder.id`, a hash of the weights
 * themselves, not of the file they came from), the clip set (data, sampling, transform) and the
 * input variant.
 *
 * @example
 * featureKey(encoder.id, set.spec, { oneFrame: 0 }); // "3f2a..."
 */
export function featureKey(encoderId: string, setSpec: string, variant: { oneFrame?: number } = {}): string {
  return createHash('sha256').update(`v2|weights=${encoderId}|${setSpec}|oneFrame=${variant.oneFrame ?? 'off'}`).digest('hex');
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** A features file and its record (`<base>.npy`, `<base>.json`), written npy first. */
interface Stored {
  data: Float32Array;
  shape: number[];
  items: number[];
  skipped: SkippedItem[];
}

async function writeStored(base: string, s: Stored): Promise<void> {
  const bytes = writeNpy(tensorData('float32', s.shape, s.data));
  await writeFileAtomic(`${base}.npy`, bytes);
  await writeFileAtomic(`${base}.json`, `${JSON.stringify({ format: 'vjepa-ts/features', version: 1, shape: s.shape, items: s.items, skipped: s.skipped, sha256: sha256(bytes) })}\n`);
}

/** A stored file whose record is intact and whose bytes match the record's SHA-256, else null (redo it). */
function readStored(base: string, expectItems: number): Stored | null {
  if (!existsSync(`${base}.json`) || !existsSync(`${base}.npy`)) return null;
  try {
    const meta = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as { format?: string; version?: number; items?: number[]; skipped?: SkippedItem[]; sha256?: string };
    if (meta.format !== 'vjepa-ts/features' || meta.version !== 1 || !Array.isArray(meta.items) || !Array.isArray(meta.skipped)) return null;
    if (meta.items.length + meta.skipped.length !== expectItems) return null;
    const bytes = new Uint8Array(readFileSync(`${base}.npy`));
    if (sha256(bytes) !== meta.sha256) return null;
    const t = readNpy(bytes, { file: `${base}.npy` });
    if (t.shape.length !== 3 || t.shape[0] !== meta.items.length) return null;
    return { data: toFloat32(t), shape: [...t.shape], items: meta.items, skipped: meta.skipped };
  } catch {
    return null;
  }
}

const isBadInput = (e: unknown): boolean => DataError.isInstance(e) || ShapeError.isInstance(e);

/** Features of items `[start, start + n)`: every item of a generated set, the readable ones of a file set. */
async function computePart(encoder: LoadedEncoder, set: ClipSet, start: number, n: number, options: FeatureOptions, log: (line: string) => void): Promise<Stored> {
  const batch = options.batchSize ?? 16;
  const items: number[] = [];
  const skipped: SkippedItem[] = [];
  let clips: { clips: Float32Array; shape: number[] };
  if (set.describe === undefined) {
    clips = await set.clips(start, n); // a generated set: nothing to skip
    for (let i = start; i < start + n; i++) items.push(i);
  } else {
    // a file set: item by item, so that one bad video is skipped and named, and the others kept
    const parts: Float32Array[] = [];
    let shape: number[] = [];
    for (let i = start; i < start + n; i++) {
      try {
        const c = await set.clips(i, 1);
        checkClips(c.clips, c.shape, set.describe(i));
        parts.push(c.clips);
        shape = c.shape;
        items.push(i);
      } catch (e) {
        if (!isBadInput(e) || options.failFast === true) throw e;
        const reason = (e as Error).message;
        skipped.push({ index: i, reason });
        log(`skipped: ${set.describe(i)}: ${reason}`);
      }
    }
    const data = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
    parts.reduce((at, p) => (data.set(p, at), at + p.length), 0);
    clips = { clips: data, shape: [items.length * set.clipsPerItem, ...shape.slice(1)] };
  }
  if (items.length === 0) return { data: new Float32Array(0), shape: [0, 0, 0], items, skipped };
  const f = await encodeClips(encoder.encoder, clips.clips, clips.shape, { batchSize: batch * set.clipsPerItem, oneFrame: options.oneFrame });
  checkFeatures(f.data, `features of ${set.name} items ${start}..${start + n - 1} under ${encoder.description}`);
  // [n * segments, N, D] -> [n, segments * N, D]: an item's segments are consecutive rows, so
  // concatenating them along the token axis (the reference's multi-segment probe input) is this
  // reading of the same row-major values, no copy
  const [, tokens, d] = f.shape;
  return { data: f.data, shape: [items.length, tokens * set.clipsPerItem, d], items, skipped };
}

/**
 * Token features of every item of `set` under `encoder`, computed once and cached on disk keyed by
 * {@link featureKey}; later calls (other probes, seeds, tasks) read the file back after checking it
 * against its record (SHA-256). While a set is computed, every {@link FEATURE_PART_ITEMS} items are
 * saved as a part, so an interrupted run resumes where it stopped. Items of a file set whose clips
 * cannot be read (missing, empty, corrupt videos) are skipped and named (`failFast` stops instead);
 * the result has no row for them.
 *
 * @example
 * const feats = await cachedFeatures(loaded, trainSet, { cacheDir: 'cache' });
 * feats.shape; // [400, 64, 96]
 */
export async function cachedFeatures(encoder: LoadedEncoder, set: ClipSet, options: FeatureOptions = {}): Promise<Features> {
  const log = options.log ?? (() => {});
  const key = featureKey(encoder.id, set.spec, { oneFrame: options.oneFrame });
  const base = options.cacheDir === undefined ? undefined : join(options.cacheDir, key);
  const hit = base === undefined ? null : readStored(base, set.size);
  if (hit !== null) return toFeatures(hit, set.size, true);
  const partsDir = base === undefined ? undefined : `${base}.parts`;
  if (partsDir !== undefined) mkdirSync(partsDir, { recursive: true });
  let data: Float32Array | undefined;
  let tokensByD: [number, number] = [0, 0];
  const items: number[] = [];
  const skipped: SkippedItem[] = [];
  let resumed = 0;
  for (let start = 0; start < set.size; start += FEATURE_PART_ITEMS) {
    if (options.signal?.aborted === true) {
      throw new ConfigError(`features of ${set.name}`, { expected: 'completed', received: `interrupted after ${start} of ${set.size} items`, hint: 'rerun the same command: the parts written so far are kept' });
    }
    const n = Math.min(FEATURE_PART_ITEMS, set.size - start);
    const partBase = partsDir === undefined ? undefined : join(partsDir, `part-${String(start).padStart(9, '0')}`);
    let part = partBase === undefined ? null : readStored(partBase, n);
    if (part !== null) resumed += 1;
    else {
      part = await computePart(encoder, set, start, n, options, log);
      if (partBase !== undefined) await writeStored(partBase, part);
    }
    skipped.push(...part.skipped);
    if (part.items.length === 0) continue;
    const [, tokens, d] = part.shape;
    if (!data) {
      tokensByD = [tokens, d];
      data = new Float32Array(set.size * tokens * d);
    }
    data.set(part.data, items.length * tokens * d);
    items.push(...part.items);
  }
  if (items.length === 0) {
    throw new DataError(`${set.name}: every one of ${set.size} item(s)`, { expected: 'at least one readable clip', received: `${skipped.length} skipped; the first: ${skipped[0]?.reason ?? 'none'}` });
  }
  const stored: Stored = { data: data!.subarray(0, items.length * tokensByD[0] * tokensByD[1]), shape: [items.length, ...tokensByD], items, skipped };
  log(
    `features: ${set.name} under ${encoder.description}${options.oneFrame !== undefined ? ' (one frame repeated)' : ''}: [${stored.shape.join(', ')}]` +
      `${skipped.length > 0 ? `, ${skipped.length} item(s) skipped` : ''}${resumed > 0 ? ` (${resumed} part(s) from an interrupted run)` : ''}`,
  );
  if (base !== undefined) {
    await writeStored(base, stored);
    rmSync(partsDir!, { recursive: true, force: true });
  }
  return toFeatures(stored, set.size, false);
}

function toFeatures(s: Stored, size: number, cached: boolean): Features {
  const f: Features = { data: s.data, shape: s.shape as [number, number, number], cached };
  if (s.skipped.length > 0 || s.items.length !== size) {
    f.skipped = s.skipped;
    f.items = Int32Array.from(s.items);
  }
  return f;
}
