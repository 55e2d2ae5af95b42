import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StepMetrics } from '@vjepa/trainer';

/**
 * One line of `metrics.jsonl`: the trainer's {@link StepMetrics} as it is (every term the objective
 * computes: `loss`, `lossJepa`, `lossPerType`, `reg`, `encVar`, `encCov`, `featureSpread`, the
 * schedules, gradient norms and mask sizes), plus the run's timings.
 *
 * @example
 * const r: StepRecord = { ...metrics, stepMs: 640, wallMs: 655, clipsPerSec: 12.2 };
 */
export interface StepRecord extends StepMetrics {
  /** Time of the train step itself (the official "gpu-time"). */
  stepMs: number;
  /** Wall time of the iteration, data loading included. */
  wallMs: number;
  /** Clips per second since this process started training. */
  clipsPerSec: number;
}

/**
 * The official CSV columns, in order.
 *
 * @example
 * CSV_COLUMNS.join(','); // 'epoch,itr,loss,loss-jepa,reg-loss,enc-grad-norm,pred-grad-norm,gpu-time(ms),wall-time(ms)'
 */
export const CSV_COLUMNS = ['epoch', 'itr', 'loss', 'loss-jepa', 'reg-loss', 'enc-grad-norm', 'pred-grad-norm', 'gpu-time(ms)', 'wall-time(ms)'] as const;

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(6);
}

/** The step of a record (`step` in the lines runs wrote before the log carried the trainer's metrics). */
function stepOf(r: StepRecord): number {
  return r.iteration ?? (r as unknown as { step: number }).step;
}

/**
 * Appends step records to `metrics.jsonl` (every field) and `<write_tag>_r0.csv` (the official
 * columns: 1-based epoch, iteration within the epoch, loss, loss-jepa, reg-loss, grad norms, times)
 * in the run folder. On resume, both files are cut back to the resumed step so a killed run leaves
 * no duplicate rows.
 *
 * @example
 * const log = new MetricsLog('runs/tiny', 'jepa', { ipe: 50 });
 * log.truncateAfter(resumedStep);
 * log.append({ ...metrics, stepMs, wallMs, clipsPerSec });
 */
export class MetricsLog {
  readonly jsonlPath: string;
  readonly csvPath: string;
  private readonly ipe: number;

  constructor(folder: string, writeTag: string, options: { ipe: number }) {
    this.jsonlPath = join(folder, 'metrics.jsonl');
    this.csvPath = join(folder, `${writeTag}_r0.csv`);
    this.ipe = options.ipe;
  }

  /**
   * Keeps only records with `iteration < nextStep` (what a checkpoint at `nextStep` has already done).
   *
   * @example
   * log.truncateAfter(300);
   */
  truncateAfter(nextStep: number): void {
    const kept = this.read().filter((r) => stepOf(r) < nextStep);
    writeFileSync(this.jsonlPath, kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
    writeFileSync(this.csvPath, `${CSV_COLUMNS.join(',')}\n${kept.map((r) => `${this.csvRow(r)}\n`).join('')}`);
  }

  /**
   * Every record so far (an unfinished last line from a killed process is ignored).
   *
   * @example
   * log.read().map((r) => r.loss);
   */
  read(): StepRecord[] {
    if (!existsSync(this.jsonlPath)) return [];
    const out: StepRecord[] = [];
    for (const line of readFileSync(this.jsonlPath, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        const r = JSON.parse(line) as StepRecord;
        out.push(r.iteration === undefined ? { ...r, iteration: stepOf(r) } : r);
      } catch {
        // a line cut by SIGKILL
      }
    }
    return out;
  }

  /**
   * Appends one record to both files.
   *
   * @example
   * log.append({ ...metrics, stepMs: 640, wallMs: 655, clipsPerSec: 12.2 });
   */
  append(record: StepRecord): void {
    if (!existsSync(this.csvPath)) writeFileSync(this.csvPath, `${CSV_COLUMNS.join(',')}\n`);
    appendFileSync(this.jsonlPath, `${JSON.stringify(record)}\n`);
    appendFileSync(this.csvPath, `${this.csvRow(record)}\n`);
  }

  private csvRow(r: StepRecord): string {
    const old = r as unknown as { lossJepa?: number; regLoss?: number; encGradNorm?: number; predGradNorm?: number };
    const step = stepOf(r);
    const row = [
      Math.floor(step / this.ipe) + 1,
      step % this.ipe,
      r.loss,
      r.lossJepa ?? old.lossJepa,
      r.reg ?? old.regLoss,
      r.gradNorm?.encoder ?? old.encGradNorm,
      r.gradNorm?.predictor ?? old.predGradNorm,
      r.stepMs,
      r.wallMs,
    ] as number[];
    return row.map(fmt).join(',');
  }
}
