import { ConfigError } from '@vjepa/errors';
import { parse as parseYaml } from 'yaml';

/**
 * A plain YAML/JSON mapping.
 *
 * @example
 * const layer: Mapping = { data: { batch_size: 4 } };
 */
export type Mapping = Record<string, unknown>;

const MODEL_SIZE_KEYS = ['embed_dim', 'depth', 'num_heads'] as const;

function isMapping(value: unknown): value is Mapping {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Merges `upper` over `lower`: mappings merge key by key, everything else (numbers, lists such as
 * `mask`) is replaced. One rule knows the model: a layer that names `model.model_name` replaces the
 * lower layer's `embed_dim/depth/num_heads` and vice versa, so `--set model.model_name=vit_small`
 * on top of the tiny preset just works.
 *
 * @example
 * mergeLayers({ data: { batch_size: 8, num_frames: 8 } }, { data: { batch_size: 4 } });
 * // { data: { batch_size: 4, num_frames: 8 } }
 */
export function mergeLayers(lower: Mapping, upper: Mapping): Mapping {
  const out: Mapping = { ...lower };
  for (const [key, value] of Object.entries(upper)) {
    const below = out[key];
    out[key] = isMapping(value) && isMapping(below) ? mergeLayers(below, value) : structuredClone(value);
  }
  const upperModel = upper.model;
  if (isMapping(upperModel) && isMapping(out.model)) {
    const model = { ...(out.model as Mapping) };
    if (upperModel.model_name != null) {
      for (const k of MODEL_SIZE_KEYS) if (!(k in upperModel)) model[k] = null;
    } else if (MODEL_SIZE_KEYS.some((k) => upperModel[k] != null) && !('model_name' in upperModel)) {
      model.model_name = null;
    }
    out.model = model;
  }
  return out;
}

/**
 * Parses YAML text that must be a mapping at the top level (a config file or a preset).
 *
 * @example
 * parseConfigYaml('optimization:\n  lr: 1.0e-3\n', 'my.yaml'); // { optimization: { lr: 0.001 } }
 */
export function parseConfigYaml(text: string, source: string): Mapping {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (e) {
    throw new ConfigError(source, { expected: 'valid YAML', received: (e as Error).message.split('\n')[0], cause: e });
  }
  if (value === null || value === undefined) return {};
  if (!isMapping(value)) {
    throw new ConfigError(source, { expected: 'a YAML mapping with sections such as data, model, optimization', received: Array.isArray(value) ? 'a list' : JSON.stringify(value) });
  }
  return value;
}

/**
 * One parsed `--set a.b=c` override: the key path and the value parsed as a YAML scalar.
 *
 * @example
 * parseSetOverride('mask.0.num_blocks=4'); // { path: ['mask', 0, 'num_blocks'], value: 4 }
 */
export interface SetOverride {
  readonly path: readonly (string | number)[];
  readonly value: unknown;
}

/**
 * Parses `--set key.path=value`. The value is read as YAML, so `1e-3` is a number, `true` a
 * boolean, `null` null, `[0.3, 1.0]` a list and `abc` a string. A numeric path segment indexes a
 * list (`mask.0.num_blocks=4`).
 *
 * @example
 * parseSetOverride('optimization.lr=1e-3'); // { path: ['optimization', 'lr'], value: 0.001 }
 */
export function parseSetOverride(text: string): SetOverride {
  const eq = text.indexOf('=');
  if (eq <= 0) {
    throw new ConfigError(`--set ${text}`, { expected: 'key.path=value', received: JSON.stringify(text), hint: 'for example --set optimization.lr=1e-3' });
  }
  const key = text.slice(0, eq).trim();
  const parts = key.split('.');
  if (parts.some((p) => p === '')) {
    throw new ConfigError(`--set ${text}`, { expected: 'a dotted key path such as data.batch_size', received: JSON.stringify(key) });
  }
  const raw = text.slice(eq + 1);
  let value: unknown;
  try {
    value = raw.trim() === '' ? null : parseYaml(raw);
  } catch (e) {
    throw new ConfigError(`--set ${key}`, { expected: 'a YAML value', received: JSON.stringify(raw), cause: e });
  }
  return { path: parts.map((p) => (/^\d+$/.test(p) ? Number(p) : p)), value };
}

/**
 * Turns overrides into one layer to merge on top (lists are copied from `base` before an indexed
 * override changes one item, so `mask.0.num_blocks=4` keeps the other mask types).
 *
 * @example
 * overridesToLayer([parseSetOverride('data.batch_size=4')], {}); // { data: { batch_size: 4 } }
 */
export function overridesToLayer(overrides: readonly SetOverride[], base: Mapping): Mapping {
  const layer: Mapping = {};
  for (const { path, value } of overrides) {
    let node: Record<string | number, unknown> = layer;
    let baseNode: unknown = base;
    path.forEach((part, i) => {
      const below = baseNode !== null && typeof baseNode === 'object' ? (baseNode as Record<string | number, unknown>)[part] : undefined;
      if (i === path.length - 1) {
        node[part] = value;
        return;
      }
      if (node[part] === undefined || node[part] === null || typeof node[part] !== 'object') {
        node[part] = Array.isArray(below) ? structuredClone(below) : {};
      }
      node = node[part] as Record<string | number, unknown>;
      baseNode = below;
    });
  }
  return layer;
}
