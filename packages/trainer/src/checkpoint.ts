import { CheckpointError } from '@vjepa/errors';
import { type StateDict, type TensorData, readSafetensors, tensorData, writeSafetensors } from '@vjepa/io';
import type { AdamWState } from '@vjepa/optim';
import type { RngState } from '@vjepa/rng';
import { MANIFEST_FILE, readCheckpointFile, resolveCheckpointDir, writeCheckpointDir } from './checkpoint-dir';
import type { TrainerConfig } from './config';
import type { TrainerState } from './trainer-state';

/**
 * Format tag of our checkpoint manifests.
 *
 * @example
 * manifest.format === CHECKPOINT_FORMAT; // true for our checkpoints
 */
export const CHECKPOINT_FORMAT = 'vjepa-ts/trainer-checkpoint';

/**
 * The weight files of a checkpoint, by module.
 *
 * @example
 * await readCheckpointModule(manifest, 'targetEncoder' as CheckpointModule);
 */
export type CheckpointModule = 'encoder' | 'predictor' | 'targetEncoder';

/**
 * The manifest (`trainer.json`) of a checkpoint directory: everything but the tensors. It is the
 * contract between training and its readers: resume reads it, evaluation builds the encoder from
 * `models.encoder` and loads `files.targetEncoder` (or `files.encoder` for the pixel objective),
 * export and tools read the rest.
 *
 * @example
 * const manifest = await readCheckpointManifest('runs/tiny/checkpoints');
 * manifest.iteration; // steps done
 * manifest.models.encoder; // the VitConfig the encoder was built with
 */
export interface CheckpointManifest {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly version: 1;
  /** Steps done = the next iteration to run. */
  readonly iteration: number;
  readonly epoch: number;
  readonly seed: number;
  readonly config: TrainerConfig;
  /** Schedule values the next iteration will use, and the LR of the last step (informative). */
  readonly schedules: TrainerState['schedules'];
  readonly rng: RngState;
  readonly masking: { readonly name: string; readonly numMaskTypes: number };
  /** The model configs (`VitConfig`, `PredictorConfig`). */
  readonly models: { readonly encoder: unknown; readonly predictor: unknown };
  readonly optimizer: {
    readonly betas: readonly [number, number];
    readonly eps: number;
    readonly groups: AdamWState['groups'];
    /** Per-parameter step counts; the moments are in `optimizer.safetensors` as `exp_avg.<name>` / `exp_avg_sq.<name>`. */
    readonly steps: Readonly<Record<string, number>>;
  };
  readonly files: { readonly encoder: string; readonly predictor: string; readonly targetEncoder: string | null; readonly optimizer: string };
  /** SHA-256 (hex) of each file named in `files`; checked when a file is read (absent in checkpoints written before it existed). */
  readonly sha256?: Readonly<Record<string, string>>;
  /**
   * The resolved config of the run that saved the checkpoint (official section names), when a run
   * saved it; the trainer does not interpret it. Evaluation reads its clip settings (`data.frame_step`,
   * `data.num_clips`) from here.
   */
  readonly run?: unknown;
}

/**
 * A checkpoint read back: the {@link TrainerState} to `trainer.restore`, plus where it came from.
 *
 * @example
 * const loaded: LoadedCheckpoint = await loadCheckpoint('runs/tiny/checkpoints');
 * trainer.restore(loaded);
 */
export type LoadedCheckpoint = TrainerState & { readonly dir: string; readonly manifest: CheckpointManifest & { readonly dir: string } };

/**
 * Directory name of the checkpoint after `iteration` steps: `step-00000100`.
 *
 * @example
 * checkpointName(100); // 'step-00000100'
 */
export function checkpointName(iteration: number): string {
  return `step-${String(iteration).padStart(8, '0')}`;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Saves a {@link TrainerState} into one self-describing directory `root/<name>` (default
 * `step-XXXXXXXX`): `encoder`, `predictor`, `target_encoder` safetensors (official names), the AdamW
 * moments (`optimizer.safetensors`) and `trainer.json` (iteration, seed, resolved config, schedule
 * positions, RNG and masking state, model configs, optimiser steps and groups, the SHA-256 of every
 * file, and `run`, the caller's run config, when given). Written to a temporary directory and renamed
 * into place; `root/latest` then names it (atomic replace) unless `updateLatest` is false. Returns
 * the path.
 *
 * @example
 * const path = await saveCheckpoint(await trainer.snapshot(), 'runs/tiny/checkpoints'); // .../step-00000002
 */
export async function saveCheckpoint(state: TrainerState, root: string, options: { name?: string; updateLatest?: boolean; run?: unknown } = {}): Promise<string> {
  const i = state.iteration;
  const opt = state.optimizer;
  const moments: StateDict = {};
  const steps: Record<string, number> = {};
  for (const [name, s] of Object.entries(opt.params)) {
    moments[`exp_avg.${name}`] = tensorData('float32', [...s.shape], s.expAvg);
    moments[`exp_avg_sq.${name}`] = tensorData('float32', [...s.shape], s.expAvgSq);
    steps[name] = s.step;
  }
  const files: Record<string, Uint8Array | string> = {
    'encoder.safetensors': writeSafetensors(state.weights.encoder, { format: 'pt', role: 'encoder' }),
    'predictor.safetensors': writeSafetensors(state.weights.predictor, { format: 'pt', role: 'predictor' }),
    'optimizer.safetensors': writeSafetensors(moments, { format: 'vjepa-ts', role: 'adamw' }),
  };
  const target = state.weights.targetEncoder;
  if (target) files['target_encoder.safetensors'] = writeSafetensors(target, { format: 'pt', role: 'target_encoder' });
  const sha256: Record<string, string> = {};
  for (const [file, bytes] of Object.entries(files)) sha256[file] = await sha256Hex(bytes as Uint8Array);
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    version: 1,
    iteration: i,
    epoch: Math.floor(i / state.config.optimization.ipe),
    seed: state.seed,
    config: state.config,
    schedules: state.schedules,
    rng: state.rng,
    masking: state.masking,
    models: state.models,
    optimizer: { betas: opt.betas, eps: opt.eps, groups: opt.groups, steps },
    files: {
      encoder: 'encoder.safetensors',
      predictor: 'predictor.safetensors',
      targetEncoder: target ? 'target_encoder.safetensors' : null,
      optimizer: 'optimizer.safetensors',
    },
    sha256,
    ...(options.run === undefined ? {} : { run: options.run }),
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
 * Reads a checkpoint's manifest (from a checkpoint directory or a directory whose `latest` names
 * one), e.g. to rebuild the models from `models` before restoring, or to evaluate the encoder.
 *
 * @example
 * const { config, models, dir } = await readCheckpointManifest('runs/tiny/checkpoints');
 */
export async function readCheckpointManifest(path: string): Promise<CheckpointManifest & { readonly dir: string }> {
  const dir = await resolveCheckpointDir(path);
  const text = new TextDecoder().decode(await readCheckpointFile(dir, MANIFEST_FILE));
  return { ...parseManifest(text, `${dir}/${MANIFEST_FILE}`), dir };
}

/** Reads one file named by the manifest, checking its SHA-256 when the manifest records one. */
async function readVerified(manifest: CheckpointManifest & { dir: string }, file: string): Promise<Uint8Array> {
  const bytes = await readCheckpointFile(manifest.dir, file);
  const expected = manifest.sha256?.[file];
  if (expected !== undefined) {
    const actual = await sha256Hex(bytes);
    if (actual !== expected) {
      throw new CheckpointError(`${manifest.dir}/${file}`, {
        expected: `SHA-256 ${expected} (recorded in ${MANIFEST_FILE})`,
        received: actual,
        hint: 'the file was modified or damaged after the checkpoint was written; use another checkpoint',
      });
    }
  }
  return bytes;
}

/**
 * The official-name weights of one module of a checkpoint (checksum-checked): what evaluation
 * loads. `targetEncoder` of a pixel-objective checkpoint (which has none) is a CheckpointError.
 *
 * @example
 * const manifest = await readCheckpointManifest('runs/tiny/checkpoints');
 * const weights = await readCheckpointModule(manifest, 'targetEncoder');
 */
export async function readCheckpointModule(manifest: CheckpointManifest & { readonly dir: string }, module: CheckpointModule): Promise<StateDict> {
  const file = manifest.files[module];
  if (file === null) {
    throw new CheckpointError(`${manifest.dir}/${MANIFEST_FILE}: files.${module}`, { expected: 'a weight file', received: 'null (a pixel-objective checkpoint has no target encoder)', hint: 'read files.encoder instead' });
  }
  return readSafetensors(await readVerified(manifest, file), { file: `${manifest.dir}/${file}` }).tensors;
}

/**
 * Reads a checkpoint written by {@link saveCheckpoint} back into a {@link TrainerState} (with its
 * directory and manifest): all three models' weights, AdamW moments and steps, the iteration and the
 * masking RNG. `trainer.restore(state)` on a trainer built with the same architecture and masking
 * strategy then continues exactly where the saved run stopped. `path` is a checkpoint directory or a
 * directory whose `latest` names one. Files are checked against their recorded SHA-256.
 *
 * @example
 * const { configDiffers } = trainer.restore(await loadCheckpoint('runs/tiny/checkpoints'));
 */
export async function loadCheckpoint(path: string): Promise<LoadedCheckpoint> {
  const manifest = await readCheckpointManifest(path);
  const { dir } = manifest;
  const encoder = await readCheckpointModule(manifest, 'encoder');
  const predictor = await readCheckpointModule(manifest, 'predictor');
  const targetEncoder = manifest.files.targetEncoder ? await readCheckpointModule(manifest, 'targetEncoder') : null;
  const moments = readSafetensors(await readVerified(manifest, manifest.files.optimizer), { file: `${dir}/${manifest.files.optimizer}` }).tensors;

  const params: Record<string, { step: number; shape: number[]; expAvg: Float32Array; expAvgSq: Float32Array }> = {};
  for (const [name, step] of Object.entries(manifest.optimizer.steps)) {
    const m: TensorData | undefined = moments[`exp_avg.${name}`];
    const v: TensorData | undefined = moments[`exp_avg_sq.${name}`];
    if (!m || !v || m.dtype !== 'float32' || v.dtype !== 'float32') {
      throw new CheckpointError(`${dir}/${manifest.files.optimizer}: moments of "${name}"`, { expected: 'float32 exp_avg and exp_avg_sq', received: 'missing or another dtype' });
    }
    params[name] = { step, shape: [...m.shape], expAvg: m.data as Float32Array, expAvgSq: v.data as Float32Array };
  }
  return {
    iteration: manifest.iteration,
    seed: manifest.seed,
    config: manifest.config,
    rng: manifest.rng,
    masking: manifest.masking,
    models: manifest.models,
    weights: { encoder, predictor, targetEncoder },
    optimizer: { version: 1, betas: manifest.optimizer.betas, eps: manifest.optimizer.eps, groups: manifest.optimizer.groups, params },
    schedules: manifest.schedules,
    dir,
    manifest,
  };
}
