import { describe, expect, it } from 'vitest';
import { chanceBound, marginNote } from './suite';

describe('suite notes', () => {
  it('sets the near-chance bound at chance plus three binomial standard errors', () => {
    expect(chanceBound(0.125, 200)).toBeCloseTo(0.125 + 3 * Math.sqrt((0.125 * 0.875) / 200), 12);
  });

  it('states the lead over random init in seed sd, and refuses a margin when no seed varied', () => {
    expect(marginNote({ mean: 0.54, std: 0.01 }, { mean: 0.46, std: 0.02 })).toBe('+8.0 vs random-init (4.0 sd; beats it by > 3 sd)');
    expect(marginNote({ mean: 0.5, std: 0.03 }, { mean: 0.46, std: 0.01 })).toBe('+4.0 vs random-init (1.3 sd; not > 3 sd)');
    expect(marginNote({ mean: 0.4, std: 0.01 }, { mean: 0.46, std: 0.01 })).toMatch(/^-6\.0 vs random-init \(-6\.0 sd; not > 3 sd\)$/);
    const flat = marginNote({ mean: 0.1, std: 0 }, { mean: 0.067, std: 0 });
    expect(flat).toMatch(/^\+3\.3 vs random-init \(no seed-to-seed variation/);
    expect(flat).not.toMatch(/beats/);
  });
});
