import { ConfigError } from '@vjepa/errors';

/**
 * One multiblock3d mask type (camelCase mirror of an entry of the official `mask:` YAML list).
 *
 * @example
 * const shortRange: MaskTypeOptions = {
 *   numBlocks: 8, spatialScale: [0.15, 0.15], temporalScale: [1, 1], aspectRatio: [0.75, 1.5],
 * };
 */
export interface MaskTypeOptions {
  /** Blocks hidden per sample (their union is the target). Integer >= 1. */
  readonly numBlocks: number;
  /** Fraction of the h*w patches one block covers, `[min, max]` in (0, 1]. */
  readonly spatialScale: readonly [number, number];
  /** Fraction of the time slots one block covers, `[min, max]` in (0, 1]. */
  readonly temporalScale: readonly [number, number];
  /** Block height / width, `[min, max]`, both > 0. */
  readonly aspectRatio: readonly [number, number];
  /** Hide every time slot from `int(T * maxTemporalKeep)` on (causal variant). In (0, 1]; default 1 (off). */
  readonly maxTemporalKeep?: number;
  /** Cap on the context length after truncation; null or omitted for none. */
  readonly maxKeep?: number | null;
}

/**
 * A mask type as written in the official YAML (`mask:` list entries, snake_case).
 *
 * @example
 * const entry: OfficialMaskConfig = { num_blocks: 2, spatial_scale: [0.7, 0.7], temporal_scale: [1, 1],
 *   aspect_ratio: [0.75, 1.5], max_temporal_keep: 1.0, max_keep: null };
 */
export interface OfficialMaskConfig {
  readonly num_blocks: number;
  readonly spatial_scale: readonly [number, number];
  readonly temporal_scale: readonly [number, number];
  readonly aspect_ratio: readonly [number, number];
  readonly max_temporal_keep?: number;
  readonly max_keep?: number | null;
}

/**
 * The two mask types of every released V-JEPA model, in the official YAML form: "short range"
 * (8 blocks of 0.15) and "long range" (2 blocks of 0.7).
 *
 * @example
 * multiblock3d(fromOfficialMaskConfig(RELEASED_OFFICIAL_MASK_CONFIG));
 */
export const RELEASED_OFFICIAL_MASK_CONFIG: readonly OfficialMaskConfig[] = Object.freeze([
  Object.freeze({
    num_blocks: 8,
    spatial_scale: [0.15, 0.15] as const,
    temporal_scale: [1.0, 1.0] as const,
    aspect_ratio: [0.75, 1.5] as const,
    max_temporal_keep: 1.0,
    max_keep: null,
  }),
  Object.freeze({
    num_blocks: 2,
    spatial_scale: [0.7, 0.7] as const,
    temporal_scale: [1.0, 1.0] as const,
    aspect_ratio: [0.75, 1.5] as const,
    max_temporal_keep: 1.0,
    max_keep: null,
  }),
]);

/**
 * The released mask types in camelCase, ready for `multiblock3d`.
 *
 * @example
 * const strategy = multiblock3d(RELEASED_MASK_TYPES);
 */
export const RELEASED_MASK_TYPES: readonly MaskTypeOptions[] = Object.freeze(
  RELEASED_OFFICIAL_MASK_CONFIG.map((m) =>
    Object.freeze({
      numBlocks: m.num_blocks,
      spatialScale: m.spatial_scale,
      temporalScale: m.temporal_scale,
      aspectRatio: m.aspect_ratio,
      maxTemporalKeep: m.max_temporal_keep,
      maxKeep: m.max_keep,
    }),
  ),
);

type Field = 'numBlocks' | 'spatialScale' | 'temporalScale' | 'aspectRatio' | 'maxTemporalKeep' | 'maxKeep';
const SNAKE: Record<Field, string> = {
  numBlocks: 'num_blocks',
  spatialScale: 'spatial_scale',
  temporalScale: 'temporal_scale',
  aspectRatio: 'aspect_ratio',
  maxTemporalKeep: 'max_temporal_keep',
  maxKeep: 'max_keep',
};

function show(value: unknown): string {
  if (value === undefined) return 'undefined (missing)';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function checkRange(path: string, value: unknown, kind: 'scale' | 'ratio'): readonly [number, number] {
  const allowed = kind === 'scale' ? 'each in (0, 1]' : 'each a finite number > 0';
  if (!Array.isArray(value) || value.length !== 2 || !value.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new ConfigError(path, { expected: `[min, max], ${allowed}, min <= max`, received: show(value) });
  }
  const [lo, hi] = value as [number, number];
  for (const [i, x] of [lo, hi].entries()) {
    const ok = kind === 'scale' ? x > 0 && x <= 1 : x > 0;
    if (!ok) throw new ConfigError(`${path}[${i}]`, { expected: `a number ${kind === 'scale' ? 'in (0, 1]' : '> 0'}`, received: show(x) });
  }
  if (lo > hi) {
    throw new ConfigError(path, { expected: '[min, max] with min <= max', received: show(value), hint: 'the range is reversed' });
  }
  return [lo, hi];
}

/**
 * Validates and normalises mask types (internal); `style` picks the key names used in error paths.
 *
 * @example
 * normaliseMaskTypes(list, 'mask', 'snake'); // throws ConfigError at e.g. mask[1].spatial_scale
 */
export function normaliseMaskTypes(list: unknown, prefix: string, style: 'camel' | 'snake'): MaskTypeOptions[] {
  if (!Array.isArray(list) || list.length === 0) {
    throw new ConfigError(prefix, { expected: 'a non-empty list of mask types', received: show(list) });
  }
  return list.map((entry: unknown, k) => {
    const at = `${prefix}[${k}]`;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      throw new ConfigError(at, { expected: 'a mask type object', received: show(entry) });
    }
    const e = entry as Record<string, unknown>;
    const key = (f: Field) => (style === 'snake' ? SNAKE[f] : f);
    const known = new Set((Object.keys(SNAKE) as Field[]).map(key));
    for (const k2 of Object.keys(e)) {
      if (!known.has(k2)) {
        throw new ConfigError(`${at}.${k2}`, { expected: `one of ${[...known].join(', ')}`, received: 'an unknown key', hint: 'check the spelling' });
      }
    }
    const get = (f: Field) => e[key(f)];
    const path = (f: Field) => `${at}.${key(f)}`;
    const numBlocks = get('numBlocks');
    if (typeof numBlocks !== 'number' || !Number.isSafeInteger(numBlocks) || numBlocks < 1) {
      throw new ConfigError(path('numBlocks'), { expected: 'an integer >= 1', received: show(numBlocks) });
    }
    const spatialScale = checkRange(path('spatialScale'), get('spatialScale'), 'scale');
    const temporalScale = checkRange(path('temporalScale'), get('temporalScale'), 'scale');
    const aspectRatio = checkRange(path('aspectRatio'), get('aspectRatio'), 'ratio');
    const mtk = get('maxTemporalKeep') ?? 1;
    if (typeof mtk !== 'number' || !(mtk > 0 && mtk <= 1)) {
      throw new ConfigError(path('maxTemporalKeep'), { expected: 'a number in (0, 1]', received: show(mtk) });
    }
    const maxKeep = get('maxKeep') ?? null;
    if (maxKeep !== null && (typeof maxKeep !== 'number' || !Number.isSafeInteger(maxKeep) || maxKeep < 1)) {
      throw new ConfigError(path('maxKeep'), { expected: 'null or an integer >= 1', received: show(maxKeep) });
    }
    return Object.freeze({ numBlocks, spatialScale, temporalScale, aspectRatio, maxTemporalKeep: mtk, maxKeep: maxKeep as number | null });
  });
}

/**
 * Converts the official YAML `mask:` list (snake_case keys, as parsed from YAML, so typed loosely)
 * into `MaskTypeOptions`, validating every entry; errors name the path, e.g. `mask[1].spatial_scale`.
 *
 * @example
 * const maskTypes = fromOfficialMaskConfig(yaml.mask); // then multiblock3d(maskTypes)
 */
export function fromOfficialMaskConfig(list: readonly OfficialMaskConfig[] | unknown, path = 'mask'): MaskTypeOptions[] {
  return normaliseMaskTypes(list, path, 'snake');
}
