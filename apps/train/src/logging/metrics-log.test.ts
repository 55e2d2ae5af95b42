import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, MetricsLog, type StepRecord } from './metrics-log';
import { Progress, formatDuration, progressLine } from './progress';

function record(step: number): StepRecord {
  return { epoch: 1, itr: step, step, loss: 1 / (step + 1), lossJepa: 0.5, regLoss: 0.1, encGradNorm: 1, predGradNorm: 2, lr: 1e-4, wd: 0.04, ema: 0.998, stepMs: 10, wallMs: 12, clipsPerSec: 3 };
}

describe('MetricsLog', () => {
  it('writes JSON lines and the official CSV columns, and truncates on resume', () => {
    const log = new MetricsLog(mkdtempSync(join(tmpdir(), 'vjepa-metrics-')), 'jepa');
    for (let s = 0; s < 5; s++) log.append(record(s));
    appendFileSync(log.jsonlPath, '{"step": 9, "los'); // a line cut by SIGKILL
    expect(log.read().map((r) => r.step)).toEqual([0, 1, 2, 3, 4]);
    log.truncateAfter(3);
    expect(log.read().map((r) => r.step)).toEqual([0, 1, 2]);
    const csv = readFileSync(log.csvPath, 'utf8').trim().split('\n');
    expect(csv[0]).toBe(CSV_COLUMNS.join(','));
    expect(csv[0]).toBe('epoch,itr,loss,loss-jepa,reg-loss,enc-grad-norm,pred-grad-norm,gpu-time(ms),wall-time(ms)');
    expect(csv).toHaveLength(4);
    expect(csv[3].split(',')[1]).toBe('2');
  });
});

describe('Progress', () => {
  it('prints a line every N steps when not a terminal, and updates one line on a terminal', () => {
    const lines: string[] = [];
    const p = new Progress({ write: (t: string) => lines.push(t), isTTY: false }, { batchSize: 8, every: 5 });
    for (let s = 1; s <= 12; s++) p.update({ step: s, totalSteps: 12, loss: 0.5, clipsPerSec: 16 });
    expect(lines.map((l) => l.split('  ')[0])).toEqual(['step 5/12', 'step 10/12', 'step 12/12']);
    const tty: string[] = [];
    const q = new Progress({ write: (t: string) => tty.push(t), isTTY: true, columns: 120 }, { batchSize: 8, every: 5 });
    q.update({ step: 1, totalSteps: 4, loss: 0.5, clipsPerSec: 16 });
    q.update({ step: 2, totalSteps: 4, loss: 0.4, clipsPerSec: 16 });
    q.done();
    expect(tty.filter((t) => t.startsWith('\r'))).toHaveLength(2);
    expect(tty.at(-1)).toBe('\n');
  });

  it('computes the ETA from clips/s and batch size', () => {
    expect(progressLine({ step: 50, totalSteps: 200, loss: 0.5, clipsPerSec: 8 }, 8, 0)).toContain('ETA 2m30s');
    expect(formatDuration(3725)).toBe('1h02m');
  });
});
