import { CheckpointError, ConfigError } from '@vjepa/errors';
import { VIT_PRESETS, vitConfigFromStateDict } from '@vjepa/vit';
import { type EvalArch, VJEPA2_PROBE_HEADS } from './arch';
import type { EncoderSpec } from './encoder-source';
import { type WeightsRead, readEncoderWeights } from './weights-file';

/**
 * What the weights of an encoder do not show (or what to fix instead of detecting).
 *
 * @example
 * const opts: DetectArchOptions = { numHeads: 4, numFrames: 4, imgSize: 32 };
 */
export interface DetectArchOptions {
  /** Attention heads (not in any shape). Default: those of the preset with the detected size. */
  numHeads?: number;
  /** Frames per clip. Default: the matched preset's (V-JEPA 2: 64), else from `pos_embed`, else 16. */
  numFrames?: number;
  /** Crop in pixels. Default: the matched preset's (V-JEPA 2: 256), else from `pos_embed`, else 224. */
  imgSize?: number;
  /** Temporal stride when sampling video clips (default 4, the reference's). */
  frameStep?: number;
}

/**
 * An encoder checkpoint whose architecture was read from its weights: the architecture, and the spec
 * to load it with (it carries the weights already read, so they are not read twice).
 *
 * @example
 * const { arch, spec } = await detectArch({ checkpoint: 'vitl.pt' });
 * const { encoder } = await loadEncoder(arch, spec);
 */
export interface DetectedArch {
  arch: EvalArch;
  spec: EncoderSpec & { weights: WeightsRead };
}

/**
 * Reads an encoder checkpoint file (official V-JEPA or V-JEPA 2 `.pth.tar` / `.pt`, `.safetensors`,
 * Hugging Face V-JEPA 2) and its architecture from the weights (`@vjepa/vit`'s
 * `vitConfigFromStateDict`): V-JEPA 2 (RoPE) when there is no `pos_embed`, width, depth, MLP, patch
 * and tubelet from the shapes, heads from the preset of that size (the released V-JEPA 2 ViT-g: 22)
 * or `numHeads`. A size that no preset has needs `numHeads` (a ConfigError saying so). A released
 * V-JEPA 2 file that still carries its unused `pos_embed` looks like V-JEPA here: name the release
 * instead (`archFromPreset('vitl')`).
 *
 * @example
 * const { arch, spec } = await detectArch({ checkpoint: 'fixtures/vjepa2-parity/checkpoint.pt' }, { numHeads: 4 });
 * arch.vit.useRope; // true
 */
export async function detectArch(spec: EncoderSpec, options: DetectArchOptions = {}, log: (line: string) => void = () => {}): Promise<DetectedArch> {
  if (spec.checkpoint === undefined) throw new ConfigError('detectArch', { expected: 'a checkpoint to read the architecture from', received: JSON.stringify(spec) });
  const weights = spec.weights ?? (await readEncoderWeights({ checkpoint: spec.checkpoint, key: spec.key, prefix: spec.prefix, defaultKey: spec.defaultKey }, log));
  let found;
  try {
    found = vitConfigFromStateDict(weights.sd, { numHeads: options.numHeads, numFrames: options.numFrames, imgSize: options.imgSize, file: spec.checkpoint });
  } catch (e) {
    if (ConfigError.isInstance(e) || CheckpointError.isInstance(e)) {
      const Kind = ConfigError.isInstance(e) ? ConfigError : CheckpointError;
      throw new Kind(`${spec.checkpoint}: the architecture of ${weights.description} from its weights`, {
        expected: 'an encoder whose size a preset has, or the heads given',
        received: e.message,
        hint: 'attention heads are not visible in the weights: pass --num-heads N (or a --config with model.num_heads, or --preset)',
        cause: e,
      });
    }
    throw e;
  }
  const { config: vit, preset } = found;
  const family = vit.useRope ? 'V-JEPA 2 (RoPE: no pos_embed)' : 'V-JEPA (sin-cos pos_embed)';
  const source = `${weights.description}, detected: ${family}, ${preset ? `size ${preset}` : `${vit.numHeads} heads given`}`;
  const released = preset !== null && VIT_PRESETS[preset].useRope === true;
  return {
    arch: { vit, frameStep: options.frameStep ?? 4, numClips: 1, source, ...(released ? { probeHeads: VJEPA2_PROBE_HEADS } : {}) },
    spec: { ...spec, weights },
  };
}
