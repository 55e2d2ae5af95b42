import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, MetricsLog, type StepRecord } from './metrics-log';

function record(step: number): StepRecord {
  return {
    iteration: step, epoch: Math.floor(step / 4), loss: 1 / (step + 1), lossJepa: 0.5, lossPerType: [0.4, 0.6], reg: 0.1, encVar: 0.3, encCov: 0.02,
    lr: 1e-4, wd: 0.04, momentum: 0.998, gradNorm: { encoder: 1, predictor: 2 }, clipped: false, contextSizes: [40, 20], targetSizes: [10, 30],
    featureSpread: 0.31, numTensors: 120, stepMs: 10, wallMs: 12, clipsPerSec: 3,
  };
}

describe('MetricsLog', () => {
  it('writes every metric as JSON lines and the official CSV columns, and truncates on resume', () => {
    const log = new MetricsLog(mkdtempSync(join(tmpdir(), 'vjepa-metrics-')), 'jepa', { ipe: 4 });
    for (let s = 0; s < 6; s++) log.append(record(s));
    appendFileSync(log.jsonlPath, '{"iteration": 9, "los'); // a line cut by SIGKILL
    expect(log.read().map((r) => r.iteration)).toEqual([0, 1, 2, 3, 4, 5]);
    const line = JSON.parse(readFileSync(log.jsonlPath, 'utf8').split('\n')[0]);
    for (const key of ['encVar', 'encCov', 'featureSpread', 'lossJepa', 'reg', 'momentum', 'gradNorm', 'lossPerType']) expect(line).toHaveProperty(key);
    log.truncateAfter(5);
    expect(log.read().map((r) => r.iteration)).toEqual([0, 1, 2, 3, 4]);
    const csv = readFileSync(log.csvPath, 'utf8').trim().split('\n');
    expect(csv[0]).toBe(CSV_COLUMNS.join(','));
    expect(csv[0]).toBe('epoch,itr,loss,loss-jepa,reg-loss,enc-grad-norm,pred-grad-norm,gpu-time(ms),wall-time(ms)');
    expect(csv).toHaveLength(6);
    expect(csv[5]).toBe('2,0,0.200000,0.500000,0.100000,1,2,10,12'); // iteration 4 = epoch 2 (1-based), itr 0
  });

  it('reads and cuts back a log written before it carried the trainer metrics (step, regLoss, ...)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vjepa-metrics-'));
    const old = (step: number) => JSON.stringify({ epoch: 1, itr: step, step, loss: 0.5, lossJepa: 0.5, regLoss: 0.1, encGradNorm: 1, predGradNorm: 2, lr: 1e-4, wd: 0.04, ema: 0.99, stepMs: 10, wallMs: 12, clipsPerSec: 3 });
    writeFileSync(join(dir, 'metrics.jsonl'), `${old(0)}\n${old(1)}\n${old(2)}\n`);
    const log = new MetricsLog(dir, 'jepa', { ipe: 50 });
    expect(log.read().map((r) => r.iteration)).toEqual([0, 1, 2]);
    log.truncateAfter(2);
    expect(readFileSync(log.csvPath, 'utf8').trim().split('\n')[2]).toBe('1,1,0.500000,0.500000,0.100000,1,2,10,12');
  });
});
