import { ConfigError } from '@vjepa/errors';
import { type EncoderSpec, type EvalArch, detectArch } from '@vjepa/eval';
import { type OptionValues, archFromOptions, configFile, encoderFromOptions, int, isDirectory, str } from './cli-common';

/**
 * The options of the architecture read from a checkpoint's weights (no --config, no --preset).
 *
 * @example
 * parseArgs({ args, options: { ...ENCODER_OPTIONS, ...DETECT_OPTIONS } });
 */
export const DETECT_OPTIONS = {
  'num-heads': { type: 'string' },
} as const;

/**
 * The encoder checkpoint and its architecture, for `extract` and `probe`: from the manifest (a
 * checkpoint directory of ours), `--config` or `--preset` (sizes of `@vjepa/vit`'s table, or a
 * V-JEPA 2 release: `vitl`, `vith`, `vitg`, `vitg-384`), or, with neither for a checkpoint file
 * (official V-JEPA / V-JEPA 2 `.pth.tar` / `.pt`, `.safetensors`, Hugging Face V-JEPA 2), read from
 * its weights (`@vjepa/eval`'s `detectArch`: RoPE when there is no `pos_embed`; `--num-heads`,
 * `--num-frames`, `--crop-size` say what the weights do not). `defaultKey` is the encoder read when
 * `--key` is not given (predictions use the online `encoder`, as V-JEPA trains them; a Hugging Face
 * file holds one encoder and ignores it).
 *
 * @example
 * const { arch, encoder } = await encoderAndArch({ checkpoint: 'vitl.pt' }, 'extract', console.log);
 */
export async function encoderAndArch(
  values: OptionValues,
  command: string,
  log: (line: string) => void,
  defaultKey?: 'encoder' | 'target_encoder',
): Promise<{ arch: EvalArch; encoder: EncoderSpec }> {
  // encoderFromOptions has checked that the checkpoint path exists (and is no FIFO or device)
  const encoder: EncoderSpec = { ...encoderFromOptions(values, command), ...(defaultKey !== undefined ? { defaultKey } : {}) };
  const detect = configFile(values) === undefined && values.preset === undefined && !isDirectory(encoder.checkpoint);
  if (!detect) {
    if (values['num-heads'] !== undefined) {
      throw new ConfigError('--num-heads', { expected: 'only when the architecture is read from the checkpoint file (no --config, no --preset)', received: String(values['num-heads']), hint: 'a --config sets model.num_heads; a --preset its own' });
    }
    return { arch: await archFromOptions(values), encoder };
  }
  for (const flag of ['patch-size', 'tubelet-size']) {
    if (values[flag] !== undefined) throw new ConfigError(`--${flag}`, { expected: 'only with --preset (read from the weights otherwise)', received: String(values[flag]) });
  }
  const opt = (flag: string) => (values[flag] === undefined ? undefined : int(values, flag, 1, 1));
  const { arch, spec } = await detectArch(encoder, { numHeads: opt('num-heads'), numFrames: opt('num-frames'), imgSize: opt('crop-size') }, log);
  log(`architecture: ${arch.source} (embed_dim ${arch.vit.embedDim}, depth ${arch.vit.depth}, heads ${arch.vit.numHeads}, patch ${arch.vit.patchSize}, tubelet ${arch.vit.tubeletSize}, ${arch.vit.numFrames} frames, crop ${arch.vit.imgSize})`);
  return { arch, encoder: spec };
}

/**
 * An optional integer option (undefined when absent).
 *
 * @example
 * optionalInt(values, 'mask-index', 0); // 1 for --mask-index 1
 */
export function optionalInt(values: OptionValues, name: string, min: number): number | undefined {
  return str(values, name) === undefined ? undefined : int(values, name, min, min);
}
