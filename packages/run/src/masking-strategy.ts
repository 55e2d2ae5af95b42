import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, VjepaError } from '@vjepa/errors';
import { fromOfficialMaskConfig, multiblock3d, type Grid, type MaskingStrategy } from '@vjepa/masking';
import { checkMaskingStrategy } from '@vjepa/masking/testing';
import type { RunConfig } from './schema';

/**
 * The token grid of a config: `num_frames / tubelet_size` by `crop_size / patch_size` squared.
 *
 * @example
 * gridOf(config); // { t: 4, h: 4, w: 4 } for the tiny preset
 */
export function gridOf(config: RunConfig): Grid {
  const side = config.data.crop_size / config.data.patch_size;
  return { t: config.data.num_frames / config.data.tubelet_size, h: side, w: side };
}

/**
 * Splits `path/to/module.js#exportName` into the module path and the export name (default `default`).
 *
 * @example
 * parseModuleSpec('./my-mask.js#half'); // { path: './my-mask.js', exportName: 'half' }
 */
export function parseModuleSpec(spec: string): { path: string; exportName: string } {
  const hash = spec.lastIndexOf('#');
  if (hash < 0) return { path: spec, exportName: 'default' };
  return { path: spec.slice(0, hash), exportName: spec.slice(hash + 1) || 'default' };
}

/**
 * What a strategy module may export: a strategy, or a factory that builds one from the run.
 *
 * @example
 * export const half: StrategyFactory = ({ grid }) => myStrategyFor(grid);
 */
export type StrategyFactory = (options: { mask: RunConfig['mask']; grid: Grid; config: RunConfig }) => MaskingStrategy;

/**
 * Loads a user's masking strategy from `mask_strategy_module` (`path/to/file.js` for the default
 * export, `path/to/file.js#name` for a named one; relative paths resolve from `baseDir`, default the
 * working directory). The export may be a `MaskingStrategy` or a factory `({ mask, grid, config }) =>
 * MaskingStrategy`. Throws ConfigError naming the module when it cannot be loaded.
 *
 * @example
 * const strategy = await loadStrategyModule('./my-mask.js#halfMask', config);
 */
export async function loadStrategyModule(spec: string, config: RunConfig, baseDir = process.cwd()): Promise<MaskingStrategy> {
  const { path, exportName } = parseModuleSpec(spec);
  const file = isAbsolute(path) ? path : resolve(baseDir, path);
  if (!existsSync(file)) {
    throw new ConfigError('mask_strategy_module', { expected: 'a path to a JavaScript (or, under tsx, TypeScript) module', received: `${JSON.stringify(spec)} (no file at ${file})` });
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    throw new ConfigError('mask_strategy_module', { expected: 'a module that imports without error', received: `${spec}: ${(e as Error).message}`, cause: e });
  }
  const exported = mod[exportName];
  if (exported === undefined) {
    throw new ConfigError('mask_strategy_module', {
      expected: `an export named "${exportName}"`,
      received: `${spec} exports ${Object.keys(mod).map((k) => `"${k}"`).join(', ') || 'nothing'}`,
      hint: 'name the export after "#", e.g. ./my-mask.js#myStrategy',
    });
  }
  if (typeof exported === 'function') {
    try {
      return (exported as StrategyFactory)({ mask: config.mask, grid: gridOf(config), config });
    } catch (e) {
      throw new ConfigError('mask_strategy_module', { expected: 'a factory that returns a MaskingStrategy', received: `${spec} threw ${(e as Error).message}`, cause: e });
    }
  }
  return exported as MaskingStrategy;
}

/**
 * Runs the masking conformance kit on a strategy at the run's grid and batch size, and throws a
 * ConfigError naming the module and the first problems when it fails.
 *
 * @example
 * checkStrategyForRun(strategy, config, './my-mask.js');
 */
export function checkStrategyForRun(strategy: MaskingStrategy, config: RunConfig, source: string): void {
  const report = checkMaskingStrategy(strategy, {
    grids: [gridOf(config)],
    batchSizes: [...new Set([1, config.data.batch_size])],
    steps: [0, 1, 17],
    seeds: [0, 1],
    maxProblems: 10,
  });
  if (!report.ok) {
    const shown = report.problems.slice(0, 3).map((p) => `[${p.reason}] ${p.message}`);
    throw new ConfigError('mask_strategy_module', {
      expected: 'a MaskingStrategy that passes the @vjepa/masking conformance kit',
      received: `${source} (strategy "${report.strategy}") failed with ${report.problems.length} problem(s): ${shown.join('; ')}`,
      hint: 'prove it in a test with assertConformingStrategy from @vjepa/masking/testing',
    });
  }
}

/**
 * The masking strategy of a run: the user's module when `mask_strategy_module` is set (checked by the
 * conformance kit), otherwise `multiblock3d` over the config's `mask` list.
 *
 * @example
 * const strategy = await strategyForConfig(config);
 * strategy.numMaskTypes; // 2 for the released masks
 */
export async function strategyForConfig(config: RunConfig, baseDir?: string): Promise<MaskingStrategy> {
  let strategy: MaskingStrategy;
  let source: string;
  if (config.mask_strategy_module !== null) {
    source = config.mask_strategy_module;
    strategy = await loadStrategyModule(source, config, baseDir);
  } else {
    source = 'mask (multiblock3d)';
    try {
      strategy = multiblock3d(fromOfficialMaskConfig(config.mask, 'mask'));
    } catch (e) {
      if (VjepaError.isInstance(e)) throw e;
      throw new ConfigError('mask', { expected: 'a valid multiblock3d mask list', received: (e as Error).message, cause: e });
    }
  }
  checkStrategyForRun(strategy, config, source);
  return strategy;
}
