import { describe, expect, it, vi } from 'vitest';
import * as errors from './index';

const { BackendError, CheckpointError, ConfigError, DataError, DegenerateStepError, MaskError, MemoryLimitError, NonFiniteLossError, ShapeError, VjepaError } = errors;

/** One instance of every class, built with its own constructor. */
function oneOfEach(m: typeof errors) {
  return {
    ConfigError: new m.ConfigError('x'),
    ShapeError: new m.ShapeError('x'),
    MaskError: new m.MaskError('x'),
    CheckpointError: new m.CheckpointError('x'),
    DataError: new m.DataError('x'),
    BackendError: new m.BackendError('x'),
    NonFiniteLossError: new m.NonFiniteLossError(1, {}),
    DegenerateStepError: new m.DegenerateStepError(1, 'loss 0', {}),
    MemoryLimitError: new m.MemoryLimitError('x'),
  };
}

const classes = { ConfigError, ShapeError, MaskError, CheckpointError, DataError, BackendError, NonFiniteLossError, DegenerateStepError, MemoryLimitError };
/** Subclasses among them: the parent's isInstance is also true for the child. */
const parentOf: Record<string, string> = { MemoryLimitError: 'BackendError' };

describe('isInstance per class', () => {
  it('is true for its own class only, and VjepaError.isInstance for all', () => {
    const made = oneOfEach(errors);
    for (const [name, cls] of Object.entries(classes)) {
      for (const [other, e] of Object.entries(made)) {
        expect(cls.isInstance(e), `${name}.isInstance(${other})`).toBe(name === other || parentOf[other] === name);
      }
    }
    for (const e of Object.values(made)) expect(VjepaError.isInstance(e)).toBe(true);
    for (const x of [new Error('x'), null, undefined, 'CheckpointError', { name: 'CheckpointError' }]) {
      expect(CheckpointError.isInstance(x)).toBe(false);
      expect(VjepaError.isInstance(x)).toBe(false);
    }
  });

  it('holds across a duplicated install (a second copy of the module graph)', async () => {
    vi.resetModules();
    const copy = (await import('./index')) as typeof errors;
    expect(copy.CheckpointError).not.toBe(CheckpointError); // really a second copy
    const theirs = oneOfEach(copy);
    expect(theirs.CheckpointError).not.toBeInstanceOf(CheckpointError);
    for (const [name, cls] of Object.entries(classes)) {
      for (const [other, e] of Object.entries(theirs)) expect(cls.isInstance(e), `${name}.isInstance(copy ${other})`).toBe(name === other || parentOf[other] === name);
    }
    expect(copy.DataError.isInstance(new DataError('mine'))).toBe(true);
    expect(copy.VjepaError.isInstance(new MaskError('mine'))).toBe(true);
  });

  it('covers subclasses: their own marker, and their parents\'', () => {
    class TruncatedCheckpointError extends CheckpointError {
      static override readonly marker: string = 'vjepa.error.test.TruncatedCheckpointError';
      static override isInstance(error: unknown): error is TruncatedCheckpointError {
        return errors.hasMarker(error, TruncatedCheckpointError.marker);
      }
    }
    class PlainSub extends DataError {}
    const t = new TruncatedCheckpointError('x');
    expect([TruncatedCheckpointError.isInstance(t), CheckpointError.isInstance(t), VjepaError.isInstance(t), DataError.isInstance(t)]).toEqual([true, true, true, false]);
    expect(TruncatedCheckpointError.isInstance(new CheckpointError('x'))).toBe(false);
    expect(t.name).toBe('TruncatedCheckpointError');
    expect(DataError.isInstance(new PlainSub('x'))).toBe(true);
  });

  it('is declared by every exported class (a new class without its own marker would inherit VjepaError.isInstance)', () => {
    const exported = Object.entries(errors).filter(([, v]) => typeof v === 'function' && v.prototype instanceof VjepaError);
    expect(exported.map(([name]) => name).sort()).toEqual(Object.keys(classes).sort());
    for (const [name, cls] of exported) {
      expect(Object.prototype.hasOwnProperty.call(cls, 'marker'), `${name}.marker`).toBe(true);
      expect(Object.prototype.hasOwnProperty.call(cls, 'isInstance'), `${name}.isInstance`).toBe(true);
      expect((cls as { marker: string }).marker).toBe(`vjepa.error.${name}`);
    }
  });

  it('never throws, even on a proxy whose traps throw', () => {
    const hostile = new Proxy({}, { get() { throw new Error('trap'); } });
    expect(CheckpointError.isInstance(hostile)).toBe(false);
    expect(VjepaError.isInstance(hostile)).toBe(false);
  });

  it('marks instances with global symbols, one per class up the chain', () => {
    const e = new NonFiniteLossError(1, {});
    const symbols = Object.getOwnPropertySymbols(e).map((s) => Symbol.keyFor(s));
    expect(symbols.sort()).toEqual(['vjepa.error', 'vjepa.error.NonFiniteLossError']);
  });
});
