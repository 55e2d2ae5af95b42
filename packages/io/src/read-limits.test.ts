import { ConfigError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_EXPANDED_BYTES, checkLimit, defaultMaxInflatedBytes, formatBytes } from './read-limits';

describe('read limits', () => {
  it('default and check options', () => {
    expect(checkLimit('x', undefined, 5)).toBe(5);
    expect(checkLimit('x', 0, 5)).toBe(0);
    expect(checkLimit('x', Number.POSITIVE_INFINITY, 5)).toBe(Number.POSITIVE_INFINITY);
    for (const bad of [-1, Number.NaN, '10', null, 2n]) {
      expect(() => checkLimit('maxThing', bad, 5)).toThrow(ConfigError);
      expect(() => checkLimit('maxThing', bad, 5)).toThrow(/option maxThing: expected a number >= 0 \(Infinity for no limit\)/);
    }
    expect(DEFAULT_MAX_EXPANDED_BYTES).toBe(256 * 1024 * 1024);
    expect(defaultMaxInflatedBytes(1000)).toBe(256 * 1024 * 1024 + 32_000);
  });

  it('formats byte counts', () => {
    expect(formatBytes(12)).toBe('12 bytes');
    expect(formatBytes(1536)).toBe('1536 bytes (1.5 KiB)');
    expect(formatBytes(8 * 1024 ** 3)).toBe('8589934592 bytes (8 GiB)');
    expect(formatBytes(2 ** 60 * 3)).toBe('3.459e+18 bytes (3 EiB)');
    expect(formatBytes(Number.POSITIVE_INFINITY)).toBe('Infinity');
  });
});
