import { CosineWDSchedule, LinearMomentumSchedule, WarmupCosineSchedule, scheduleLength } from '@vjepa/optim';
import type { TrainerConfig } from './config';
import type { TrainerState } from './trainer-state';

/**
 * The three schedules of a trainer config (the reference's): warmup-then-cosine LR, cosine weight
 * decay and linear EMA momentum, over `int(ipeScale * epochs * ipe)` steps.
 *
 * @example
 * const { lr } = trainerSchedules(resolveTrainerConfig({}));
 * lr.forIteration(0); // 2e-4 plus one warmup step
 */
export interface TrainerSchedules {
  readonly lr: WarmupCosineSchedule;
  readonly wd: CosineWDSchedule;
  readonly momentum: LinearMomentumSchedule;
}

/**
 * Builds the schedules of a resolved trainer config.
 *
 * @example
 * const schedules = trainerSchedules(trainer.config);
 */
export function trainerSchedules(config: TrainerConfig): TrainerSchedules {
  const o = config.optimization;
  const totalSteps = scheduleLength({ epochs: o.epochs, ipe: o.ipe, ipeScale: o.ipeScale });
  return {
    lr: new WarmupCosineSchedule({ warmupSteps: o.warmupEpochs * o.ipe, startLr: o.startLr, refLr: o.lr, finalLr: o.finalLr, totalSteps }),
    wd: new CosineWDSchedule({ refWd: o.weightDecay, finalWd: o.finalWeightDecay, totalSteps }),
    momentum: new LinearMomentumSchedule({ start: o.ema[0], end: o.ema[1], totalSteps }),
  };
}

/**
 * The informative schedule values a {@link TrainerState} records after `iteration` steps: those the
 * next step uses, the reference's counters, and the LR of the last step done.
 *
 * @example
 * scheduleValues(trainerSchedules(config), 100).lrCounter; // 101
 */
export function scheduleValues(schedules: TrainerSchedules, iteration: number): TrainerState['schedules'] {
  const i = iteration;
  return {
    lr: schedules.lr.forIteration(i),
    wd: schedules.wd.forIteration(i),
    momentum: schedules.momentum.forIteration(i),
    lrCounter: i + 1,
    momentumIndex: i,
    lastLr: schedules.lr.forIteration(Math.max(0, i - 1)),
  };
}
