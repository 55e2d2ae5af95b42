import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CheckpointError } from '@vjepa/errors';
import { type StateDict, type TensorData, readNpy, readTorchCheckpoint, toFloat32, toInt32 } from '@vjepa/io';
import { type MaskPair, type MaskingStrategy, indexBatchFromRows } from '@vjepa/masking';
import { VJEPAPredictor, predictorConfigFor } from '@vjepa/predictor';
import { VisionTransformer, channelsFirstToLast } from '@vjepa/vit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportOfficial, readOfficialCheckpoint, stateFromOfficial } from './official-checkpoint';
import { officialParameterOrder } from './official-optimizer';
import { type Trainer, createTrainer } from './trainer';

// fixtures/official-training: the official V-JEPA step (facebookresearch/jepa classes, PyTorch 1.13
// AdamW over the official four groups) for 3 steps, then a 4th on a saved batch and saved masks.
const DIR = fileURLToPath(new URL('../../../fixtures/official-training/', import.meta.url));
const STEP3 = join(DIR, 'step3.pth.tar');
const STEP4 = join(DIR, 'step4.pth.tar');
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8'));
const arch = expected.architecture;
const npy = (f: string): TensorData => readNpy(new Uint8Array(readFileSync(join(DIR, f))), { file: f });

function rows(t: TensorData): Int32Array[] {
  const [b, k] = t.shape;
  const all = toInt32(t);
  return Array.from({ length: b }, (_, i) => all.subarray(i * k, (i + 1) * k));
}

/** A masking strategy that returns the fixture's saved masks of the 4th step (draws nothing). */
function savedMasks(): MaskingStrategy {
  const pairs: MaskPair[] = [0, 1].map((k) => ({ context: indexBatchFromRows(rows(npy(`batch4_ctx${k}.npy`))), target: indexBatchFromRows(rows(npy(`batch4_tgt${k}.npy`))) }));
  return { specificationVersion: 'v1', name: 'saved-masks', numMaskTypes: 2, sample: () => pairs };
}

/** The fixture's architecture, and a trainer whose schedules hold the fixture's constant lr, wd and momentum. */
function build(seed: number): { trainer: Trainer; dispose(): void } {
  const encoder = new VisionTransformer(
    { embedDim: arch.embed_dim, depth: arch.depth, numHeads: arch.num_heads, uniformPower: arch.uniform_power, patchSize: arch.patch_size, tubeletSize: arch.tubelet_size, numFrames: arch.num_frames, imgSize: arch.crop_size },
    { seed },
  );
  const predictor = new VJEPAPredictor(
    predictorConfigFor(encoder.config, { predictorEmbedDim: arch.pred_embed_dim, depth: arch.pred_depth, numMaskTypes: arch.num_mask_tokens, zeroInitMaskTokens: arch.zero_init_mask_tokens }),
    { seed: seed + 1 },
  );
  const o = expected.optimizer;
  const trainer = createTrainer({
    encoder,
    predictor,
    masking: savedMasks(),
    seed,
    config: {
      // step3.pth.tar says epoch 1 after 3 steps: ipe 3 puts our iteration at 3, as the official trainer would
      optimization: { epochs: 2, ipe: 3, warmupEpochs: 0, startLr: o.lr, lr: o.lr, finalLr: o.lr, weightDecay: o.weight_decay, finalWeightDecay: o.weight_decay, ema: [expected.ema_momentum, expected.ema_momentum], clipGrad: null, betas: o.betas, eps: o.eps },
    },
  });
  return { trainer, dispose: () => (trainer.dispose(), encoder.dispose(), predictor.dispose()) };
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = a.length === b.length ? 0 : Infinity;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

function worstDiff(ours: StateDict, theirs: StateDict): { key: string; diff: number } {
  expect(Object.keys(ours).sort()).toEqual(Object.keys(theirs).sort());
  let worst = { key: '', diff: 0 };
  for (const [k, t] of Object.entries(theirs)) {
    const d = maxAbsDiff(toFloat32(ours[k]), toFloat32(t));
    if (!(d <= worst.diff)) worst = { key: k, diff: d };
  }
  return worst;
}

type Opt = { state: Record<string, Record<string, TensorData>>; param_groups: Record<string, unknown>[] };

let root: string;
let step4: Awaited<ReturnType<typeof readOfficialCheckpoint>>;
let t: ReturnType<typeof build>;
let loss = NaN;
let notes: string[] = [];
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'vjepa-official-training-'));
  step4 = await readOfficialCheckpoint(STEP4);
  t = build(5); // other initial weights: everything must come from step3.pth.tar
  const restored = stateFromOfficial(await readOfficialCheckpoint(STEP3), await t.trainer.snapshot());
  notes = restored.notes;
  t.trainer.restore(restored.state);
  const x = npy('batch4_input.npy'); // [2, 3, 4, 32, 32], PyTorch layout
  const clips = tf.tidy(() => channelsFirstToLast(tf.tensor(toFloat32(x), [...x.shape]))); // [2, 4, 32, 32, 3]
  loss = (await t.trainer.step(clips)).loss;
  clips.dispose();
});
afterAll(async () => {
  t?.dispose();
  await rm(root, { recursive: true, force: true });
});

describe('continuing an official training checkpoint (fixtures/official-training)', () => {
  it('numbers parameters as named_parameters() does: our official order is the file\'s key order', async () => {
    const ours = await t.trainer.snapshot();
    expect(officialParameterOrder(Object.keys(ours.weights.encoder))).toEqual(Object.keys(step4.encoder));
    expect(officialParameterOrder(Object.keys(ours.weights.predictor))).toEqual(Object.keys(step4.predictor));
    expect(notes).toContain('2 parameter(s) without AdamW state (frozen tables or never stepped): encoder.pos_embed, predictor.predictor_pos_embed');
    expect(notes).toContain('AdamW steps taken: 3');
  });

  it('one step from step3.pth.tar on the saved batch and masks gives the 4th step\'s loss within 1e-5', () => {
    console.log(`official continuation: 4th step loss ${loss} vs ${expected.losses_steps_1_to_4[3]} (|diff| ${Math.abs(loss - expected.losses_steps_1_to_4[3]).toExponential(2)})`);
    expect(Math.abs(loss - expected.losses_steps_1_to_4[3])).toBeLessThan(1e-5);
    expect(Math.abs(loss - expected.losses_steps_1_to_4[2])).toBeGreaterThan(1e-3); // the step really moved
  });

  it('encoder, predictor and target encoder equal step4.pth.tar\'s within 1e-5', async () => {
    const ours = await t.trainer.snapshot();
    expect(ours.iteration).toBe(4);
    for (const [name, mine, theirs] of [
      ['encoder', ours.weights.encoder, step4.encoder],
      ['predictor', ours.weights.predictor, step4.predictor],
      ['target_encoder', ours.weights.targetEncoder!, step4.targetEncoder!],
    ] as const) {
      const w = worstDiff(mine, theirs);
      console.log(`official continuation: ${name} max |diff| ${w.diff.toExponential(2)} (${w.key})`);
      expect(w.diff, `${name} ${w.key}`).toBeLessThan(1e-5);
    }
  });

  it('every AdamW moment and step count equals step4.pth.tar\'s within 1e-5', async () => {
    const ours = (await t.trainer.snapshot()).optimizer;
    const theirs = (readTorchCheckpoint(new Uint8Array(readFileSync(STEP4)), { file: STEP4, keys: ['opt'] }) as { opt: Opt }).opt;
    // the official rule, written out here: encoder weights, predictor weights, encoder biases/1-D, predictor biases/1-D
    const decay = (n: string, sd: StateDict) => !n.includes('bias') && sd[n].shape.length !== 1;
    const ordered = [
      ...Object.keys(step4.encoder).filter((n) => decay(n, step4.encoder)).map((n) => `encoder.${n}`),
      ...Object.keys(step4.predictor).filter((n) => decay(n, step4.predictor)).map((n) => `predictor.${n}`),
      ...Object.keys(step4.encoder).filter((n) => !decay(n, step4.encoder)).map((n) => `encoder.${n}`),
      ...Object.keys(step4.predictor).filter((n) => !decay(n, step4.predictor)).map((n) => `predictor.${n}`),
    ];
    expect(theirs.param_groups.map((g) => (g.params as number[]).length)).toEqual(expected.optimizer.group_sizes);
    expect(Object.keys(ours.params).length).toBe(Object.keys(theirs.state).length);
    let worst = 0;
    ordered.forEach((name, index) => {
      const s = theirs.state[String(index)];
      if (s === undefined) return expect(name.endsWith('pos_embed')).toBe(true);
      const mine = ours.params[name];
      expect(mine.step, name).toBe(Number(s.step.data[0]));
      worst = Math.max(worst, maxAbsDiff(mine.expAvg, toFloat32(s.exp_avg)), maxAbsDiff(mine.expAvgSq, toFloat32(s.exp_avg_sq)));
    });
    console.log(`official continuation: AdamW moments max |diff| ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-5);
    expect(Object.values(ours.params).every((p) => p.step === 4)).toBe(true);
  });

  it('our export of the continued state has step4.pth.tar\'s opt layout: groups, numbering, frozen tables without state, keys', async () => {
    const path = join(root, 'continued.pth.tar');
    const info = await exportOfficial(await t.trainer.snapshot(), path, { loss, batchSize: 2 });
    expect(info).toMatchObject({ epoch: 1, stepsIntoEpoch: 1, optimizerEntries: 60 });
    expect(info.warning).toMatch(/1 step\(s\) into epoch 2 .* restarts that epoch at step 3/);
    const read = (file: string) => readTorchCheckpoint(new Uint8Array(readFileSync(file)), { file }) as Record<string, unknown> & { opt: Opt };
    const ours = read(path);
    const theirs = read(STEP4);
    expect(Object.keys(ours)).toEqual(Object.keys(theirs));
    expect(ours.scaler).toBeNull();
    for (const module of ['encoder', 'predictor', 'target_encoder']) expect(Object.keys(ours[module] as object)).toEqual(Object.keys(theirs[module] as object));
    expect(ours.opt.param_groups.length).toBe(4);
    ours.opt.param_groups.forEach((g, k) => {
      const o = theirs.opt.param_groups[k];
      expect(Object.keys(g), `group ${k} keys`).toEqual(Object.keys(o));
      expect(g, `group ${k}`).toEqual(o); // params, lr, betas, eps, weight_decay, flags, WD_exclude
    });
    expect(Object.keys(ours.opt.state)).toEqual(Object.keys(theirs.opt.state)); // 0 and 10 (the pos_embed tables) absent in both
    expect(Object.keys(ours.opt.state)).not.toContain('0');
    expect(Object.keys(ours.opt.state)).not.toContain('10');
    for (const [i, s] of Object.entries(ours.opt.state)) {
      const o = theirs.opt.state[i];
      expect(Object.keys(s)).toEqual(Object.keys(o));
      expect([s.step.dtype, s.step.shape]).toEqual([o.step.dtype, o.step.shape]); // a 0-d float32 tensor
      expect(s.exp_avg.shape).toEqual(o.exp_avg.shape);
    }
  });

  const python = pythonWithTorch();
  it.skipIf(python === null)('torch.load reads our export, and torch.optim.AdamW over the official groups loads its opt with step4\'s moments', async () => {
    const path = join(root, 'continued-for-torch.pth.tar');
    await exportOfficial(await t.trainer.snapshot(), path, { loss, batchSize: 2 });
    const script = `
import sys, torch
ours, ref = (torch.load(p, map_location="cpu") for p in sys.argv[1:3])
assert list(ours) == list(ref), (list(ours), list(ref))
assert ours["scaler"] is None and ours["epoch"] == 1
for k in ("encoder", "predictor", "target_encoder"):
    assert list(ours[k]) == list(ref[k]), k
    assert max(float((ours[k][n] - ref[k][n]).abs().max()) for n in ref[k]) < 1e-5, k
o, r = ours["opt"], ref["opt"]
assert [{k: v for k, v in g.items()} for g in o["param_groups"]] == r["param_groups"]
assert all(type(g["betas"]) is tuple for g in o["param_groups"])
assert sorted(o["state"]) == sorted(r["state"]) and all(type(i) is int for i in o["state"])
for i, s in o["state"].items():
    assert list(s) == ["step", "exp_avg", "exp_avg_sq"] and s["step"].dim() == 0 and s["step"].dtype == torch.float32
# the official trainer's optimizer (four groups over named_parameters(), frozen tables included) loads it
def params(sd, decay):
    return [torch.nn.Parameter(v.clone()) for n, v in sd.items() if (("bias" not in n) and v.dim() != 1) == decay]
enc, pred = ours["encoder"], ours["predictor"]
groups = [{"params": params(enc, True)}, {"params": params(pred, True)},
          {"params": params(enc, False), "WD_exclude": True, "weight_decay": 0},
          {"params": params(pred, False), "WD_exclude": True, "weight_decay": 0}]
opt = torch.optim.AdamW(groups, betas=(0.9, 0.999), eps=1e-8)
opt.load_state_dict(o)
flat = [p for g in opt.param_groups for p in g["params"]]
worst = 0.0
for i, s in r["state"].items():
    st = opt.state[flat[i]]
    assert float(st["step"]) == float(s["step"]) == 4.0
    worst = max(worst, float((st["exp_avg"] - s["exp_avg"]).abs().max()), float((st["exp_avg_sq"] - s["exp_avg_sq"]).abs().max()))
assert worst < 1e-5, worst
print("ok", torch.__version__, len(opt.state), worst)
`;
    const out = execFileSync(python!, ['-c', script, path, STEP4], { encoding: 'utf8' }).trim();
    expect(out).toMatch(/^ok .* 60 /);
  });

  it('restoring an official checkpoint again leaks no tensors', async () => {
    const other = build(7);
    const ckpt = await readOfficialCheckpoint(STEP3);
    const state = stateFromOfficial(ckpt, await other.trainer.snapshot()).state;
    other.trainer.restore(state);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) other.trainer.restore(state);
    expect(tf.memory().numTensors).toBe(before);
    other.dispose();
  });

  it('refuses another architecture, listing every differing key of every module', async () => {
    // one block fewer in the encoder, a wider predictor
    const encoder = new VisionTransformer({ embedDim: 64, depth: 1, numHeads: 4, uniformPower: true, patchSize: 8, tubeletSize: 2, numFrames: 4, imgSize: 32 }, { seed: 1 });
    const predictor = new VJEPAPredictor(predictorConfigFor(encoder.config, { predictorEmbedDim: 48, depth: 2, numMaskTypes: 2 }), { seed: 2 });
    const wider = createTrainer({ encoder, predictor, masking: savedMasks() });
    const ckpt = await readOfficialCheckpoint(STEP3);
    let error: unknown;
    try {
      stateFromOfficial(ckpt, await wider.snapshot());
    } catch (e) {
      error = e;
    }
    expect(CheckpointError.isInstance(error)).toBe(true);
    const message = (error as Error).message;
    expect(message).toMatch(/architecture/);
    expect(message).toMatch(/encoder: 12 unexpected \(blocks\.1\.norm1\.weight, blocks\.1\.norm1\.bias, .*blocks\.1\.mlp\.fc2\.bias\)/);
    expect(message).toMatch(/predictor: 32 mis-shaped \(predictor_embed\.weight: ours \[48, 64\], file \[32, 64\]; .*; predictor_pos_embed: ours \[1, 32, 48\], file \[1, 32, 32\]\)/);
    expect(message).toMatch(/target_encoder: 12 unexpected/);
    wider.dispose();
    encoder.dispose();
    predictor.dispose();
  });
});

/** A Python that imports torch, or null, printing one line saying the torch.load test is skipped. */
function pythonWithTorch(): string | null {
  for (const p of [process.env.VJEPA_TORCH_PYTHON, 'python3', 'python', '/usr/bin/python3'].filter((x): x is string => !!x)) {
    try {
      execFileSync(p, ['-c', 'import torch'], { stdio: 'ignore', timeout: 60_000 });
      return p;
    } catch {
      // try the next name
    }
  }
  console.log('skipping the torch.load check of the official export: no python3 with PyTorch here');
  return null;
}
