import { ConfigError } from '@vjepa/errors';
import { z } from 'zod';
import { didYouMean } from './did-you-mean';

function show(value: unknown): string {
  if (value === undefined) return 'nothing (missing)';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value); // JSON would say null
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Key path as users write it: `mask[1].spatial_scale[0]`, `optimization.lr`.
 *
 * @example
 * formatPath(['mask', 1, 'spatial_scale', 0]); // 'mask[1].spatial_scale[0]'
 */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out === '' ? '(top level)' : out;
}

function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let node = root;
  for (const part of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[part];
  }
  return node;
}

/** Unwraps optional/nullable/default/effects wrappers to the schema underneath. */
function unwrap(schema: z.ZodTypeAny): z.ZodTypeAny {
  let s = schema;
  for (;;) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap();
    else if (s instanceof z.ZodDefault) s = s._def.innerType;
    else if (s instanceof z.ZodEffects) s = s.innerType();
    else return s;
  }
}

/**
 * The keys an object schema allows at `path`, or [] when the path does not lead to an object.
 *
 * @example
 * knownKeysAt(z.object({ data: z.object({ batch_size: z.number() }) }), ['data']); // ['batch_size']
 */
export function knownKeysAt(schema: z.ZodTypeAny, path: readonly (string | number)[]): string[] {
  let s = unwrap(schema);
  for (const part of path) {
    if (s instanceof z.ZodObject && typeof part === 'string') s = unwrap(s.shape[part] ?? z.never());
    else if (s instanceof z.ZodArray) s = unwrap(s.element);
    else if (s instanceof z.ZodTuple && typeof part === 'number') s = unwrap(s.items[part] ?? z.never());
    else return [];
  }
  return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
}

function bound(kind: 'min' | 'max', value: number | bigint, inclusive: boolean, integer: boolean): string {
  const noun = integer ? 'an integer' : 'a number';
  const op = kind === 'min' ? (inclusive ? '>=' : '>') : inclusive ? '<=' : '<';
  return `${noun} ${op} ${value}`;
}

/** What one zod issue expected, in words. */
function expectedOf(issue: z.ZodIssue, schema: z.ZodTypeAny): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'integer') return 'an integer';
      return issue.expected === 'array' ? 'a list' : issue.expected === 'object' ? 'a mapping' : `a ${issue.expected}`;
    case 'too_small':
      if (issue.type === 'array') return `a list of at least ${issue.minimum} item(s)`;
      if (issue.type === 'string') return 'a non-empty string';
      return bound('min', issue.minimum, issue.inclusive, isIntegerSchema(schema, issue.path));
    case 'too_big':
      if (issue.type === 'array') return `a list of at most ${issue.maximum} item(s)`;
      return bound('max', issue.maximum, issue.inclusive, isIntegerSchema(schema, issue.path));
    case 'invalid_enum_value':
      return `one of ${issue.options.map((o) => JSON.stringify(o)).join(' | ')}`;
    case 'invalid_literal':
      return show(issue.expected);
    default:
      return issue.message;
  }
}

function isIntegerSchema(schema: z.ZodTypeAny, path: readonly (string | number)[]): boolean {
  let s = unwrap(schema);
  for (const part of path) {
    if (s instanceof z.ZodObject && typeof part === 'string') s = unwrap(s.shape[part] ?? z.never());
    else if (s instanceof z.ZodArray) s = unwrap(s.element);
    else if (s instanceof z.ZodTuple && typeof part === 'number') s = unwrap(s.items[part] ?? z.never());
    else return false;
  }
  return s instanceof z.ZodNumber && s.isInt;
}

/**
 * Turns zod issues into one ConfigError naming the full key path of the first problem, e.g.
 * `optimization.lr: expected a number > 0, received -1.`; further problems are listed in the hint.
 * `source` (a file name) prefixes the key path: `arch.yaml: model.depth: ...`.
 *
 * @example
 * const r = trainConfigSchema.safeParse(raw);
 * if (!r.success) throw configErrorFromIssues(r.error.issues, raw, trainConfigSchema);
 */
export function configErrorFromIssues(issues: readonly z.ZodIssue[], raw: unknown, schema: z.ZodTypeAny, source?: string): ConfigError {
  const described = issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, issue.path);
      return issue.keys.map((key) => {
        const guess = didYouMean(key, known);
        return {
          what: formatPath([...issue.path, key]),
          expected: `no such key (known keys here: ${known.join(', ')})`,
          received: 'an unknown key',
          hint: guess === undefined ? undefined : `did you mean "${guess}"?`,
        };
      });
    }
    return [{ what: formatPath(issue.path), expected: expectedOf(issue, schema), received: show(valueAt(raw, issue.path)), hint: undefined as string | undefined }];
  });
  const [first, ...rest] = described;
  const more = rest.length === 0 ? '' : `Also: ${rest.map((d) => `${d.what} (expected ${d.expected})`).join('; ')}.`;
  const hint = [first.hint, more].filter((s) => s !== undefined && s !== '').join(' ');
  return new ConfigError(source === undefined ? first.what : `${source}: ${first.what}`, { expected: first.expected, received: first.received, hint: hint === '' ? undefined : hint });
}
