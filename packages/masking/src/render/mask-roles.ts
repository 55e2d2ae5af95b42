import { ConfigError, MaskError } from '@vjepa/errors';
import type { Grid, MaskPair } from '../specification';

/**
 * Role of a token in one sample: 0 neither (dropped by truncation), 1 context, 2 target, 3 both.
 *
 * @example
 * const role: MaskRole = ROLE_TARGET;
 */
export type MaskRole = 0 | 1 | 2 | 3;

/** @example if (roles[i] === ROLE_NEITHER) console.log('dropped by truncation'); */
export const ROLE_NEITHER = 0;
/** @example if (roles[i] === ROLE_CONTEXT) console.log('visible'); */
export const ROLE_CONTEXT = 1;
/** @example if (roles[i] === ROLE_TARGET) console.log('predicted'); */
export const ROLE_TARGET = 2;
/** @example if (roles[i] === ROLE_BOTH) console.log('context and target (e.g. fullContext)'); */
export const ROLE_BOTH = 3;

/**
 * The role of every token of one sample, in raster order: `[t*h*w]` of {@link MaskRole}.
 *
 * @example
 * const roles = maskRoles(pair, { t: 8, h: 14, w: 14 }, 0); // Uint8Array(1568)
 */
export function maskRoles(pair: MaskPair, grid: Grid, sample = 0): Uint8Array {
  const n = grid.t * grid.h * grid.w;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new ConfigError('grid', { expected: '{ t, h, w } of integers >= 1', received: JSON.stringify(grid) });
  }
  const batchSize = pair.context.batchSize;
  if (!Number.isSafeInteger(sample) || sample < 0 || sample >= batchSize) {
    throw new ConfigError('options.sample', { expected: `an integer in [0, ${batchSize})`, received: String(sample) });
  }
  const roles = new Uint8Array(n); // [T*H*W]
  for (const [role, batch] of [
    [ROLE_CONTEXT, pair.context],
    [ROLE_TARGET, pair.target],
  ] as const) {
    const row = batch.data.subarray(sample * batch.length, (sample + 1) * batch.length);
    for (const v of row) {
      if (v < 0 || v >= n) {
        throw new MaskError(`sample ${sample} ${role === ROLE_CONTEXT ? 'context' : 'target'}`, { expected: `indices in [0, ${n})`, received: String(v) });
      }
      roles[v] |= role;
    }
  }
  return roles;
}
