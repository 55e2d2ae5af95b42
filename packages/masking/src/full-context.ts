import { ConfigError } from '@vjepa/errors';
import { checkSampleOptions } from './sample-options';
import type { IndexBatch, MaskPair, MaskingStrategy, SampleOptions } from './specification';

/**
 * No masking, for evaluation and feature extraction: context = every token and target = every token,
 * in raster order, for each of `numMaskTypes` mask types. Context and target deliberately overlap
 * (`contextMayOverlapTarget: true`), so this strategy is not for self-supervised training; it lets
 * evaluation code use the same `{ context, target }` plumbing as training. Draws nothing from the RNG.
 *
 * @example
 * const [pair] = fullContext().sample({ grid: { t: 2, h: 2, w: 2 }, batchSize: 1, rng: createRng(0), step: 0 });
 * pair.context.length; // 8
 */
export function fullContext(options: { numMaskTypes?: number } = {}): MaskingStrategy {
  const numMaskTypes = options.numMaskTypes ?? 1;
  if (!Number.isSafeInteger(numMaskTypes) || numMaskTypes < 1) {
    throw new ConfigError('fullContext options.numMaskTypes', { expected: 'an integer >= 1', received: String(numMaskTypes) });
  }
  const name = 'full-context';
  return Object.freeze({
    specificationVersion: 'v1' as const,
    name,
    numMaskTypes,
    contextMayOverlapTarget: true,
    sample(o: SampleOptions): readonly MaskPair[] {
      checkSampleOptions(name, o);
      const n = o.grid.t * o.grid.h * o.grid.w;
      const all = (): IndexBatch => {
        const data = new Int32Array(o.batchSize * n); // [B, N]
        for (let b = 0; b < o.batchSize; b++) for (let i = 0; i < n; i++) data[b * n + i] = i;
        return { data, batchSize: o.batchSize, length: n };
      };
      return Array.from({ length: numMaskTypes }, () => ({ context: all(), target: all() }));
    },
  });
}
