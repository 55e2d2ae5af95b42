import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '@vjepa/config';
import { ConfigError } from '@vjepa/errors';
import { DEFAULT_CONFIG } from './defaults';
import { mergeLayers, overridesToLayer, parseConfigYaml, parseSetOverride, type Mapping } from './layers';
import { isReleasePreset, vjepa2ReleaseLayer } from './release-presets';
import { type RunConfig, checkRunConfig, runConfigSchema } from './schema';

/**
 * The preset used when neither `--preset` nor `--config` is given.
 *
 * @example
 * loadConfig(); // the tiny-cpu preset
 */
export const DEFAULT_PRESET = 'tiny-cpu';

/**
 * Where configs come from, bottom to top: built-in defaults, a preset from `configs/`, a YAML file,
 * then `--set` overrides.
 *
 * @example
 * loadConfig({ preset: 'tiny-cpu', set: ['optimization.lr=1e-3'] });
 */
export interface LoadConfigOptions {
  /**
   * A preset name from `configs/` (`tiny-cpu`, `vitl16`, `vith16`), a released V-JEPA 2 checkpoint's
   * architecture (`vitl`, `vith`, `vitg`, `vitg-384`: {@link vjepa2ReleaseLayer}) or a path; default
   * `tiny-cpu` unless `configFile` is given.
   */
  preset?: string | null;
  /** A YAML config file, layered over the preset. */
  configFile?: string | null;
  /** `key.path=value` overrides, applied last in order. */
  set?: readonly string[];
  /** Extra layers (already-parsed mappings) applied after `configFile` and before `set`, e.g. from tests. */
  layers?: readonly Mapping[];
}

/**
 * The `configs/` folder of the repository (walks up from this module, so it works from `src/` and
 * from the bundled `dist/`).
 *
 * @example
 * join(findConfigsDir(), 'tiny-cpu.yaml');
 */
export function findConfigsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'configs', `${DEFAULT_PRESET}.yaml`))) return join(dir, 'configs');
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new ConfigError('configs/', { expected: `a configs folder with ${DEFAULT_PRESET}.yaml above ${fileURLToPath(import.meta.url)}`, received: 'none found', hint: 'pass --config FILE instead of a preset name' });
}

/**
 * The path of a preset: a name from `configs/` or a path to a YAML file.
 *
 * @example
 * presetPath('vitl16'); // ".../configs/vitl16.yaml"
 */
export function presetPath(preset: string): string {
  if (preset.endsWith('.yaml') || preset.endsWith('.yml') || preset.includes('/')) return resolve(preset);
  const path = join(findConfigsDir(), `${preset}.yaml`);
  if (!existsSync(path)) {
    throw new ConfigError('--preset', { expected: 'tiny-cpu, vitl16, vith16, a V-JEPA 2 release (vitl, vith, vitg, vitg-384) or a YAML path', received: JSON.stringify(preset) });
  }
  return path;
}

function readYamlFile(path: string, what: string): Mapping {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(what, { expected: 'a readable YAML file', received: JSON.stringify(path), cause: e });
  }
  return parseConfigYaml(text, path);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Validates a merged config mapping once, at the edge: the composed schema (each section its
 * package's; strict: unknown keys are errors), then the cross-key checks. Returns a deep-frozen
 * {@link RunConfig}; throws ConfigError with the full key path.
 *
 * @example
 * const config = validateConfig(mergeLayers(DEFAULT_CONFIG, { optimization: { lr: 1e-3 } }));
 */
export function validateConfig(raw: unknown): RunConfig {
  const config = parseConfig(runConfigSchema, raw);
  checkRunConfig(config);
  return deepFreeze(config);
}

/**
 * Builds the config of a run: defaults -> preset YAML -> `--config FILE` -> extra layers ->
 * `--set a.b=c` overrides, then validates once and freezes.
 *
 * @example
 * const config = loadConfig({ configFile: 'my.yaml', set: ['data.batch_size=4', 'meta.backend=cpu'] });
 */
export function loadConfig(options: LoadConfigOptions = {}): RunConfig {
  let merged: Mapping = structuredClone(DEFAULT_CONFIG) as unknown as Mapping;
  const preset = options.preset ?? (options.configFile ? null : DEFAULT_PRESET);
  if (preset !== null && preset !== 'none') merged = mergeLayers(merged, isReleasePreset(preset) ? vjepa2ReleaseLayer(preset) : readYamlFile(presetPath(preset), '--preset'));
  if (options.configFile) merged = mergeLayers(merged, readYamlFile(resolve(options.configFile), '--config'));
  for (const layer of options.layers ?? []) merged = mergeLayers(merged, layer);
  const overrides = (options.set ?? []).map(parseSetOverride);
  if (overrides.length > 0) merged = mergeLayers(merged, overridesToLayer(overrides, merged));
  return validateConfig(merged);
}
