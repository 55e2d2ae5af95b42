import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError, ConfigError, DegenerateStepError, NonFiniteLossError, ShapeError } from '@vjepa/errors';
import { type Grid, type MaskPair, type MaskingStrategy, assertValidMaskPairs } from '@vjepa/masking';
import { AdamW, assertGradientsRegistered, clipGradNorm, emaUpdate, gradNorm, prefixed, vjepaParamGroups } from '@vjepa/optim';
import { type Rng, createRng, deriveSeed, restoreRng } from '@vjepa/rng';
import { type TrainerConfig, type TrainerConfigInput, resolveTrainerConfig } from './config';
import { type EncoderModel, type PredictorModel, trainableNamed } from './models';
import { type MaskTensors, computeObjective, featureTargets, indexBatchTensor } from './objective';
import { normalizedPixelTargets } from './pixels';
import { type ReplicaGroup, averageGradients, groupSum, replicaMasks } from './replica';
import type { TrainerState } from './trainer-state';
import { type TrainerSchedules, scheduleValues, trainerSchedules } from './trainer-schedules';
import { gatherTokens } from '@vjepa/vit';

/**
 * Stream id mixed into the trainer seed for the masking generator.
 *
 * @example
 * const rng = createRng(deriveSeed(seed, MASK_RNG_STREAM)); // the trainer's masking stream
 */
export const MASK_RNG_STREAM = 0x6d61736b; // "mask"

/**
 * Everything one training step reports (numbers read back once per step): every term the objective
 * computes, the schedules, the gradient norms and the masks' sizes. The one metrics type of the
 * project: apps log it as it is (`metrics.jsonl` is one of these per line, plus timings).
 *
 * @example
 * const m: StepMetrics = await trainer.step(clips);
 * console.log(m.iteration, m.loss, m.lossJepa, m.encVar, m.lr, m.featureSpread);
 */
export interface StepMetrics {
  /** The 0-based iteration this step ran. */
  readonly iteration: number;
  /** `floor(iteration / ipe)`, 0-based. */
  readonly epoch: number;
  /** Total loss: `lossJepa + regCoeff * reg + encVarCoeff * encVar + encCovCoeff * encCov`. */
  readonly loss: number;
  /** The prediction term: the mean of the per-type losses (the reference's `loss_jepa`). */
  readonly lossJepa: number;
  /** Loss of each mask type. */
  readonly lossPerType: readonly number[];
  /** The variance-regulariser term (computed even when its weight is 0). */
  readonly reg: number;
  /** The encoder variance hinge on the context tokens (`loss.encVarCoeff`; computed even at weight 0). */
  readonly encVar: number;
  /** The encoder covariance term on the context tokens (`loss.encCovCoeff`; computed even at weight 0). */
  readonly encCov: number;
  readonly lr: number;
  readonly wd: number;
  /** EMA momentum applied after this step (1 and unused for the pixel objective). */
  readonly momentum: number;
  /** Pre-clip L2 gradient norms per module. */
  readonly gradNorm: { readonly encoder: number; readonly predictor: number };
  /** Whether clipping was active (`epoch > warmupEpochs` and `clipGrad` set). */
  readonly clipped: boolean;
  readonly contextSizes: readonly number[];
  readonly targetSizes: readonly number[];
  /** Std of the predictions across tokens: the partial-collapse indicator. */
  readonly featureSpread: number;
  /** `tf.memory().numTensors` after the step. */
  readonly numTensors: number;
}

/**
 * What {@link createTrainer} is given.
 *
 * @example
 * const options: TrainerOptions = { encoder, predictor, masking: multiblock3d(RELEASED_MASK_TYPES), config: {}, seed: 0 };
 */
export interface TrainerOptions {
  readonly encoder: EncoderModel;
  readonly predictor: PredictorModel;
  readonly masking: MaskingStrategy;
  readonly config?: TrainerConfigInput;
  /** Seeds the masking generator. Default 0. */
  readonly seed?: number;
  /**
   * Data-parallel training: this trainer is one replica of a group (see {@link ReplicaGroup}); each
   * `step` gets this replica's rows of the batch. Default: none (the whole batch here).
   */
  readonly replica?: ReplicaGroup;
}

/**
 * The V-JEPA trainer: owns the EMA target encoder, AdamW, the schedules and the masking generator,
 * and runs the reference training step. See {@link createTrainer}.
 *
 * @example
 * const trainer = createTrainer({ encoder, predictor, masking, config });
 * for (const clips of batches) console.log((await trainer.step(clips)).loss);
 */
export class Trainer {
  readonly config: TrainerConfig;
  readonly encoder: EncoderModel;
  readonly predictor: PredictorModel;
  /** The EMA target encoder (null for the pixel objective). */
  readonly targetEncoder: EncoderModel | null;
  readonly masking: MaskingStrategy;
  readonly optimizer: AdamW;
  readonly schedules: TrainerSchedules;
  readonly seed: number;
  /** The data-parallel group this trainer is a replica of, if any. */
  readonly replica: ReplicaGroup | null;
  private next = 0;
  /** The masking generator, seeded from `seed`; part of the state. */
  private rng: Rng;
  private readonly encoderVars: Map<string, tf.Variable>;
  private readonly predictorVars: Map<string, tf.Variable>;
  private readonly byTfName = new Map<string, { module: 'encoder' | 'predictor'; name: string }>();

  /** Use {@link createTrainer}. */
  constructor(options: TrainerOptions) {
    const { encoder, predictor, masking } = options;
    this.config = resolveTrainerConfig(options.config ?? {});
    const seed = options.seed ?? 0;
    if (!Number.isSafeInteger(seed)) throw new ConfigError('createTrainer: seed', { expected: 'a safe integer', received: String(seed) });
    this.seed = seed;
    this.replica = options.replica ?? null;
    if (this.replica !== null && (!Number.isInteger(this.replica.size) || this.replica.size < 1 || !Number.isInteger(this.replica.rank) || this.replica.rank < 0 || this.replica.rank >= this.replica.size)) {
      throw new ConfigError('createTrainer: replica', { expected: 'an integer rank in [0, size) and an integer size >= 1', received: `rank ${this.replica.rank}, size ${this.replica.size}` });
    }
    checkModels(this.config, encoder, predictor, masking);
    this.encoder = encoder;
    this.predictor = predictor;
    this.masking = masking;
    this.targetEncoder = this.config.loss.objective === 'features' ? encoder.clone({ trainable: false }) : null;

    const o = this.config.optimization;
    this.schedules = trainerSchedules(this.config);

    this.encoderVars = prefixed('encoder.', trainableNamed(encoder));
    this.predictorVars = prefixed('predictor.', trainableNamed(predictor));
    for (const [module, vars] of [['encoder', this.encoderVars], ['predictor', this.predictorVars]] as const) {
      if (vars.size === 0) {
        throw new ConfigError(`createTrainer: ${module}`, { expected: 'a model with trainable variables', received: 'none', hint: 'pass a model built with trainable: true' });
      }
      for (const [name, v] of vars) this.byTfName.set(v.name, { module, name });
    }
    this.optimizer = new AdamW(vjepaParamGroups(new Map([...this.encoderVars, ...this.predictorVars])), {
      lr: o.startLr,
      weightDecay: o.weightDecay,
      betas: o.betas,
      eps: o.eps,
    });
    this.rng = createRng(deriveSeed(seed, MASK_RNG_STREAM));
  }

  /** The next iteration to run (= steps done); set by `restore`. */
  get iteration(): number {
    return this.next;
  }

  /** Training stops after `epochs * ipe` iterations. */
  get totalIterations(): number {
    return this.config.optimization.epochs * this.config.optimization.ipe;
  }

  /**
   * One reference training step on `clips [B, T, H, W, 3]` (float32, normalised): masks for this
   * iteration; targets (EMA encoder on the full clip, parameter-free layer norm, gathered per type;
   * or normalised pixels); context encoder and predictor per mask type; loss; gradients for encoder
   * and predictor only; per-module clipping after warmup; AdamW with the scheduled LR and WD; EMA
   * with the scheduled momentum. Throws NonFiniteLossError (loss or a gradient norm not finite) or
   * DegenerateStepError (loss or a gradient norm exactly 0: nothing was computed) before touching
   * the weights. A step that throws, for any reason, leaves the trainer as it was before it: weights,
   * optimiser, iteration and the masking generator (rewound), so `snapshot()` then is the state
   * before the failed step (what an app saves as a crash checkpoint).
   *
   * @example
   * const metrics = await trainer.step(clips);
   */
  async step(clips: tf.Tensor): Promise<StepMetrics> {
    assertGradientsRegistered('Trainer.step');
    const i = this.next;
    const c = this.config;
    const grid = this.gridOf(clips);
    const group = this.replica;
    const localBatch = clips.shape[0];
    const batchSize = localBatch * (group?.size ?? 1); // the whole batch: masks are drawn for all of it
    const epoch = Math.floor(i / c.optimization.ipe);
    const lr = this.schedules.lr.forIteration(i);
    const wd = this.schedules.wd.forIteration(i);
    const momentum = this.targetEncoder ? this.schedules.momentum.forIteration(i) : 1;

    const rngBefore = this.rng.getState();
    const toDispose: tf.Tensor[] = [];
    try {
      const pairs = this.masking.sample({ grid, batchSize, rng: this.rng, step: i });
      assertValidMaskPairs(pairs, { grid, batchSize, numMaskTypes: this.masking.numMaskTypes, allowOverlap: this.masking.contextMayOverlapTarget ?? false });
      const mine = group === null ? pairs : replicaMasks(pairs, group, localBatch);
      const masks: MaskTensors[] = mine.map((p, k) => ({ context: indexBatchTensor(p.context), target: indexBatchTensor(p.target), maskIndex: k }));
      toDispose.push(...masks.flatMap((m) => [m.context, m.target]));
      const targets = this.targetEncoder
        ? featureTargets(this.targetEncoder, clips, masks, c.loss.targetLayerNormEps)
        : tf.tidy(() => {
            const tubelet = this.encoder.config.numFrames > 1 ? this.encoder.config.tubeletSize : 1;
            const pixels = normalizedPixelTargets(clips, tubelet, this.encoder.config.patchSize); // [B, N, t*p*p*3]
            return masks.map((m) => gatherTokens(pixels, m.target)); // [B, Kt, t*p*p*3]
          });
      toDispose.push(...targets);

      let aux: tf.Tensor[] = [];
      const varList = [...this.encoderVars.values(), ...this.predictorVars.values()];
      const { value, grads } = tf.variableGrads(() => {
        const pool = group === null ? undefined : (stats: tf.Tensor) => groupSum(stats, group);
        const out = computeObjective(this.encoder, this.predictor, clips, masks, targets, { ...c.loss, pool });
        aux = [...out.perType, out.reg, out.spread, out.encVar, out.encCov].map((t) => tf.keep(t));
        return out.total;
      }, varList);
      toDispose.push(value, ...aux, ...Object.values(grads));

      const encGrads = new Map<string, tf.Tensor>();
      const predGrads = new Map<string, tf.Tensor>();
      let local: Record<string, tf.Tensor> = grads;
      if (group !== null) {
        // every replica's gradients averaged before clipping: the full batch's gradient on each
        const averaged = averageGradients(new Map(Object.entries(grads)), group);
        toDispose.push(...averaged.values());
        local = Object.fromEntries(averaged);
      }
      for (const [tfName, g] of Object.entries(local)) {
        const owner = this.byTfName.get(tfName);
        if (owner) (owner.module === 'encoder' ? encGrads : predGrads).set(owner.name, g);
      }
      const clip = c.optimization.clipGrad;
      const clipped = clip !== null && epoch > c.optimization.warmupEpochs;
      let finalGrads = new Map([...encGrads, ...predGrads]);
      let norms: tf.Tensor[];
      if (clipped) {
        const e = clipGradNorm(encGrads, clip);
        const p = clipGradNorm(predGrads, clip);
        finalGrads = new Map([...e.grads, ...p.grads]);
        norms = [e.totalNorm, p.totalNorm];
        toDispose.push(...e.grads.values(), ...p.grads.values());
      } else {
        norms = [gradNorm(encGrads), gradNorm(predGrads)];
      }
      toDispose.push(...norms);

      // One read-back per step: the loss guard must see the value before the weights change.
      const packed = tf.tidy(() => tf.stack([value, ...aux, ...norms].map((t) => tf.reshape(t, []))));
      let v = Array.from(await packed.data());
      packed.dispose();
      const k = masks.length;
      if (group !== null) {
        // loss terms are means over this replica's rows: their group average is the whole batch's
        // (the encoder terms and the norms are already the same on every replica)
        const summed = group.sum(Float32Array.from(v.slice(0, v.length - 2)));
        v = [...Array.from(summed, (x) => x / group.size), ...v.slice(-2)];
      }
      const loss = v[0];
      const lossPerType = v.slice(1, 1 + k);
      const [reg, spread, encVar, encCov, encNorm, predNorm] = v.slice(1 + k);
      // Non-finite gradients would poison the weights just as surely as a non-finite loss, and an
      // exactly-zero loss or gradient norm means nothing was computed (a backend that failed without
      // throwing leaves zeros): both stop the run before the weights change.
      const zero = [loss === 0 && 'loss 0', encNorm === 0 && 'encoder gradient norm 0', predNorm === 0 && 'predictor gradient norm 0'].filter(Boolean);
      if (!Number.isFinite(loss) || !Number.isFinite(encNorm) || !Number.isFinite(predNorm) || zero.length > 0) {
        const state = {
          loss: shown(loss),
          lr,
          wd,
          momentum,
          gradNorm: { encoder: shown(encNorm), predictor: shown(predNorm) },
          lossPerType: lossPerType.map(shown),
        };
        if (zero.length > 0 && Number.isFinite(loss) && Number.isFinite(encNorm) && Number.isFinite(predNorm)) {
          throw new DegenerateStepError(i, zero.join(', '), state, 'the backend probably failed without throwing: rerun with --backend wasm (or cpu) to check');
        }
        throw new NonFiniteLossError(i, state);
      }

      this.optimizer.setLearningRate(lr);
      this.optimizer.setWeightDecay(wd);
      this.optimizer.applyGradients(finalGrads);
      if (this.targetEncoder) emaUpdate(this.targetEncoder.variables(), this.encoder.variables(), momentum);
      this.next = i + 1;
      tf.dispose(toDispose);
      toDispose.length = 0;
      return {
        iteration: i,
        epoch,
        loss,
        lossJepa: lossPerType.reduce((a, b) => a + b, 0) / lossPerType.length,
        lossPerType,
        reg,
        encVar,
        encCov,
        lr,
        wd,
        momentum,
        gradNorm: { encoder: encNorm, predictor: predNorm },
        clipped,
        contextSizes: pairs.map((p) => p.context.length),
        targetSizes: pairs.map((p) => p.target.length),
        featureSpread: spread,
        numTensors: tf.memory().numTensors,
      };
    } catch (error) {
      this.rng = restoreRng(rngBefore); // a failed step leaves no trace: the next attempt draws the same masks
      throw error;
    } finally {
      tf.dispose(toDispose);
    }
  }

  /**
   * The masks the next `step` on clips of token grid `grid` will use, drawn from a copy of the
   * masking generator (the trainer's own stream does not move).
   *
   * @example
   * const pairs = trainer.peekMasks({ t: 4, h: 4, w: 4 }, 8); // e.g. to render them before training
   */
  peekMasks(grid: Grid, batchSize: number): readonly MaskPair[] {
    return this.masking.sample({ grid, batchSize, rng: restoreRng(this.rng.getState()), step: this.next });
  }

  /**
   * The whole training state as a plain value (weights as official-name state dicts, AdamW moments,
   * iteration, masking generator, configs, schedule values): what checkpoints store and
   * {@link restore} loads. Nothing in it aliases the trainer's tensors.
   *
   * @example
   * await saveCheckpoint(await trainer.snapshot(), 'runs/tiny/checkpoints');
   */
  async snapshot(): Promise<TrainerState> {
    const i = this.next;
    const optimizer = await this.optimizer.getState();
    const encoder = await this.encoder.stateDict();
    const predictor = await this.predictor.stateDict();
    const targetEncoder = this.targetEncoder ? await this.targetEncoder.stateDict() : null;
    return {
      iteration: i,
      seed: this.seed,
      config: this.config,
      rng: this.rng.getState(),
      masking: { name: this.masking.name, numMaskTypes: this.masking.numMaskTypes },
      models: { encoder: this.encoder.config, predictor: this.predictor.config },
      weights: { encoder, predictor, targetEncoder },
      optimizer,
      schedules: scheduleValues(this.schedules, i),
    };
  }

  /**
   * Loads a state from {@link snapshot} or `loadCheckpoint` into this trainer (built with the same
   * architecture and masking strategy): the three models (strict loads), AdamW moments and steps,
   * the iteration and the masking generator, so the next `step` continues exactly where the saved
   * run stopped. Returns the config keys that differ from this trainer's own config (this trainer's
   * config wins). Refuses another masking strategy or objective with a CheckpointError.
   *
   * @example
   * const { configDiffers } = trainer.restore(await loadCheckpoint('runs/tiny/checkpoints'));
   */
  restore(state: TrainerState & { readonly dir?: string }): { iteration: number; configDiffers: string[] } {
    const where = state.dir ?? 'trainer state';
    if (state.masking.numMaskTypes !== this.masking.numMaskTypes || state.masking.name !== this.masking.name) {
      throw new CheckpointError(`${where}: masking`, {
        expected: `"${this.masking.name}" with ${this.masking.numMaskTypes} mask types (this trainer)`,
        received: `"${state.masking.name}" with ${state.masking.numMaskTypes}`,
      });
    }
    if ((state.weights.targetEncoder === null) !== (this.targetEncoder === null)) {
      throw new CheckpointError(`${where}: target encoder`, {
        expected: this.targetEncoder ? 'a target encoder (features objective)' : 'none (pixels objective)',
        received: state.weights.targetEncoder ? 'one' : 'none',
      });
    }
    if (!Number.isSafeInteger(state.iteration) || state.iteration < 0) {
      throw new CheckpointError(`${where}: iteration`, { expected: 'an integer >= 0', received: String(state.iteration) });
    }
    const rng = restoreRng(state.rng);
    this.encoder.loadStateDict(state.weights.encoder, { file: `${where} (encoder)` });
    this.predictor.loadStateDict(state.weights.predictor, { file: `${where} (predictor)` });
    if (this.targetEncoder && state.weights.targetEncoder) this.targetEncoder.loadStateDict(state.weights.targetEncoder, { file: `${where} (target encoder)` });
    this.optimizer.setState(state.optimizer);
    this.rng = rng;
    this.next = state.iteration;
    const configDiffers: string[] = [];
    configDifferences(state.config, this.config, '', configDiffers);
    return { iteration: state.iteration, configDiffers };
  }

  /** Frees the target encoder and optimiser state (not the encoder and predictor you passed in). */
  dispose(): void {
    this.targetEncoder?.dispose();
    this.optimizer.dispose();
  }

  private gridOf(clips: tf.Tensor): { t: number; h: number; w: number } {
    const e = this.encoder.config;
    const tubelet = e.numFrames > 1 ? e.tubeletSize : 1;
    if (!(clips instanceof tf.Tensor) || clips.isDisposed || clips.rank !== 5 || clips.dtype !== 'float32') {
      throw new ShapeError('Trainer.step(clips)', {
        expected: 'a live float32 tensor [B, T, H, W, 3]',
        received: clips instanceof tf.Tensor ? `${clips.dtype} [${clips.shape}]${clips.isDisposed ? ' (disposed)' : ''}` : typeof clips,
      });
    }
    const [, t, h, w] = clips.shape;
    if (t % tubelet !== 0 || h % e.patchSize !== 0 || w % e.patchSize !== 0) {
      throw new ShapeError('Trainer.step(clips)', {
        expected: `T a multiple of tubelet ${tubelet}, H and W multiples of patch ${e.patchSize}`,
        received: `[${clips.shape}]`,
      });
    }
    const grid = { t: t / tubelet, h: h / e.patchSize, w: w / e.patchSize };
    const pg = this.predictor.config.grid;
    if (pg && (pg.t !== grid.t || pg.h !== grid.h || pg.w !== grid.w)) {
      throw new ShapeError('Trainer.step(clips)', {
        expected: `a clip whose token grid is the predictor's ${pg.t}x${pg.h}x${pg.w}`,
        received: `[${clips.shape}] -> grid ${grid.t}x${grid.h}x${grid.w}`,
        hint: 'the predictor position table is fixed: build it for the training clip size (predictorConfigFor(encoder.config, ...))',
      });
    }
    return grid;
  }
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

/** JSON turns NaN and Infinity into null; keep them readable in error messages. */
function shown(x: number): number | string {
  return Number.isFinite(x) ? x : String(x);
}

function checkModels(config: TrainerConfig, encoder: EncoderModel, predictor: PredictorModel, masking: MaskingStrategy): void {
  if (masking === null || typeof masking !== 'object' || masking.specificationVersion !== 'v1' || typeof masking.sample !== 'function') {
    throw new ConfigError('createTrainer: masking', { expected: "a MaskingStrategy with specificationVersion 'v1'", received: String(masking?.specificationVersion) });
  }
  const pc = predictor.config;
  if (pc.numMaskTypes !== masking.numMaskTypes) {
    throw new ConfigError('createTrainer: predictor.config.numMaskTypes', {
      expected: `${masking.numMaskTypes} (masking strategy "${masking.name}" returns that many mask types, one mask token each)`,
      received: String(pc.numMaskTypes),
    });
  }
  if (pc.embedDim !== encoder.config.embedDim) {
    throw new ConfigError('createTrainer: predictor.config.embedDim', { expected: `${encoder.config.embedDim} (the encoder width)`, received: String(pc.embedDim) });
  }
  const e = encoder.config;
  const outDim = pc.outDim ?? pc.embedDim;
  if (config.loss.objective === 'pixels') {
    const pixelDim = (e.numFrames > 1 ? e.tubeletSize : 1) * e.patchSize * e.patchSize * 3;
    if (outDim !== pixelDim) {
      throw new ConfigError('createTrainer: predictor.config.outDim', {
        expected: `${pixelDim} = tubelet * patch * patch * 3 for loss.objective 'pixels'`,
        received: String(outDim),
      });
    }
  } else if (outDim !== e.embedDim) {
    throw new ConfigError('createTrainer: predictor.config.outDim', {
      expected: `${e.embedDim} (the encoder width) for loss.objective 'features'`,
      received: String(outDim),
    });
  }
}

/**
 * Builds a {@link Trainer}: validates the config (ConfigError with the key path and allowed range) and
 * the models against each other and the masking strategy, makes the target encoder an exact copy of
 * the encoder, and sets up AdamW with the V-JEPA groups (no decay on biases and 1-D parameters).
 *
 * @example
 * const trainer = createTrainer({
 *   encoder, predictor, masking: multiblock3d(RELEASED_MASK_TYPES), seed: 0,
 *   config: { optimization: { epochs: 10, ipe: 100, warmupEpochs: 1, lr: 5e-4 } },
 * });
 */
export function createTrainer(options: TrainerOptions): Trainer {
  return new Trainer(options);
}
