import { ConfigError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from './command-line';

const FLAGS = { set: { type: 'string', multiple: true }, folder: { type: 'string' }, checkpoint: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (ConfigError.isInstance(e)) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('parseCommandLine', () => {
  it('parses flags and drops a leading -- (pnpm run main -- --set ...)', () => {
    expect(parseCommandLine(['--', '--set', 'meta.seed=11', '--set', 'a=1'], FLAGS, 'vjepa-eval main').set).toEqual(['meta.seed=11', 'a=1']);
    expect(parseCommandLine(['-h'], FLAGS, 'x').help).toBe(true);
  });

  it('names an unknown flag and the flag meant', () => {
    const e = errorOf(() => parseCommandLine(['--sett', 'x=1'], FLAGS, 'vjepa-eval main'));
    expect(e.message).toBe('vjepa-eval main: --sett: expected one of its flags, received an unknown flag. did you mean --set? (see vjepa-eval main --help)');
    expect(errorOf(() => parseCommandLine(['--chekpoint=a'], FLAGS, 'p')).message).toContain('did you mean --checkpoint?');
    expect(errorOf(() => parseCommandLine(['--zzzzzzzz'], FLAGS, 'p')).message).not.toContain('did you mean');
  });

  it('says what is wrong with a missing value and a stray argument', () => {
    expect(errorOf(() => parseCommandLine(['--folder'], FLAGS, 'p')).message).toMatch(/^p: --folder: .*argument missing/);
    expect(errorOf(() => parseCommandLine(['runs/x'], FLAGS, 'p')).message).toMatch(/^p: "runs\/x": expected only flags/);
    expect(errorOf(() => parseCommandLine(['--set', 'a=1', '--', '--set', 'b=2'], FLAGS, 'p')).message).toMatch(/expected only flags/);
  });
});
