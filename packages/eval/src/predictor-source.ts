import { CheckpointError } from '@vjepa/errors';
import { type PredictorConfig, type PredictorConfigInput, VJEPAPredictor, loadPredictor, resolvePredictorConfig } from '@vjepa/predictor';
import type { VitConfig } from '@vjepa/vit';
import type { EvalArch } from './arch';
import { readPredictorWeights } from './weights-file';

/**
 * A frozen predictor and where it came from.
 *
 * @example
 * const { predictor, description } = await loadPredictorFor(arch, { checkpoint: 'checkpoint.pt' }, encoder.config);
 */
export interface LoadedPredictor {
  predictor: VJEPAPredictor;
  description: string;
}

/**
 * The predictor that belongs to an encoder checkpoint (what V-JEPA trains the context encoder with):
 * from a checkpoint directory of ours, built as its manifest says (`models.predictor`); from an
 * official V-JEPA or V-JEPA 2 `.pth.tar` / `.pt` (`predictor`, read alone), a flat `.safetensors`
 * (`predictor.*`) or a Hugging Face V-JEPA 2 file, with its architecture read from the weights and the
 * encoder's config (`@vjepa/predictor`'s `loadPredictor`: RoPE when there is no
 * `predictor_pos_embed`; heads `arch.predictorHeads`, else 12 for the released V-JEPA 2 shape, else
 * the encoder's). Loaded strictly; the caller disposes it.
 *
 * @example
 * const { encoder } = await loadEncoder(arch, { checkpoint: 'checkpoint.pt', key: 'encoder' });
 * const { predictor } = await loadPredictorFor(arch, { checkpoint: 'checkpoint.pt' }, encoder.config);
 * const pred = tf.tidy(() => predictor.apply(encoder.apply(clip, { indices: ctx }), ctx, tgt, 1)); // [B, Kt, D]
 */
export async function loadPredictorFor(
  arch: EvalArch,
  spec: { checkpoint: string; prefix?: string },
  encoderConfig: Readonly<VitConfig>,
): Promise<LoadedPredictor> {
  const read = await readPredictorWeights(spec);
  if (read.manifest !== undefined) {
    let config: Readonly<PredictorConfig>;
    try {
      config = resolvePredictorConfig(read.manifest.models.predictor as PredictorConfigInput);
    } catch (e) {
      throw new CheckpointError(`${read.manifest.dir}/trainer.json: models.predictor`, { expected: 'a predictor config', received: JSON.stringify(read.manifest.models.predictor), cause: e });
    }
    const predictor = new VJEPAPredictor(config, { trainable: false });
    try {
      predictor.loadStateDict(read.sd, { file: read.manifest.dir, what: 'predictor' });
    } catch (e) {
      predictor.dispose();
      throw e;
    }
    return { predictor, description: read.description };
  }
  const { predictor } = loadPredictor(read.sd, encoderConfig, {
    file: spec.checkpoint,
    numHeads: arch.predictorHeads,
    ignorePosEmbed: encoderConfig.useRope && arch.ignorePosEmbed === true,
    trainable: false,
  });
  return { predictor, description: read.description };
}
