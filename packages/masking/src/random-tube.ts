import { ConfigError } from '@vjepa/errors';
import { checkSampleOptions } from './sample-options';
import type { MaskPair, MaskingStrategy, SampleOptions } from './specification';

/**
 * Random tube masking (the paper's "random tube" ablation): per sample, one random spatial mask that
 * keeps exactly `int(h*w*(1-ratio))` patches, repeated over every time slot. Context = the kept
 * patches at every time slot; target = all the rest. One mask type; every sample has the same
 * lengths, so nothing is truncated.
 *
 * @example
 * const tube = randomTube(0.9);
 * const [pair] = tube.sample({ grid: { t: 8, h: 14, w: 14 }, batchSize: 4, rng: createRng(0), step: 0 });
 * pair.context.length; // 8 * int(196 * 0.1) = 152
 */
export function randomTube(ratio = 0.9): MaskingStrategy {
  if (typeof ratio !== 'number' || !(ratio >= 0 && ratio < 1)) {
    throw new ConfigError('randomTube(ratio)', { expected: 'a masking ratio in [0, 1)', received: String(ratio) });
  }
  const name = 'random-tube';
  return Object.freeze({
    specificationVersion: 'v1' as const,
    name,
    numMaskTypes: 1,
    sample(o: SampleOptions): readonly MaskPair[] {
      checkSampleOptions(name, o);
      const { grid, batchSize, rng } = o;
      const hw = grid.h * grid.w;
      const keep = Math.trunc(hw * (1 - ratio));
      if (keep < 1 || keep >= hw) {
        throw new ConfigError('randomTube(ratio)', {
          expected: `a ratio that keeps between 1 and ${hw - 1} of the ${grid.h}x${grid.w} patches`,
          received: `${ratio}, which keeps ${keep}`,
        });
      }
      const cLen = keep * grid.t;
      const tLen = (hw - keep) * grid.t;
      const context = new Int32Array(batchSize * cLen); // [B, T*keep]
      const target = new Int32Array(batchSize * tLen); // [B, T*(HW-keep)]
      const kept = new Uint8Array(hw);
      const order = Array.from({ length: hw }, (_, i) => i);
      for (let b = 0; b < batchSize; b++) {
        for (let i = 0; i < hw; i++) order[i] = i;
        rng.shuffle(order);
        kept.fill(0);
        for (let i = 0; i < keep; i++) kept[order[i]] = 1;
        let c = b * cLen;
        let tg = b * tLen;
        for (let ti = 0; ti < grid.t; ti++) {
          for (let p = 0; p < hw; p++) {
            if (kept[p] === 1) context[c++] = ti * hw + p;
            else target[tg++] = ti * hw + p;
          }
        }
      }
      return [{ context: { data: context, batchSize, length: cLen }, target: { data: target, batchSize, length: tLen } }];
    },
  });
}
