import { CheckpointError, ConfigError } from '@vjepa/errors';
import type { LoadReport, StateDict } from '@vjepa/io';
import { VJEPA2_RELEASES, type VitConfig } from '@vjepa/vit';
import { type PredictorConfig, predictorConfigFor } from './config';
import { VJEPAPredictor } from './predictor';

/** The encoder fields a predictor config is derived from (`VisionTransformer.config` has them). */
export type PredictorEncoderConfig = Pick<VitConfig, 'embedDim' | 'numHeads' | 'numFrames' | 'tubeletSize' | 'imgSize' | 'patchSize' | 'uniformPower' | 'layerNormEps'> &
  Partial<Pick<VitConfig, 'useRope'>>;

/** What the weights do not show, or what you want to fix instead of detecting. */
export interface PredictorDetectOptions {
  /**
   * Attention heads (not visible in any shape). Default: 12 for the released V-JEPA 2 predictor shape
   * (384 wide, 12 deep, 10 mask tokens), else the encoder's heads (the reference's default).
   */
  numHeads?: number;
  /** Force the position scheme. Default: RoPE when there is no `predictor_pos_embed`. */
  useRope?: boolean;
  /** File name for messages. */
  file?: string;
}

/**
 * Reads an official predictor state dict's architecture from its shapes (width, depth, MLP ratio, mask
 * tokens, output width; RoPE when there is no `predictor_pos_embed`) and combines it with the
 * encoder's grid and width (`predictorConfigFor`). Throws a CheckpointError naming a missing key.
 *
 * @example
 * const pcfg = predictorConfigFromStateDict(selectStateDict(ckpt, 'predictor'), encoder.config);
 */
export function predictorConfigFromStateDict(sd: StateDict, encoder: PredictorEncoderConfig, opts: PredictorDetectOptions = {}): Readonly<PredictorConfig> {
  const where = opts.file ? `${opts.file}: ` : '';
  const need = (key: string, rank: number) => {
    const t = sd[key];
    if (!t || t.shape.length !== rank) {
      throw new CheckpointError(`${where}predictor state dict key "${key}"`, {
        expected: `a tensor of rank ${rank}`,
        received: t ? `[${t.shape.join(', ')}]` : 'no such key',
        hint: 'pass an unprefixed predictor state dict, e.g. selectStateDict(ckpt, "predictor")',
      });
    }
    return t.shape;
  };
  const [dp, inDim] = need('predictor_embed.weight', 2); // [Dp, D]
  if (inDim !== encoder.embedDim) {
    throw new CheckpointError(`${where}predictor_embed.weight`, { expected: `[Dp, ${encoder.embedDim}] (the encoder width)`, received: `[${dp}, ${inDim}]` });
  }
  const outDim = need('predictor_proj.weight', 2)[0];
  const count = (re: RegExp) => new Set(Object.keys(sd).map((k) => re.exec(k)?.[1]).filter((x) => x !== undefined)).size;
  const depth = count(/^predictor_blocks\.(\d+)\./);
  const numMaskTypes = count(/^mask_tokens\.(\d+)$/);
  if (depth === 0 || numMaskTypes === 0) {
    throw new CheckpointError(`${where}predictor state dict`, { expected: 'predictor_blocks.* and mask_tokens.*', received: `${depth} blocks, ${numMaskTypes} mask tokens` });
  }
  const mlpRatio = need('predictor_blocks.0.mlp.fc1.weight', 2)[0] / dp;
  const useRope = opts.useRope ?? !sd.predictor_pos_embed;
  const released = VJEPA2_RELEASES.vitl.predictor;
  const looksReleased = useRope && dp === released.predictorEmbedDim && depth === released.depth && numMaskTypes === released.numMaskTypes;
  const numHeads = opts.numHeads ?? (looksReleased ? released.numHeads : encoder.numHeads);
  if (dp % numHeads !== 0) {
    throw new ConfigError(`${where}predictor numHeads`, {
      expected: `a divisor of the predictor width ${dp}`,
      received: `${numHeads}${opts.numHeads === undefined ? ' (the encoder heads, the reference default)' : ''}`,
      hint: 'pass { numHeads } (the official config key is model.pred_num_heads)',
    });
  }
  return predictorConfigFor(encoder, { predictorEmbedDim: dp, depth, numHeads, mlpRatio, numMaskTypes, outDim, useRope, zeroInitMaskTokens: false });
}

/** Options of {@link loadPredictor}. */
export interface LoadPredictorOptions extends PredictorDetectOptions {
  /** Drop a `predictor_pos_embed` a RoPE state dict carries (released V-JEPA 2 files). Default false. */
  ignorePosEmbed?: boolean;
  seed?: number;
  /** Default true (a loaded predictor is usually trained further). */
  trainable?: boolean;
}

/**
 * Builds a `VJEPAPredictor` for an official (unprefixed) predictor state dict, with its architecture
 * read from the weights and the encoder's config, and loads it strictly (V-JEPA / V-JEPA 2 mismatches
 * and every bad key are a CheckpointError). The caller owns the predictor.
 *
 * @example
 * const { predictor } = loadPredictor(selectStateDict(ckpt, 'predictor'), encoder.config, { file: 'vitl.pt', ignorePosEmbed: true });
 */
export function loadPredictor(sd: StateDict, encoder: PredictorEncoderConfig, opts: LoadPredictorOptions = {}): { predictor: VJEPAPredictor; report: LoadReport } {
  const { ignorePosEmbed, seed, trainable, ...detect } = opts;
  const predictor = new VJEPAPredictor(predictorConfigFromStateDict(sd, encoder, detect), { seed, trainable });
  try {
    return { predictor, report: predictor.loadStateDict(sd, { file: opts.file, ignorePosEmbed }) };
  } catch (e) {
    predictor.dispose();
    throw e;
  }
}
