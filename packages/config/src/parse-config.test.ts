import { ConfigError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { didYouMean, formatPath, knownKeysAt, parseConfig, positive, positiveInt, range, unitInterval, z } from './index';

const section = z.object({ batch_size: positiveInt, lr: positive, scale: range(unitInterval), name: z.enum(['a', 'b']).nullable() }).strict();

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (ConfigError.isInstance(e)) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('returns the parsed value', () => {
    expect(parseConfig(section, { batch_size: 8, lr: 1e-3, scale: [0.3, 1], name: null })).toEqual({ batch_size: 8, lr: 1e-3, scale: [0.3, 1], name: null });
  });

  it('names the full key path under a prefix, what was expected and what was received', () => {
    const base = { batch_size: 8, lr: 1e-3, scale: [0.3, 1], name: 'a' };
    expect(errorOf(() => parseConfig(section, { ...base, lr: -1 }, ['optimization'])).message).toBe('optimization.lr: expected a number > 0, received -1.');
    expect(errorOf(() => parseConfig(section, { ...base, batch_size: 2.5 }, ['data'])).message).toContain('data.batch_size: expected an integer, received 2.5');
    expect(errorOf(() => parseConfig(section, { ...base, scale: [0.3, 1.5] }, ['mask', 1])).message).toContain('mask[1].scale[1]: expected a number <= 1');
    expect(errorOf(() => parseConfig(section, { ...base, name: 'c' })).message).toContain('name: expected one of "a" | "b"');
  });

  it('rejects an unknown key and suggests the close one', () => {
    const e = errorOf(() => parseConfig(section, { batch_szie: 4, batch_size: 8, lr: 1, scale: [0.5, 1], name: null }, ['data']));
    expect(e.message).toContain('data.batch_szie: expected no such key (known keys here: batch_size, lr, scale, name)');
    expect(e.message).toContain('did you mean "batch_size"?');
  });
});

describe('paths', () => {
  it('formats paths as users write them and lists the keys a schema allows', () => {
    expect(formatPath(['mask', 1, 'spatial_scale', 0])).toBe('mask[1].spatial_scale[0]');
    expect(formatPath([])).toBe('(top level)');
    expect(knownKeysAt(z.object({ data: section }), ['data'])).toEqual(['batch_size', 'lr', 'scale', 'name']);
    expect(knownKeysAt(section, ['lr'])).toEqual([]);
  });
});

describe('didYouMean', () => {
  it('finds the closest name within the distance bound, and nothing past it', () => {
    expect(didYouMean('batch_szie', ['batch_size', 'crop_size'])).toBe('batch_size');
    expect(didYouMean('sett', ['set', 'folder', 'jobs'])).toBe('set');
    expect(didYouMean('checkpont', ['checkpoint', 'config'])).toBe('checkpoint');
    expect(didYouMean('zzzzzz', ['set', 'folder'])).toBeUndefined();
    expect(didYouMean('x'.repeat(10_000), ['x'])).toBeUndefined();
  });
});
