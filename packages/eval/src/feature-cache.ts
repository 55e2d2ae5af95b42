import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClipSet } from '@vjepa/data';
import { readNpy, tensorData, toFloat32, writeFileAtomic, writeNpy } from '@vjepa/io';
import { encodeClips } from './encode';
import type { LoadedEncoder } from './encoder-source';

/**
 * Frozen token features of a clip set, on the host: `[items, tokens, D]` (the segments of one item
 * concatenated along the token axis).
 *
 * @example
 * const f: Features = { data: new Float32Array(2 * 32 * 64), shape: [2, 32, 64], cached: false };
 */
export interface Features {
  data: Float32Array;
  shape: [number, number, number];
  /** True when read from the cache instead of computed. */
  cached: boolean;
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
  log?: (line: string) => void;
}

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

/**
 * Token features of every item of `set` under `encoder`, computed once and cached on disk keyed by
 * {@link featureKey}; later calls (other probes, seeds, tasks) read the file back.
 *
 * @example
 * const feats = await cachedFeatures(loaded, trainSet, { cacheDir: 'cache' });
 * feats.shape; // [400, 64, 96]
 */
export async function cachedFeatures(encoder: LoadedEncoder, set: ClipSet, options: FeatureOptions = {}): Promise<Features> {
  const key = featureKey(encoder.id, set.spec, { oneFrame: options.oneFrame });
  const file = options.cacheDir === undefined ? undefined : join(options.cacheDir, `${key}.npy`);
  if (file !== undefined && existsSync(file)) {
    const t = readNpy(new Uint8Array(readFileSync(file)), { file });
    if (t.shape.length === 3 && t.shape[0] === set.size) {
      return { data: toFloat32(t), shape: t.shape as [number, number, number], cached: true };
    }
  }
  const batch = options.batchSize ?? 16;
  let data: Float32Array | undefined;
  let shape: [number, number, number] = [0, 0, 0];
  for (let start = 0; start < set.size; start += batch) {
    const n = Math.min(batch, set.size - start);
    const clips = await set.clips(start, n);
    const f = await encodeClips(encoder.encoder, clips.clips, clips.shape, { batchSize: batch * set.clipsPerItem, oneFrame: options.oneFrame });
    // [n * segments, N, D] -> [n, segments * N, D]: an item's segments are consecutive rows, so
    // concatenating them along the token axis (the reference's multi-segment probe input) is this
    // reading of the same row-major values, no copy
    const [, tokens, d] = f.shape;
    if (!data) {
      shape = [set.size, tokens * set.clipsPerItem, d];
      data = new Float32Array(shape[0] * shape[1] * shape[2]);
    }
    data.set(f.data, start * shape[1] * d);
  }
  options.log?.(`features: ${set.name} under ${encoder.description}${options.oneFrame !== undefined ? ' (one frame repeated)' : ''}: [${shape.join(', ')}]`);
  const out = data ?? new Float32Array(0);
  if (file !== undefined) {
    mkdirSync(options.cacheDir!, { recursive: true });
    await writeFileAtomic(file, writeNpy(tensorData('float32', shape, out)));
  }
  return { data: out, shape, cached: false };
}
