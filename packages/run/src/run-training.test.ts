import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NonFiniteLossError } from '@vjepa/errors';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './load-config';
import { runTraining } from './run-training';
import { tinySet } from './run.test-util';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('runTraining', () => {
  it('logs every term the objective computes to metrics.jsonl, and checkpoints carry the run config', async () => {
    const folder = join(mkdtempSync(join(tmpdir(), 'vjepa-run-')), 'run');
    const result = await runTraining(loadConfig({ set: tinySet(folder, 2) }), { log: () => {} });
    expect(result.status).toBe('completed');
    const lines = readFileSync(join(folder, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    for (const key of ['iteration', 'loss', 'lossJepa', 'lossPerType', 'reg', 'encVar', 'encCov', 'featureSpread', 'lr', 'wd', 'momentum', 'gradNorm', 'stepMs', 'wallMs', 'clipsPerSec']) {
      expect(lines[1]).toHaveProperty(key);
    }
    const manifest = JSON.parse(readFileSync(join(result.checkpoint!, 'trainer.json'), 'utf8'));
    expect(manifest.run.logging.folder).toBe(folder);
    expect(manifest.run.data.frame_step).toBe(1);
  });

  it('stops at its last good checkpoint when a step goes non-finite, with a crash checkpoint of the state before it', async () => {
    const folder = join(mkdtempSync(join(tmpdir(), 'vjepa-run-')), 'run');
    const stock = tf.getKernel('BatchMatMul', 'cpu')!;
    const breakMatMul = () => {
      // a kernel gone wrong: the shape is right, the values are NaN
      tf.unregisterKernel('BatchMatMul', 'cpu');
      tf.registerKernel({
        ...stock,
        kernelFunc: (args) => {
          const out = stock.kernelFunc(args) as tf.TensorInfo;
          (args.backend as unknown as { data: { get(id: object): { values: Float32Array } } }).data.get(out.dataId).values.fill(Number.NaN);
          return out;
        },
      });
    };
    const lines: string[] = [];
    let error: unknown;
    try {
      await runTraining(loadConfig({ set: tinySet(folder, 4) }), {
        log: (l) => lines.push(l),
        onStep: (r) => {
          if (r.iteration === 2) breakMatMul(); // steps 0-2 are good, step 3 computes NaN
        },
      });
    } catch (e) {
      error = e;
    } finally {
      tf.unregisterKernel('BatchMatMul', 'cpu');
      tf.registerKernel(stock);
    }
    expect(error).toBeInstanceOf(NonFiniteLossError);
    const e = error as NonFiniteLossError;
    expect(e.step).toBe(3);
    const checkpoints = join(folder, 'checkpoints');
    expect(e.message).toContain(`stopped at the last good checkpoint: the last good checkpoint is ${join(checkpoints, 'step-00000002')} (step 2); rerunning resumes there`);
    expect(e.message).toContain(join(checkpoints, 'crash-step-00000003'));
    expect(e.message).toContain('Lower the learning rate or check the data.');
    expect(e.state.crashCheckpoint).toBe(join(checkpoints, 'crash-step-00000003'));
    expect(readdirSync(checkpoints).sort()).toEqual(['crash-step-00000003', 'latest', 'step-00000002']);
    expect(readFileSync(join(checkpoints, 'latest'), 'utf8').trim()).toBe('step-00000002'); // a rerun resumes from the good one
    expect(JSON.parse(readFileSync(join(checkpoints, 'crash-step-00000003', 'trainer.json'), 'utf8')).iteration).toBe(3); // the state before the failed step
    expect(lines.some((l) => l.startsWith('step 3 failed'))).toBe(true);
    expect(existsSync(join(folder, 'summary.json'))).toBe(false);
  });
});
