import { ConfigError } from '@vjepa/errors';
import type { SampleOptions } from './specification';

function positiveInteger(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}

/**
 * Validates what a strategy's `sample` is handed: grid dims and batch size positive integers, step a
 * non-negative integer, an RNG present. Throws ConfigError naming the option; custom strategies can
 * call it first too.
 *
 * @example
 * checkSampleOptions('my-strategy', { grid: { t: 8, h: 14, w: 14 }, batchSize: 24, rng, step: 0 });
 */
export function checkSampleOptions(strategyName: string, options: SampleOptions): void {
  const where = `${strategyName}.sample`;
  if (options === null || typeof options !== 'object') {
    throw new ConfigError(`${where}(options)`, { expected: '{ grid, batchSize, rng, step }', received: String(options) });
  }
  const grid = options.grid as unknown as Record<string, unknown> | undefined;
  if (grid === null || typeof grid !== 'object') {
    throw new ConfigError(`${where}: grid`, { expected: '{ t, h, w } of positive integers', received: String(grid) });
  }
  for (const axis of ['t', 'h', 'w'] as const) {
    if (!positiveInteger(grid[axis])) {
      throw new ConfigError(`${where}: grid.${axis}`, { expected: 'an integer >= 1', received: String(grid[axis]) });
    }
  }
  if (!positiveInteger(options.batchSize)) {
    throw new ConfigError(`${where}: batchSize`, { expected: 'an integer >= 1', received: String(options.batchSize) });
  }
  if (typeof options.step !== 'number' || !Number.isSafeInteger(options.step) || options.step < 0) {
    throw new ConfigError(`${where}: step`, { expected: 'an integer >= 0', received: String(options.step) });
  }
  const rng = options.rng as unknown as Record<string, unknown> | undefined;
  if (rng === null || typeof rng !== 'object' || typeof rng.int !== 'function' || typeof rng.next !== 'function') {
    throw new ConfigError(`${where}: rng`, { expected: 'an Rng from createRng(seed)', received: String(rng) });
  }
}
