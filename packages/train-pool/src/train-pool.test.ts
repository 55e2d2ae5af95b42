import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, runTraining } from '@vjepa/run';
import { loadCheckpoint } from '@vjepa/trainer';
import { beforeAll, describe, expect, it } from 'vitest';
import { BackendError, DegenerateStepError, NonFiniteLossError, VjepaError } from '@vjepa/errors';
import { dataParallelSession, replicaError } from './train-pool';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The default preset (its encoder regulariser on), small: 4 steps, clipping from step 2 (after a 0-epoch warm-up... epoch 1). */
const set = (folder: string) => [
  `logging.folder=${folder}`,
  'optimization.epochs=2',
  'optimization.ipe=2',
  'optimization.warmup=0',
  'optimization.clip_grad=0.05',
  'data.batch_size=4',
  'data.num_videos=16',
  'data.crop_size=32',
  'meta.backend=cpu',
  'logging.checkpoint_every=100',
];

const lines = (folder: string) => readFileSync(join(folder, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('dataParallelSession', () => {
  it('trains the default preset (encoder regulariser, clipping after warm-up) on 2 replicas to the same numbers as one process', async () => {
    const base = mkdtempSync(join(tmpdir(), 'vjepa-dp-'));
    const one = loadConfig({ set: set(join(base, 'one')) });
    expect(one.loss.enc_var_coeff).toBeGreaterThan(0);
    expect(one.loss.enc_cov_coeff).toBeGreaterThan(0);
    const two = loadConfig({ set: [...set(join(base, 'two')), 'meta.replicas=2'] });
    const r1 = await runTraining(one, { log: () => {} });
    const r2 = await runTraining(two, { log: () => {}, session: (c, s, dir) => dataParallelSession(c, s, dir, { replicas: 2 }) });
    expect(r2.status).toBe('completed');
    const a = lines(join(base, 'one'));
    const b = lines(join(base, 'two'));
    expect(b).toHaveLength(4);
    expect(a.map((l) => l.clipped)).toEqual([false, false, true, true]);
    expect(b.map((l) => l.clipped)).toEqual([false, false, true, true]);
    // replica 0's live tensors (recorded per step) stay flat once the optimizer state exists
    expect(new Set(b.slice(1).map((l) => l.numTensors)).size, `numTensors ${b.map((l) => l.numTensors).join(', ')}`).toBe(1);
    const rel = (x: number, y: number) => Math.abs(x - y) / Math.max(1e-12, Math.abs(y));
    for (let i = 0; i < 4; i++) {
      for (const key of ['loss', 'lossJepa', 'encVar', 'encCov', 'reg', 'featureSpread']) expect(rel(b[i][key] as number, a[i][key] as number), `step ${i} ${key}`).toBeLessThan(1e-4);
      const [ga, gb] = [a[i].gradNorm, b[i].gradNorm] as { encoder: number; predictor: number }[];
      expect(rel(gb.encoder, ga.encoder), `step ${i} encoder grad norm`).toBeLessThan(1e-4);
      expect(rel(gb.predictor, ga.predictor), `step ${i} predictor grad norm`).toBeLessThan(1e-4);
    }
    // the checkpoints (written through replica 0) hold the same weights, EMA target and AdamW moments,
    // within float tolerance: relative to each module's weights. (Element-wise, an AdamW step moves a
    // weight by about lr whatever the size of its gradient, so an element whose gradient is rounding
    // noise in both runs, e.g. a bias the shift-invariant regulariser does not see, may move by lr in
    // opposite directions: at most 2 * lr * steps.)
    const [s1, s2] = [await loadCheckpoint(r1.checkpoint!), await loadCheckpoint(r2.checkpoint!)];
    expect(s2.iteration).toBe(4);
    for (const module of ['encoder', 'predictor', 'targetEncoder'] as const) {
      let diff = 0;
      let norm = 0;
      let worst = 0;
      for (const [name, t] of Object.entries(s1.weights[module]!)) {
        const other = s2.weights[module]![name].data as Float32Array;
        (t.data as Float32Array).forEach((v, j) => {
          diff += (v - other[j]) ** 2;
          norm += v * v;
          worst = Math.max(worst, Math.abs(v - other[j]));
        });
      }
      expect(Math.sqrt(diff / norm), `${module} relative weight difference`).toBeLessThan(1e-4);
      expect(worst, `${module} largest weight difference`).toBeLessThanOrEqual(2 * one.optimization.lr * 4);
    }
    expect(s2.rng).toEqual(s1.rng);

    // interrupted after 2 steps, then rerun: the replicas resume from the folder's newest intact
    // checkpoint and end where the uninterrupted data-parallel run did
    const cut = loadConfig({ set: [...set(join(base, 'cut')), 'meta.replicas=2'] });
    const session = (c: typeof cut, s: Parameters<typeof dataParallelSession>[1], dir: string) => dataParallelSession(c, s, dir, { replicas: 2 });
    const controller = new AbortController();
    const first = await runTraining(cut, { log: () => {}, session, signal: controller.signal, onStep: (r) => r.iteration === 1 && controller.abort() });
    expect(first.status).toBe('interrupted');
    const logged: string[] = [];
    const rerun = await runTraining(cut, { log: (l) => logged.push(l), session });
    expect(rerun.status).toBe('completed');
    expect(logged.some((l) => /resumed from .* at step 2/.test(l))).toBe(true);
    const c = lines(join(base, 'cut'));
    expect(c.map((l) => l.iteration)).toEqual([0, 1, 2, 3]);
    for (let i = 0; i < 4; i++) expect(c[i].loss, `resumed step ${i}`).toBe(b[i].loss);
  });
});

describe('replicaError', () => {
  it("gives the training loop the trainer guards' classes with their step and state, a wasm abort as a RuntimeError, the rest as BackendError", () => {
    const nonFinite = replicaError(1, { type: 'error', name: 'NonFiniteLossError', message: 'non-finite loss at step 7', step: 7, state: { loss: 'NaN' } });
    expect(NonFiniteLossError.isInstance(nonFinite)).toBe(true);
    expect((nonFinite as NonFiniteLossError).step).toBe(7);
    expect((nonFinite as NonFiniteLossError).state).toEqual({ loss: 'NaN', replica: 1 });
    const degenerate = replicaError(0, { type: 'error', name: 'DegenerateStepError', message: 'step 3 computed nothing usable (loss 0): expected ...', step: 3, state: {} });
    expect(DegenerateStepError.isInstance(degenerate)).toBe(true);
    expect(degenerate.message).toContain('(loss 0)');
    const aborted = replicaError(0, { type: 'error', name: 'RuntimeError', message: 'Aborted()' });
    expect(aborted.name).toBe('RuntimeError');
    expect(VjepaError.isInstance(aborted)).toBe(false);
    const other = replicaError(1, { type: 'error', name: 'ShapeError', message: 'bad' });
    expect(BackendError.isInstance(other)).toBe(true);
    expect(other.message).toContain('replica 1');
  });
});
