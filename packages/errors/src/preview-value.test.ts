import { describe, expect, it } from 'vitest';
import { CheckpointError, DataError, DegenerateStepError, MESSAGE_PART_LIMIT, NonFiniteLossError, previewValue, truncateText } from './index';

describe('previewValue', () => {
  it('prints JSON values as JSON.stringify does', () => {
    for (const v of [{ loss: 'NaN', lr: 0.1 }, [1, 'a', null, true], { a: { b: [1, { c: 2 }] } }, 'quote"d', 3, -0.5, {}, []]) {
      expect(previewValue(v)).toBe(JSON.stringify(v));
    }
  });

  it('prints what JSON cannot: bigints, NaN, undefined, cycles, typed arrays, errors', () => {
    expect(previewValue([2n ** 64n, 1])).toBe('[18446744073709551616,1]');
    expect(previewValue({ loss: Number.NaN, g: Infinity })).toBe('{"loss":NaN,"g":Infinity}');
    expect(previewValue(undefined)).toBe('undefined');
    const cyc: unknown[] = [1];
    cyc.push(cyc);
    expect(previewValue(cyc)).toBe('[1,[Circular]]');
    expect(previewValue(new Float32Array([1, 2.5]))).toBe('Float32Array(2) [1,2.5]');
    expect(previewValue(new BigInt64Array([3n]))).toBe('BigInt64Array(1) [3]');
    expect(previewValue(new RangeError('Invalid typed array length'))).toBe('RangeError: Invalid typed array length');
    expect(previewValue(Symbol('s'))).toBe('Symbol(s)');
  });

  it('stays short on huge, deep and hostile values', () => {
    expect(previewValue('x'.repeat(50_000_000)).length).toBeLessThanOrEqual(201);
    expect(previewValue(new Array(1e6).fill(7), { maxLength: 20 })).toBe('[7,7,7,7,7,7,7,7,7,7…');
    let deep: unknown = [];
    for (let i = 0; i < 1_000_000; i++) deep = [deep];
    expect(previewValue(deep)).toBe('[[[[[…]]]]]');
    expect(previewValue(new Proxy({}, { ownKeys() { throw new Error('trap'); } }))).toBe('[unprintable value]');
    expect(previewValue({ get x() { throw new Error('getter'); } })).toBe('[unprintable value]');
    expect(previewValue(Object.create(null))).toBe('{}');
  });

  it('truncates text without splitting a surrogate pair', () => {
    expect(truncateText('abc', 5)).toBe('abc');
    expect(truncateText('abcdef', 3)).toBe('abc… (3 more characters)');
    expect(truncateText('a😀b', 2)).toBe('a… (3 more characters)');
  });
});

describe('building an error never throws', () => {
  it('accepts bigints, objects and huge strings in any part', () => {
    const huge = 'y'.repeat(10_000_000);
    const e = new CheckpointError(huge, { expected: huge, received: huge, hint: huge });
    expect(e.message.length).toBeLessThan(4 * MESSAGE_PART_LIMIT + 400);
    expect(e.received!.length).toBeLessThan(MESSAGE_PART_LIMIT + 40);
    // plain-JS callers may pass anything
    const loose = new DataError(2n ** 64n as unknown as string, { received: { stride: [2n ** 64n] } as unknown as string, expected: null as unknown as string });
    expect(loose.message).toBe('18446744073709551616: expected null, received {"stride":[18446744073709551616]}.');
    expect(new DataError('x', null as unknown as undefined).message).toBe('x');
  });

  it('prints the state of a non-finite or degenerate step even with bigints and cycles', () => {
    const state: Record<string, unknown> = { step: 2n ** 70n, loss: Number.NaN };
    state.self = state;
    expect(new NonFiniteLossError(3, state).message).toContain('received {"step":1180591620717411303424,"loss":NaN,"self":[Circular]}');
    expect(new DegenerateStepError(3, 'loss 0', { loss: 0 }).message).toContain('received {"loss":0}');
  });
});
