import { CheckpointError, DataError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { readZip } from '../zip-reader';
import { craftZip, deflatedZeros } from './craft-zip';
import { type HostileOutcome, checkHostile, expectHostile, runHostile } from './hostile';

const outcome = (o: Partial<HostileOutcome>): HostileOutcome => ({ threw: false, error: undefined, value: undefined, ms: 1, rssGrowthBytes: 0, ...o });

describe('checkHostile', () => {
  const row = { expect: { error: CheckpointError, message: /bad file/ } };

  it('passes the expected project error', () => {
    expect(checkHostile(row, outcome({ threw: true, error: new CheckpointError('a bad file') }))).toEqual([]);
  });

  it('names every way an outcome breaks its row', () => {
    expect(checkHostile(row, outcome({ value: 3 }))).toEqual(['expected a CheckpointError, but the call returned 3']);
    expect(checkHostile(row, outcome({ threw: true, error: new RangeError('Invalid typed array length: 4398046511104') }))).toEqual([
      'expected a CheckpointError, received RangeError: Invalid typed array length: 4398046511104',
    ]);
    expect(checkHostile(row, outcome({ threw: true, error: new DataError('a bad file') }))[0]).toMatch(/^expected a CheckpointError, received DataError: a bad file/);
    expect(checkHostile(row, outcome({ threw: true, error: new CheckpointError('other') }))).toEqual(['message "other" does not match /bad file/']);
    expect(checkHostile(row, outcome({ threw: true, error: new CheckpointError('bad file', { received: 'Maximum call stack size exceeded' }) }))).toEqual([
      'message carries a raw engine error: "Maximum call stack size exceeded"',
    ]);
    expect(checkHostile({ ...row, maxMs: 10 }, outcome({ threw: true, error: new CheckpointError('bad file'), ms: 11 }))).toEqual(['took 11 ms (bound 10 ms)']);
    expect(checkHostile(row, outcome({ threw: true, error: new CheckpointError('bad file'), rssGrowthBytes: 2 * 1024 ** 3 }))).toEqual(['peak memory grew 2048 MiB (bound 1024 MiB)']);
  });

  it('checks values of rows that must succeed', () => {
    const ok = { expect: { accept: (v: unknown) => { if (v !== 1) throw new Error('not one'); } } };
    expect(checkHostile(ok, outcome({ value: 1 }))).toEqual([]);
    expect(checkHostile(ok, outcome({ value: 2 }))).toEqual(['value not accepted: Error: not one']);
    expect(checkHostile(ok, outcome({ threw: true, error: new CheckpointError('x') }))).toEqual(['expected a value, but the call threw CheckpointError: x']);
  });

  it('runs and measures a call, and expectHostile throws with the row name', async () => {
    const o = await runHostile(async () => 5);
    expect([o.threw, o.value, o.ms >= 0, o.rssGrowthBytes >= 0]).toEqual([false, 5, true, true]);
    const grown = await runHostile(() => new Uint8Array(64 << 20).fill(1).length);
    expect(grown.rssGrowthBytes).toBeGreaterThan(32 << 20);
    await expect(expectHostile({ name: 'row x', prepare: () => () => 1, expect: row.expect })).rejects.toThrow(/^row x:\n {2}- expected a CheckpointError, but the call returned 1$/);
  });
});

describe('craftZip and deflatedZeros', () => {
  it('build archives that say what they are told', () => {
    const zeros = deflatedZeros((5 << 20) + 3);
    expect(zeros.length).toBeLessThan(8000);
    const zip = readZip(craftZip([{ name: 'a', data: new Uint8Array([1, 2]) }, { name: 'z', data: zeros, method: 8, declaredSize: (5 << 20) + 3 }]), { verifyCrc: false });
    expect(Array.from(zip.read('a'))).toEqual([1, 2]);
    const z = zip.read('z');
    expect([z.length, z.every((b) => b === 0)]).toEqual([(5 << 20) + 3, true]);
    const lying = readZip(craftZip([{ name: 'z', data: zeros, method: 8, declaredSize: 10 }]), { file: 'l.zip' });
    expect(() => lying.read('z')).toThrow(/l\.zip: entry "z": expected deflate data that inflates to its declared 10 bytes/);
  });
});
