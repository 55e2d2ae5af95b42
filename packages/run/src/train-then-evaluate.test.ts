import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './load-config';
import { tinySet } from './run.test-util';
import { mainRunConfig, objectiveFolder, trainAll, trainThenEvaluate } from './train-then-evaluate';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SUITE = { trainClips: 8, testClips: 6, seeds: 1, epochs: 1, batchSize: 4 };

describe('train, then evaluate', () => {
  it('evaluates one training, picking up a sibling <run>-pixels run as the pixel control (vjepa-train --then-eval)', async () => {
    const folder = join(mkdtempSync(join(tmpdir(), 'vjepa-tte-')), 'run');
    await trainAll([{ name: 'pixels', config: loadConfig({ set: [...tinySet(objectiveFolder(folder, 'pixels'), 2), 'meta.objective=pixels'] }) }], { log: () => {} });
    const lines: string[] = [];
    const { trainings, suite } = await trainThenEvaluate([{ name: 'features', config: loadConfig({ set: tinySet(folder, 2) }) }], { log: (l) => lines.push(l), suite: SUITE });
    expect(trainings.map((t) => t.status)).toEqual(['completed']);
    expect(suite.rows.filter((r) => r.encoder === 'pixels').every((r) => r.result !== undefined)).toBe(true);
    expect(suite.rows.filter((r) => r.result !== undefined)).toHaveLength(8);
    expect(lines).toContain('== evaluation suite');
    expect(lines.some((l) => l.includes('\n| digit | vjepa |'))).toBe(true);
  });

  it('gives both trainings of the main command the same config but the objective and folder', () => {
    const f = mainRunConfig('features', { folder: 'runs/x', set: ['optimization.epochs=2'], backend: 'cpu' });
    const p = mainRunConfig('pixels', { folder: 'runs/x', set: ['optimization.epochs=2'], backend: 'cpu' });
    expect(p.logging.folder).toBe('runs/x-pixels');
    expect(p.meta.objective).toBe('pixels');
    expect({ ...p, meta: { ...p.meta, objective: 'features' }, logging: f.logging }).toEqual(f);
  });

  it('stops the training here when one elsewhere fails, and throws that failure', async () => {
    const folder = join(mkdtempSync(join(tmpdir(), 'vjepa-tte-')), 'run');
    let killed = false;
    const failing = { done: new Promise((_, reject) => setTimeout(() => reject(new Error('child exited 1')), 50)), kill: () => (killed = true) };
    const run = trainAll(
      [
        { name: 'features', config: loadConfig({ set: tinySet(folder, 1000) }) },
        { name: 'pixels', config: loadConfig({ set: [...tinySet(objectiveFolder(folder, 'pixels'), 2), 'meta.objective=pixels'] }), elsewhere: () => failing },
      ],
      { log: () => {} },
    );
    await expect(run).rejects.toThrow('child exited 1');
    expect(killed).toBe(true);
  });
});
