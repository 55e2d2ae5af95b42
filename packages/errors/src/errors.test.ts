import { describe, expect, it } from 'vitest';
import { ConfigError, DegenerateStepError, NonFiniteLossError, VjepaError, formatMessage } from './index';

describe('errors', () => {
  it('formats what, expected, received and hint', () => {
    const e = new ConfigError('mask[0].spatial_scale', { expected: 'numbers in (0, 1]', received: '[0.1, 1.5]', hint: 'see the released configs' });
    expect(e.message).toBe('mask[0].spatial_scale: expected numbers in (0, 1], received [0.1, 1.5]. see the released configs');
    expect(e.name).toBe('ConfigError');
    expect(e).toBeInstanceOf(VjepaError);
  });

  it('recognises instances by marker, not prototype', () => {
    expect(VjepaError.isInstance(new ConfigError('x'))).toBe(true);
    expect(VjepaError.isInstance({ [Symbol.for('vjepa.error')]: true })).toBe(true);
    expect(VjepaError.isInstance(new Error('x'))).toBe(false);
    expect(VjepaError.isInstance(null)).toBe(false);
  });

  it('carries the step of a non-finite loss', () => {
    const e = new NonFiniteLossError(12, { lr: 0.1 });
    expect(e.step).toBe(12);
    expect(e.message).toContain('step 12');
    expect(formatMessage('a')).toBe('a');
  });
  it('names the step and what was zero for a degenerate step', () => {
    const e = new DegenerateStepError(3, 'loss 0', { loss: 0 });
    expect(e.step).toBe(3);
    expect(e.message).toContain('step 3 computed nothing usable (loss 0)');
    expect(e.message).toContain('received {"loss":0}');
    expect(VjepaError.isInstance(e)).toBe(true);
  });
});
