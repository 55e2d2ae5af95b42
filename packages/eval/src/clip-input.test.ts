import { describe, expect, it } from 'vitest';
import { detectLayout, toChannelsLast } from './clip-input';

describe('clip layout', () => {
  it('detects the layout by the axis of size 3', () => {
    expect(detectLayout([2, 3, 4, 32, 32])).toBe('channels-first');
    expect(detectLayout([2, 4, 32, 32, 3])).toBe('channels-last');
    expect(detectLayout([2, 32, 32, 3])).toBe('channels-last');
  });

  it('asks for --layout when both axes are 3 and checks a given layout', () => {
    expect(() => detectLayout([1, 3, 4, 4, 3])).toThrow(/--layout/);
    expect(detectLayout([1, 3, 4, 4, 3], 'channels-first')).toBe('channels-first');
    expect(() => detectLayout([1, 4, 4, 4, 3], 'channels-first')).toThrow(/axis 1 of size 3/);
    expect(() => detectLayout([1, 4, 4, 4, 4])).toThrow(/size 3/);
    expect(() => detectLayout([4, 3])).toThrow(/rank 5/);
  });

  it('moves channels last', () => {
    // [1, 3, 2] channels-first: channel c, position s -> value 10c + s
    const { data, shape } = toChannelsLast(Float32Array.from([0, 1, 10, 11, 20, 21]), [1, 3, 2]);
    expect(shape).toEqual([1, 2, 3]);
    expect([...data]).toEqual([0, 10, 20, 1, 11, 21]);
  });
});
