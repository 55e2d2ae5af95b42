import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { ClipBatch } from '@vjepa/data';
import type { Grid, MaskPair, MaskingStrategy } from '@vjepa/masking';
import { VJEPAPredictor, predictorConfigFor } from '@vjepa/predictor';
import {
  type DamagedCheckpoint,
  LATEST_POINTER,
  type ReplicaGroup,
  type StepMetrics,
  type Trainer,
  checkpointName,
  createTrainer,
  exportOfficial,
  loadCheckpoint,
  loadNewestIntactCheckpoint,
  readCheckpointManifest,
  readOfficialCheckpoint,
  saveCheckpoint,
  stateFromOfficial,
  trainerConfigFromSections,
} from '@vjepa/trainer';
import { type VitConfig, VisionTransformer, vitConfigFromSections } from '@vjepa/vit';
import { gridOf } from './masking-strategy';
import type { RunConfig } from './schema';

/**
 * Seed streams of the initial weights, derived from `meta.seed`: the encoder uses `seed + 1`, the
 * predictor `seed + 2` (the trainer's masking stream is derived from `seed` itself).
 *
 * @example
 * new VisionTransformer(vit, { seed: config.meta.seed + INIT_SEED_OFFSETS.encoder });
 */
export const INIT_SEED_OFFSETS = Object.freeze({ encoder: 1, predictor: 2 });

/**
 * The modules a config describes, freshly initialised: the encoder (`@vjepa/vit`, from the `model`
 * and `data` sections through the one size table) and the predictor (`@vjepa/predictor`, one mask
 * token per mask type of `strategy`; pixel output for `meta.objective: pixels`), with activation
 * checkpointing on both when `model.use_activation_checkpointing` is true.
 *
 * @example
 * const { encoder, predictor, vit } = buildModels(config, strategy);
 */
export function buildModels(config: RunConfig, strategy: Pick<MaskingStrategy, 'numMaskTypes'>): { vit: Readonly<VitConfig>; encoder: VisionTransformer; predictor: VJEPAPredictor } {
  const d = config.data;
  const m = config.model;
  const vit = vitConfigFromSections(m, d);
  const encoder = new VisionTransformer(vit, { seed: config.meta.seed + INIT_SEED_OFFSETS.encoder });
  const pixelDim = d.tubelet_size * d.patch_size * d.patch_size * 3;
  const predictor = new VJEPAPredictor(
    predictorConfigFor(vit, {
      predictorEmbedDim: m.pred_embed_dim,
      depth: m.pred_depth,
      numMaskTypes: strategy.numMaskTypes,
      zeroInitMaskTokens: m.zero_init_mask_tokens,
      ...(m.pred_num_heads !== null ? { numHeads: m.pred_num_heads } : {}),
      ...(config.meta.objective === 'pixels' ? { outDim: pixelDim } : {}),
    }),
    { seed: config.meta.seed + INIT_SEED_OFFSETS.predictor },
  );
  // The official runtime switch: recompute each block in the backward pass instead of keeping its activations.
  const recompute = m.use_activation_checkpointing === true;
  encoder.activationCheckpointing = recompute;
  predictor.activationCheckpointing = recompute;
  return { vit, encoder, predictor };
}

/**
 * A trainer built from a config, with its checkpoints in a folder: what the run loop (and any
 * custom loop) drives. Checkpoints record the run's config (`manifest.run`) so evaluation reads the
 * clip settings from them.
 *
 * @example
 * const session = createTrainingSession(config, strategy, runPaths(config).checkpoints);
 * const metrics = await session.step(await batches.batch(session.nextStep));
 */
export interface TrainingSession {
  readonly trainer: Trainer;
  readonly encoder: VisionTransformer;
  readonly predictor: VJEPAPredictor;
  /** The global step the next `step()` performs (0 for a fresh run, N after resuming from step N). */
  readonly nextStep: number;
  /** Total steps of the run (`epochs * ipe`). */
  readonly totalSteps: number;
  /** The token grid of the config's clips. */
  readonly grid: Grid;
  /** The masks the next step will use (the trainer's generator does not move). */
  peekMasks(batchSize: number): readonly MaskPair[];
  /** One optimisation step on a batch; the trainer's metrics, every term of the objective. */
  step(batch: ClipBatch): Promise<StepMetrics>;
  /** Saves a checkpoint of everything needed to resume (atomic, `latest` updated); returns its path. */
  save(): Promise<string>;
  /** Saves the current state as `crash-step-XXXXXXXX` (not named by `latest`): after a failed step, the state before it. */
  saveCrash(): Promise<string>;
  /** The newest complete checkpoint of the folder, or null. */
  latest(): Promise<{ path: string; step: number } | null>;
  /** Loads a checkpoint (models, optimiser, RNG, step); returns the step it resumes at. */
  resume(path: string): Promise<number>;
  /**
   * Continues an official training checkpoint (`*.pth.tar`: the official trainer's, a released one, or
   * our export): the three models (every key and shape checked), AdamW moments and step counts, at
   * step `epoch * ipe`. Returns that step, the file's epoch and notes worth logging.
   */
  continueOfficial(path: string): Promise<{ step: number; epoch: number; notes: string[] }>;
  /**
   * Writes the official `.pth.tar` training checkpoint (weights, AdamW state, epoch: the official
   * trainer continues it); returns the path. `onWarning` hears when the step is inside an epoch.
   */
  exportEncoder(path: string, options?: { onWarning?: (line: string) => void }): Promise<string>;
  /**
   * Loads the newest intact checkpoint of the folder (see `@vjepa/trainer`'s
   * `loadNewestIntactCheckpoint`): null when there is none, a CheckpointError when every one is
   * damaged; `damaged` lists the newer ones passed over, and why.
   */
  resumeNewestIntact(): Promise<{ path: string; step: number; damaged: DamagedCheckpoint[] } | null>;
  /** LR at a step (for the LR curve). */
  lrAt(step: number): number;
  dispose(): void;
}

/**
 * What the training loop drives: a {@link TrainingSession} without direct access to the modules
 * (a data-parallel session keeps them in its workers).
 *
 * @example
 * const session: StepSession = createTrainingSession(config, strategy, dir);
 */
export type StepSession = Omit<TrainingSession, 'trainer' | 'encoder' | 'predictor'>;

/**
 * Builds the models ({@link buildModels}) and the trainer (`@vjepa/trainer`, its config from the
 * `optimization` and `loss` sections and `meta.objective`, seeded by `meta.seed`) for a config, with
 * checkpoints under `checkpointsDir`. With `replica`, the trainer is one replica of a data-parallel
 * group (`@vjepa/trainer`'s ReplicaGroup): its steps take this replica's rows of each batch.
 *
 * @example
 * const session = createTrainingSession(config, await strategyForConfig(config), runPaths(config).checkpoints);
 */
export function createTrainingSession(config: RunConfig, strategy: MaskingStrategy, checkpointsDir: string, options: { replica?: ReplicaGroup } = {}): TrainingSession {
  const { encoder, predictor } = buildModels(config, strategy);
  const trainer = createTrainer({ encoder, predictor, masking: strategy, config: trainerConfigFromSections(config, config.meta.objective), seed: config.meta.seed, replica: options.replica });
  const grid = gridOf(config);
  let lastLoss: number | undefined;
  return {
    trainer,
    encoder,
    predictor,
    grid,
    get nextStep() {
      return trainer.iteration;
    },
    totalSteps: trainer.totalIterations,
    peekMasks: (batchSize) => trainer.peekMasks(grid, batchSize),
    async step(batch) {
      const clips = tf.tensor(batch.clips, batch.shape, 'float32'); // [B, T, H, W, 3]
      try {
        const m = await trainer.step(clips);
        lastLoss = m.loss;
        return m;
      } finally {
        clips.dispose();
      }
    },
    save: async () => saveCheckpoint(await trainer.snapshot(), checkpointsDir, { run: config }),
    saveCrash: async () => saveCheckpoint(await trainer.snapshot(), checkpointsDir, { name: `crash-${checkpointName(trainer.iteration)}`, updateLatest: false, run: config }),
    async latest() {
      if (!existsSync(join(checkpointsDir, LATEST_POINTER))) return null;
      const manifest = await readCheckpointManifest(checkpointsDir);
      return { path: manifest.dir, step: manifest.iteration };
    },
    resume: async (path) => trainer.restore(await loadCheckpoint(path)).iteration,
    async continueOfficial(path) {
      const ckpt = await readOfficialCheckpoint(path);
      const { state, notes } = stateFromOfficial(ckpt, await trainer.snapshot());
      return { step: trainer.restore(state).iteration, epoch: ckpt.epoch, notes };
    },
    async exportEncoder(path, options = {}) {
      const info = await exportOfficial(await trainer.snapshot(), path, { loss: lastLoss, batchSize: config.data.batch_size });
      if (info.warning !== null) options.onWarning?.(info.warning);
      return path;
    },
    async resumeNewestIntact() {
      const found = await loadNewestIntactCheckpoint(checkpointsDir);
      if (found === null) return null;
      return { path: found.checkpoint.dir, step: trainer.restore(found.checkpoint).iteration, damaged: found.damaged };
    },
    lrAt: (step) => trainer.schedules.lr.forIteration(step),
    dispose() {
      trainer.dispose();
      encoder.dispose();
      predictor.dispose();
    },
  };
}
