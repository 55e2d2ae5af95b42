import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StepMetrics } from '../run/session-types';

/**
 * What the app records for one training step. Grad norms are the global L2 norms before clipping.
 *
 * @example
 * const m: StepRecord = { epoch: 1, itr: 0, step: 0, loss: 0.71, lossJepa: 0.70, regLoss: 0.01,
 *   encGradNorm: 1.2, predGradNorm: 0.8, lr: 2e-5, wd: 0.04, ema: 0.998, stepMs: 640, wallMs: 655, clipsPerSec: 12.2 };
 */
export interface StepRecord extends Omit<StepMetrics, 'featureSpread'> {
  /** 1-based epoch, like the official CSV. */
  epoch: number;
  /** Iteration within the epoch, 0-based. */
  itr: number;
  /** Global step, 0-based. */
  step: number;
  /** Time of the train step itself (the official "gpu-time"). */
  stepMs: number;
  /** Wall time of the iteration, data loading included. */
  wallMs: number;
  clipsPerSec: number;
}

/** The official CSV columns, in order. */
export const CSV_COLUMNS = ['epoch', 'itr', 'loss', 'loss-jepa', 'reg-loss', 'enc-grad-norm', 'pred-grad-norm', 'gpu-time(ms)', 'wall-time(ms)'] as const;

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(6);
}

/**
 * Appends step records to `metrics.jsonl` (every field) and `<write_tag>_r0.csv` (the official
 * columns) in the run folder. On resume, both files are cut back to the resumed step so a killed
 * run leaves no duplicate rows.
 *
 * @example
 * const log = new MetricsLog('runs/tiny', 'jepa');
 * log.truncateAfter(resumedStep);
 * log.append(record);
 */
export class MetricsLog {
  readonly jsonlPath: string;
  readonly csvPath: string;

  constructor(folder: string, writeTag: string) {
    this.jsonlPath = join(folder, 'metrics.jsonl');
    this.csvPath = join(folder, `${writeTag}_r0.csv`);
  }

  /** Keeps only records with `step < nextStep` (what a checkpoint at `nextStep` has already done). */
  truncateAfter(nextStep: number): void {
    const kept = this.read().filter((r) => r.step < nextStep);
    writeFileSync(this.jsonlPath, kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
    writeFileSync(this.csvPath, `${CSV_COLUMNS.join(',')}\n${kept.map((r) => `${this.csvRow(r)}\n`).join('')}`);
  }

  /** Every record so far (an unfinished last line from a killed process is ignored). */
  read(): StepRecord[] {
    if (!existsSync(this.jsonlPath)) return [];
    const out: StepRecord[] = [];
    for (const line of readFileSync(this.jsonlPath, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        out.push(JSON.parse(line) as StepRecord);
      } catch {
        // a line cut by SIGKILL
      }
    }
    return out;
  }

  append(record: StepRecord): void {
    if (!existsSync(this.csvPath)) writeFileSync(this.csvPath, `${CSV_COLUMNS.join(',')}\n`);
    appendFileSync(this.jsonlPath, `${JSON.stringify(record)}\n`);
    appendFileSync(this.csvPath, `${this.csvRow(record)}\n`);
  }

  private csvRow(r: StepRecord): string {
    return [r.epoch, r.itr, r.loss, r.lossJepa, r.regLoss, r.encGradNorm, r.predGradNorm, r.stepMs, r.wallMs].map(fmt).join(',');
  }
}
