import { ConfigError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { CosineWDSchedule, LinearMomentumSchedule, WarmupCosineSchedule, scheduleLength } from './schedules';

// The released V-JEPA recipe: 300 epochs x 300 iterations, ipe_scale 1.25, warmup 40 epochs.
const epochs = 300;
const ipe = 300;
const T = scheduleLength({ epochs, ipe, ipeScale: 1.25 });
const warmupSteps = 40 * ipe;
const lr = new WarmupCosineSchedule({ warmupSteps, startLr: 2e-4, refLr: 6.25e-4, finalLr: 1e-6, totalSteps: T });
const wd = new CosineWDSchedule({ refWd: 0.04, finalWd: 0.4, totalSteps: T });
const ema = new LinearMomentumSchedule({ start: 0.998, end: 1.0, totalSteps: T });
const lastIteration = epochs * ipe - 1;

describe('released V-JEPA schedules', () => {
  it('stretches the horizon by ipe_scale', () => {
    expect(T).toBe(112500);
  });

  it('warms the LR up linearly from start_lr, one counter ahead of the iteration', () => {
    expect(lr.at(0)).toBeCloseTo(2e-4, 15);
    expect(lr.forIteration(0)).toBeCloseTo(2e-4 + (1 / 12000) * (6.25e-4 - 2e-4), 15);
    expect(lr.at(6000)).toBeCloseTo((2e-4 + 6.25e-4) / 2, 15);
  });

  it('peaks at lr at the end of warmup (iteration 11999 uses counter 12000)', () => {
    expect(lr.forIteration(warmupSteps - 1)).toBeCloseTo(6.25e-4, 15);
    expect(lr.at(warmupSteps)).toBeCloseTo(6.25e-4, 15);
  });

  it('ends training near 7.5e-5 because the cosine runs over 1.25x the steps', () => {
    const last = lr.forIteration(lastIteration); // counter 90000
    const progress = (90000 - 12000) / (112500 - 12000);
    const expected = 1e-6 + (6.25e-4 - 1e-6) * 0.5 * (1 + Math.cos(Math.PI * progress));
    expect(last).toBeCloseTo(expected, 15);
    expect(last).toBeGreaterThan(7.4e-5);
    expect(last).toBeLessThan(7.6e-5);
  });

  it('never goes below final_lr and reaches it at T', () => {
    expect(lr.at(T)).toBeCloseTo(1e-6, 15);
    expect(lr.at(T + 5000)).toBeGreaterThanOrEqual(1e-6);
  });

  it('increases weight decay on a cosine from 0.04 toward 0.4', () => {
    expect(wd.at(0)).toBeCloseTo(0.04, 15);
    expect(wd.forIteration(0)).toBeCloseTo(0.4 + (0.04 - 0.4) * 0.5 * (1 + Math.cos(Math.PI / T)), 15);
    expect(wd.at(T / 2)).toBeCloseTo(0.22, 12);
    const end = wd.forIteration(lastIteration);
    expect(end).toBeCloseTo(0.4 + (0.04 - 0.4) * 0.5 * (1 + Math.cos((Math.PI * 90000) / T)), 15);
    expect(wd.at(T * 2)).toBeLessThanOrEqual(0.4); // clamped toward final_wd, never past it
  });

  it('moves EMA momentum linearly from 0.998, the first iteration using i = 0', () => {
    expect(ema.forIteration(0)).toBe(0.998);
    expect(ema.forIteration(1)).toBeCloseTo(0.998 + 0.002 / T, 15);
    const end = ema.forIteration(lastIteration);
    expect(end).toBeCloseTo(0.998 + (lastIteration * 0.002) / T, 15);
    expect(end).toBeCloseTo(0.9996, 4);
  });
});

describe('schedule validation', () => {
  it('rejects warmup longer than the schedule and negative values', () => {
    expect(() => new WarmupCosineSchedule({ warmupSteps: 10, startLr: 0, refLr: 1e-3, finalLr: 0, totalSteps: 5 })).toThrow(ConfigError);
    expect(() => new WarmupCosineSchedule({ warmupSteps: 1, startLr: 0, refLr: -1, finalLr: 0, totalSteps: 5 })).toThrow(/refLr/);
    expect(() => new LinearMomentumSchedule({ start: 1.2, end: 1, totalSteps: 5 })).toThrow(/\[0, 1\]/);
    expect(() => lr.at(-1)).toThrow(ConfigError);
  });
});
