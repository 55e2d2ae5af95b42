import { CheckpointError } from '@vjepa/errors';
import { type StateDict, type TensorData, readSafetensors, tensorData, writeFileAtomic, writeSafetensors, writeTorchCheckpoint } from '@vjepa/io';
import { type RngState, restoreRng } from '@vjepa/masking';
import type { AdamWState } from '@vjepa/optim';
import { MANIFEST_FILE, readCheckpointFile, resolveCheckpointDir, writeCheckpointDir } from './checkpoint-dir';
import type { TrainerConfig } from './config';
import type { Trainer } from './trainer';

/**
 * Format tag of our checkpoint manifests.
 *
 * @example
 * manifest.format === CHECKPOINT_FORMAT; // true for our checkpoints
 */
export const CHECKPOINT_FORMAT = 'vjepa-ts/trainer-checkpoint';

/**
 * The manifest (`trainer.json`) of a checkpoint directory: everything but the tensors.
 *
 * @example
 * const manifest: CheckpointManifest = JSON.parse(text);
 * manifest.iteration; // steps done
 */
export interface CheckpointManifest {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly version: 1;
  /** Steps done = the next iteration to run. */
  readonly iteration: number;
  readonly epoch: number;
  readonly seed: number;
  readonly config: TrainerConfig;
  /** Schedule values the next iteration will use (informative: schedules are pure functions of the iteration). */
  readonly schedules: { readonly lr: number; readonly wd: number; readonly momentum: number; readonly lrCounter: number; readonly momentumIndex: number };
  readonly rng: RngState;
  readonly masking: { readonly name: string; readonly numMaskTypes: number };
  readonly models: { readonly encoder: unknown; readonly predictor: unknown };
  readonly optimizer: {
    readonly betas: readonly [number, number];
    readonly eps: number;
    readonly groups: AdamWState['groups'];
    /** Per-parameter step counts; the moments are in `optimizer.safetensors` as `exp_avg.<name>` / `exp_avg_sq.<name>`. */
    readonly steps: Readonly<Record<string, number>>;
  };
  readonly files: { readonly encoder: string; readonly predictor: string; readonly targetEncoder: string | null; readonly optimizer: string };
}

/**
 * Directory name of the checkpoint after `iteration` steps: `step-00000100`.
 *
 * @example
 * checkpointName(100); // 'step-00000100'
 */
export function checkpointName(iteration: number): string {
  return `step-${String(iteration).padStart(8, '0')}`;
}

async function moduleBytes(sd: Promise<StateDict>, role: string): Promise<Uint8Array> {
  return writeSafetensors(await sd, { format: 'pt', role });
}

/**
 * Saves the whole training state into one self-describing directory `root/<name>` (default
 * `step-XXXXXXXX`): `encoder`, `predictor`, `target_encoder` safetensors (official names), the AdamW
 * moments (`optimizer.safetensors`) and `trainer.json` (iteration, seed, resolved config, schedule
 * positions, RNG and masking state, model configs, optimiser steps and groups). Written to a temporary
 * directory and renamed into place; `root/latest` then names it (atomic replace). Returns the path.
 *
 * @example
 * const path = await saveCheckpoint(trainer, 'runs/tiny'); // runs/tiny/step-00000002
 */
export async function saveCheckpoint(trainer: Trainer, root: string, options: { name?: string; updateLatest?: boolean } = {}): Promise<string> {
  const i = trainer.iteration;
  const opt = await trainer.optimizer.getState();
  const moments: StateDict = {};
  const steps: Record<string, number> = {};
  for (const [name, s] of Object.entries(opt.params)) {
    moments[`exp_avg.${name}`] = tensorData('float32', [...s.shape], s.expAvg);
    moments[`exp_avg_sq.${name}`] = tensorData('float32', [...s.shape], s.expAvgSq);
    steps[name] = s.step;
  }
  const files: Record<string, Uint8Array | string> = {
    'encoder.safetensors': await moduleBytes(trainer.encoder.stateDict(), 'encoder'),
    'predictor.safetensors': await moduleBytes(trainer.predictor.stateDict(), 'predictor'),
    'optimizer.safetensors': writeSafetensors(moments, { format: 'vjepa-ts', role: 'adamw' }),
  };
  if (trainer.targetEncoder) files['target_encoder.safetensors'] = await moduleBytes(trainer.targetEncoder.stateDict(), 'target_encoder');
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    version: 1,
    iteration: i,
    epoch: Math.floor(i / trainer.config.optimization.ipe),
    seed: trainer.seed,
    config: trainer.config,
    schedules: {
      lr: trainer.schedules.lr.forIteration(i),
      wd: trainer.schedules.wd.forIteration(i),
      momentum: trainer.schedules.momentum.forIteration(i),
      lrCounter: i + 1,
      momentumIndex: i,
    },
    rng: trainer.rng.getState(),
    masking: { name: trainer.masking.name, numMaskTypes: trainer.masking.numMaskTypes },
    models: { encoder: trainer.encoder.config, predictor: trainer.predictor.config },
    optimizer: { betas: opt.betas, eps: opt.eps, groups: opt.groups, steps },
    files: {
      encoder: 'encoder.safetensors',
      predictor: 'predictor.safetensors',
      targetEncoder: trainer.targetEncoder ? 'target_encoder.safetensors' : null,
      optimizer: 'optimizer.safetensors',
    },
  };
  files[MANIFEST_FILE] = `${JSON.stringify(manifest, null, 1)}\n`;
  return writeCheckpointDir(root, options.name ?? checkpointName(i), files, { updateLatest: options.updateLatest });
}

function parseManifest(text: string, file: string): CheckpointManifest {
  let m: CheckpointManifest;
  try {
    m = JSON.parse(text) as CheckpointManifest;
  } catch (cause) {
    throw new CheckpointError(file, { expected: 'JSON', received: 'unparseable text', cause });
  }
  if (m?.format !== CHECKPOINT_FORMAT || m.version !== 1) {
    throw new CheckpointError(`${file}: format`, { expected: `"${CHECKPOINT_FORMAT}" version 1`, received: `${JSON.stringify(m?.format)} version ${m?.version}` });
  }
  if (!Number.isSafeInteger(m.iteration) || m.iteration < 0) {
    throw new CheckpointError(`${file}: iteration`, { expected: 'an integer >= 0', received: String(m.iteration) });
  }
  return m;
}

/**
 * Reads a checkpoint's manifest (from a checkpoint directory or a run directory's `latest`), e.g. to
 * rebuild models and the trainer from the stored configs before {@link loadCheckpoint}.
 *
 * @example
 * const { config, models } = await readCheckpointManifest('runs/tiny');
 */
export async function readCheckpointManifest(path: string): Promise<CheckpointManifest & { readonly dir: string }> {
  const dir = await resolveCheckpointDir(path);
  const text = new TextDecoder().decode(await readCheckpointFile(dir, MANIFEST_FILE));
  return { ...parseManifest(text, `${dir}/${MANIFEST_FILE}`), dir };
}

function configDifferences(a: unknown, b: unknown, path: string, out: string[]): void {
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      configDifferences((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], path ? `${path}.${key}` : key, out);
    }
  } else if (a !== b) {
    out.push(path);
  }
}

/**
 * Restores a checkpoint written by {@link saveCheckpoint} into a trainer built with the same
 * architecture and masking strategy: all three models (strict loads), AdamW moments and steps, the
 * iteration, and the masking RNG, so the next `step` continues exactly where the saved run stopped.
 * `path` is a checkpoint directory or a run directory (its `latest` is used). Returns the manifest and
 * the config keys that differ from the trainer's own config (the trainer's config wins).
 *
 * @example
 * const { iteration, configDiffers } = await loadCheckpoint(trainer, 'runs/tiny');
 */
export async function loadCheckpoint(trainer: Trainer, path: string): Promise<{ iteration: number; dir: string; configDiffers: string[]; manifest: CheckpointManifest }> {
  const manifest = await readCheckpointManifest(path);
  const { dir } = manifest;
  const where = `${dir}/${MANIFEST_FILE}`;
  if (manifest.masking.numMaskTypes !== trainer.masking.numMaskTypes || manifest.masking.name !== trainer.masking.name) {
    throw new CheckpointError(`${where}: masking`, {
      expected: `"${trainer.masking.name}" with ${trainer.masking.numMaskTypes} mask types (this trainer)`,
      received: `"${manifest.masking.name}" with ${manifest.masking.numMaskTypes}`,
    });
  }
  if ((manifest.files.targetEncoder === null) !== (trainer.targetEncoder === null)) {
    throw new CheckpointError(`${where}: files.targetEncoder`, {
      expected: trainer.targetEncoder ? 'a target encoder (features objective)' : 'none (pixels objective)',
      received: String(manifest.files.targetEncoder),
    });
  }
  const load = async (file: string): Promise<StateDict> => readSafetensors(await readCheckpointFile(dir, file), { file: `${dir}/${file}` }).tensors;
  const encoderSd = await load(manifest.files.encoder);
  const predictorSd = await load(manifest.files.predictor);
  const targetSd = manifest.files.targetEncoder ? await load(manifest.files.targetEncoder) : null;
  const momentsSd = await load(manifest.files.optimizer);

  const params: Record<string, { step: number; shape: number[]; expAvg: Float32Array; expAvgSq: Float32Array }> = {};
  for (const [name, step] of Object.entries(manifest.optimizer.steps)) {
    const m: TensorData | undefined = momentsSd[`exp_avg.${name}`];
    const v: TensorData | undefined = momentsSd[`exp_avg_sq.${name}`];
    if (!m || !v || m.dtype !== 'float32' || v.dtype !== 'float32') {
      throw new CheckpointError(`${dir}/${manifest.files.optimizer}: moments of "${name}"`, { expected: 'float32 exp_avg and exp_avg_sq', received: 'missing or another dtype' });
    }
    params[name] = { step, shape: [...m.shape], expAvg: m.data as Float32Array, expAvgSq: v.data as Float32Array };
  }

  trainer.encoder.loadStateDict(encoderSd, { file: `${dir}/${manifest.files.encoder}` });
  trainer.predictor.loadStateDict(predictorSd, { file: `${dir}/${manifest.files.predictor}` });
  if (trainer.targetEncoder && targetSd) trainer.targetEncoder.loadStateDict(targetSd, { file: `${dir}/${manifest.files.targetEncoder}` });
  trainer.optimizer.setState({ version: 1, betas: manifest.optimizer.betas, eps: manifest.optimizer.eps, groups: manifest.optimizer.groups, params });
  trainer.rng = restoreRng(manifest.rng);
  trainer.iteration = manifest.iteration;
  const configDiffers: string[] = [];
  configDifferences(manifest.config, trainer.config, '', configDiffers);
  return { iteration: manifest.iteration, dir, configDiffers, manifest };
}

function withPrefix(sd: StateDict, prefix: string): StateDict {
  return Object.fromEntries(Object.entries(sd).map(([k, v]) => [prefix + k, v]));
}

/**
 * Writes the official training-checkpoint layout with io's `writeTorchCheckpoint` (a `torch.save`
 * zip), so PyTorch users can `torch.load` our runs: `encoder`, `predictor`, `target_encoder` state
 * dicts with official names prefixed `module.backbone.`, `opt` and `scaler` None, `epoch`, `loss`,
 * `batch_size`, `world_size`, `lr`. Written atomically.
 *
 * @example
 * await exportOfficial(trainer, 'runs/tiny/jepa-latest.pth.tar', { loss: last.loss, batchSize: 8 });
 */
export async function exportOfficial(trainer: Trainer, path: string, info: { loss?: number; batchSize?: number } = {}): Promise<void> {
  const prefix = 'module.backbone.';
  const encoder = withPrefix(await trainer.encoder.stateDict(), prefix);
  const predictor = withPrefix(await trainer.predictor.stateDict(), prefix);
  const target = trainer.targetEncoder ? withPrefix(await trainer.targetEncoder.stateDict(), prefix) : null;
  const i = trainer.iteration;
  const bytes = writeTorchCheckpoint({
    encoder,
    predictor,
    target_encoder: target,
    opt: null,
    scaler: null,
    epoch: Math.floor(i / trainer.config.optimization.ipe),
    loss: info.loss ?? null,
    batch_size: info.batchSize ?? null,
    world_size: 1,
    lr: trainer.schedules.lr.forIteration(Math.max(0, i - 1)),
  });
  await writeFileAtomic(path, bytes);
}
