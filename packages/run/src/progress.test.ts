import { describe, expect, it } from 'vitest';
import { Progress, formatDuration, progressLine } from './progress';

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
