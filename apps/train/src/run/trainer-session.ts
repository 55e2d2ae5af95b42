import * as tf from '@tensorflow/tfjs-core';
import type { MaskingStrategy } from '@vjepa/masking';
import { VJEPAPredictor, predictorConfigFor } from '@vjepa/predictor';
import { createTrainer, type Trainer } from '@vjepa/trainer';
import { VisionTransformer, resolveVitConfig } from '@vjepa/vit';
import { encoderSize } from '../config/consistency';
import type { TrainConfig } from '../config/schema';
import { gridOf } from '../masking/load-strategy';
import type { RunPaths } from './run-folder';
import type { StepMetrics, TrainerSession } from './session-types';
import { trainerCheckpoints } from './trainer-checkpoints';

/** Seed streams for the initial weights, derived from `meta.seed`. */
const ENCODER_SEED_OFFSET = 1;
const PREDICTOR_SEED_OFFSET = 2;

/**
 * Maps the app config (official key names) onto `@vjepa/trainer`'s config.
 *
 * @example
 * createTrainer({ encoder, predictor, masking, config: trainerConfigInput(config, paths) });
 */
export function trainerConfigInput(config: TrainConfig, paths: RunPaths) {
  const o = config.optimization;
  return {
    optimization: {
      epochs: o.epochs,
      ipe: o.ipe,
      ipeScale: o.ipe_scale,
      warmupEpochs: o.warmup,
      startLr: o.start_lr,
      lr: o.lr,
      finalLr: o.final_lr,
      weightDecay: o.weight_decay,
      finalWeightDecay: o.final_weight_decay,
      ema: o.ema,
      clipGrad: o.clip_grad,
    },
    loss: { objective: config.meta.objective, lossExp: config.loss.loss_exp, regCoeff: config.loss.reg_coeff, encVarCoeff: config.loss.enc_var_coeff, encCovCoeff: config.loss.enc_cov_coeff },
  } as const;
}

/**
 * Builds the encoder (`@vjepa/vit`), the predictor (`@vjepa/predictor`) and the trainer
 * (`@vjepa/trainer`) for a config, and wraps them as a {@link TrainerSession}.
 *
 * @example
 * const session = await createTrainerSession(config, strategy, runPaths(config));
 */
export async function createTrainerSession(config: TrainConfig, strategy: MaskingStrategy, paths: RunPaths): Promise<TrainerSession> {
  const d = config.data;
  const size = encoderSize(config);
  const vitConfig = resolveVitConfig({
    embedDim: size.embedDim,
    depth: size.depth,
    numHeads: size.numHeads,
    patchSize: d.patch_size,
    tubeletSize: d.tubelet_size,
    numFrames: d.num_frames,
    imgSize: d.crop_size,
    uniformPower: config.model.uniform_power,
  });
  const encoder = new VisionTransformer(vitConfig, { seed: config.meta.seed + ENCODER_SEED_OFFSET });
  const pixelDim = d.tubelet_size * d.patch_size * d.patch_size * 3;
  const predictor = new VJEPAPredictor(
    predictorConfigFor(vitConfig, {
      predictorEmbedDim: config.model.pred_embed_dim,
      depth: config.model.pred_depth,
      numMaskTypes: strategy.numMaskTypes,
      zeroInitMaskTokens: config.model.zero_init_mask_tokens,
      ...(config.meta.objective === 'pixels' ? { outDim: pixelDim } : {}),
    }),
    { seed: config.meta.seed + PREDICTOR_SEED_OFFSET },
  );
  const trainer: Trainer = createTrainer({ encoder, predictor, masking: strategy, config: trainerConfigInput(config, paths), seed: config.meta.seed });
  const checkpoints = trainerCheckpoints(trainer, paths, d.batch_size);
  const grid = gridOf(config);

  return {
    get nextStep() {
      return trainer.iteration;
    },
    totalSteps: trainer.totalIterations,
    peekMasks(batchSize) {
      return trainer.peekMasks(grid, batchSize);
    },
    async step(batch): Promise<StepMetrics> {
      const clips = tf.tensor(batch.clips, batch.shape, 'float32'); // [B, T, H, W, 3]
      try {
        const m = await trainer.step(clips);
        checkpoints.noteLoss(m.loss);
        const lossJepa = m.lossPerType.reduce((a, b) => a + b, 0) / m.lossPerType.length;
        return {
          loss: m.loss,
          lossJepa,
          regLoss: m.reg,
          encGradNorm: m.gradNorm.encoder,
          predGradNorm: m.gradNorm.predictor,
          lr: m.lr,
          wd: m.wd,
          ema: m.momentum,
          featureSpread: m.featureSpread,
        };
      } finally {
        clips.dispose();
      }
    },
    save: () => checkpoints.save(),
    saveCrash: () => checkpoints.saveCrash(),
    latest: () => checkpoints.latest(),
    resume: (path) => checkpoints.resume(path),
    exportEncoder: (path) => checkpoints.exportEncoder(path),
    lrAt: (step) => trainer.schedules.lr.forIteration(step),
    dispose() {
      trainer.dispose();
      encoder.dispose();
      predictor.dispose();
    },
  };
}
