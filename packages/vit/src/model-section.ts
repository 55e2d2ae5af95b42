import { type z as Z, positive, positiveInt, z } from '@vjepa/config';
import { ConfigError } from '@vjepa/errors';
import { VIT_PRESETS, type VitConfig, type VitPresetName, resolveVitConfig } from './config';
import { ropeAxisDim } from './rope-frequencies';

/**
 * The official `model.model_name` of every size in {@link VIT_PRESETS}: `vit_` + the preset name
 * (`vit_tiny` ... `vit_giant`, and any preset added to that table). Train, eval and the official
 * layout all read sizes from that one table, so a name means the same module everywhere.
 *
 * @example
 * MODEL_NAMES.includes('vit_giant'); // true
 */
export const MODEL_NAMES: readonly string[] = Object.freeze(Object.keys(VIT_PRESETS).map((name) => `vit_${name}`));

/**
 * The preset of an official model name (`vit_large` -> `large`), or undefined for an unknown name.
 *
 * @example
 * presetOfModelName('vit_giant'); // 'giant' (1408 wide, 40 deep, 16 heads, MLP ratio 48/11)
 */
export function presetOfModelName(name: string): VitPresetName | undefined {
  const preset = name.startsWith('vit_') ? name.slice(4) : undefined;
  return preset !== undefined && Object.hasOwn(VIT_PRESETS, preset) ? (preset as VitPresetName) : undefined;
}

/**
 * The encoder keys of the official `model` section (this package owns them; the predictor keys are
 * `@vjepa/predictor`'s): `model_name` (a size of {@link VIT_PRESETS}) or `embed_dim` + `depth` +
 * `num_heads` (ours), `mlp_ratio` and `layer_norm_eps` (ours: null = the named size's, else 4 and
 * 1e-6), `uniform_power`, `use_rope` (V-JEPA 2's 3-D RoPE instead of the sin-cos table; null = the
 * named size's: true for the `vit_*_rope` sizes, else false), and the official runtime switches
 * `use_sdpa` (accepted, no effect here: the attention is fused where the backend has the kernel) and
 * `use_activation_checkpointing` (recompute each block in the backward pass; see
 * `VisionTransformer.activationCheckpointing`). A zod raw shape: compose it with
 * `z.object({ ...vitModelKeys, ...predictorModelKeys }).strict()`.
 *
 * @example
 * const model = z.object({ ...vitModelKeys, ...predictorModelKeys }).strict();
 */
export const vitModelKeys = {
  model_name: z.enum(MODEL_NAMES as [string, ...string[]]).nullable(),
  embed_dim: positiveInt.nullable(), // ours: with depth and num_heads instead of model_name
  depth: positiveInt.nullable(),
  num_heads: positiveInt.nullable(),
  mlp_ratio: positive.nullable(), // ours: null = the named size's (giant 48/11), else 4
  layer_norm_eps: positive.nullable(), // ours: null = 1e-6 (the reference)
  uniform_power: z.boolean(),
  use_rope: z.boolean().nullable().optional(), // official (V-JEPA 2); null = the named size's (the *_rope sizes: true)
  // official runtime switches: use_sdpa is accepted with no effect; activation checkpointing recomputes blocks
  use_sdpa: z.boolean().optional(),
  use_activation_checkpointing: z.boolean().optional(),
};

/**
 * The encoder keys of a validated `model` section (null, or absent, where not set).
 *
 * @example
 * const m: VitModelSection = { model_name: 'vit_small', embed_dim: null, depth: null, num_heads: null, mlp_ratio: null, layer_norm_eps: null, uniform_power: true };
 */
export type VitModelSection = { [K in keyof typeof vitModelKeys]?: Z.output<(typeof vitModelKeys)[K]> };

/**
 * The clip sizes of the official `data` section the encoder is built for.
 *
 * @example
 * const clip: ClipSizes = { patch_size: 16, tubelet_size: 2, num_frames: 16, crop_size: 224 };
 */
export interface ClipSizes {
  patch_size: number;
  tubelet_size: number;
  num_frames: number;
  crop_size: number;
}

/**
 * Checks the size keys of a `model` section against each other (what a per-key schema cannot see):
 * `model_name` xor all of `embed_dim`, `depth`, `num_heads`, heads dividing the width, and for RoPE
 * (`use_rope`, or a `*_rope` size, which `use_rope: false` contradicts) a head width of at least 6.
 * Throws ConfigError naming the key to change.
 *
 * @example
 * checkVitModelSection({ model_name: null, embed_dim: 96, depth: 4, num_heads: 5 }); // model.embed_dim: expected a multiple of model.num_heads (5) ...
 * checkVitModelSection({ embed_dim: 32, depth: 2, num_heads: 8, use_rope: true }); // model.use_rope: expected a head width ... of at least 6 ...
 */
export function checkVitModelSection(model: VitModelSection): void {
  const name = model.model_name ?? null;
  const sizes = { embed_dim: model.embed_dim ?? null, depth: model.depth ?? null, num_heads: model.num_heads ?? null };
  if (name === null) {
    const missing = (['embed_dim', 'depth', 'num_heads'] as const).filter((k) => sizes[k] === null);
    if (missing.length > 0) {
      throw new ConfigError(`model.${missing[0]}`, {
        expected: 'model.model_name, or all of model.embed_dim, model.depth and model.num_heads',
        received: 'null',
        hint: 'for example --set model.model_name=vit_small',
      });
    }
    if ((sizes.embed_dim as number) % (sizes.num_heads as number) !== 0) {
      throw new ConfigError('model.embed_dim', { expected: `a multiple of model.num_heads (${sizes.num_heads})`, received: String(sizes.embed_dim) });
    }
  } else if (Object.values(sizes).some((v) => v !== null)) {
    throw new ConfigError('model.model_name', {
      expected: 'either model.model_name or model.embed_dim/depth/num_heads, not both',
      received: `model_name ${name} with embed_dim ${sizes.embed_dim}, depth ${sizes.depth}, num_heads ${sizes.num_heads}`,
    });
  }
  checkRopeSection(model);
}

/** The RoPE keys: a `*_rope` size is RoPE (`use_rope: false` contradicts it), and RoPE needs heads of width 6 or more. */
function checkRopeSection(model: VitModelSection): void {
  const name = model.model_name ?? null;
  const preset = name === null ? undefined : presetOfModelName(name);
  const sizeIsRope = preset !== undefined && VIT_PRESETS[preset].useRope === true;
  if (sizeIsRope && model.use_rope === false) {
    throw new ConfigError('model.use_rope', {
      expected: `true or null with model.model_name ${name} (a V-JEPA 2 RoPE size)`,
      received: 'false',
      hint: 'the *_rope sizes are V-JEPA 2 (RoPE) models: for a sin-cos (V-JEPA) model name a size without _rope',
    });
  }
  if (!(model.use_rope ?? sizeIsRope)) return;
  const width = preset !== undefined ? VIT_PRESETS[preset].embedDim : (model.embed_dim as number);
  const heads = preset !== undefined ? VIT_PRESETS[preset].numHeads : (model.num_heads as number);
  const headDim = width / heads;
  if (ropeAxisDim(headDim) < 2) {
    throw new ConfigError('model.use_rope', {
      expected: 'a head width (model.embed_dim / model.num_heads) of at least 6: RoPE rotates 2 * floor(head_dim / 6) channels of each head per axis (frame, row, column)',
      received: `head width ${headDim} (embed_dim ${width} / num_heads ${heads})`,
      hint: `use fewer heads (model.num_heads <= ${Math.floor(width / 6)}), a wider model, or model.use_rope: false`,
    });
  }
}

/**
 * True when a `model` section asks for V-JEPA 2's RoPE: `use_rope: true`, or a `vit_*_rope` size
 * with `use_rope` null or absent.
 *
 * @example
 * usesRope({ model_name: 'vit_large', use_rope: true }); // true
 * usesRope({ model_name: 'vit_large_rope' }); // true
 */
export function usesRope(model: VitModelSection): boolean {
  const preset = model.model_name == null ? undefined : presetOfModelName(model.model_name);
  return model.use_rope ?? (preset !== undefined && VIT_PRESETS[preset].useRope === true);
}

/**
 * The encoder size a `model` section asks for: the named size of {@link VIT_PRESETS} (its MLP ratio
 * included: giant 48/11) or the explicit `embed_dim` / `depth` / `num_heads` (MLP ratio 4), with an
 * explicit `mlp_ratio` winning; the V-JEPA 2 sizes (`vit_*_rope`) also set `useRope`. Checks the
 * section first ({@link checkVitModelSection}).
 *
 * @example
 * encoderSize({ model_name: 'vit_giant' }); // { embedDim: 1408, depth: 40, numHeads: 16, mlpRatio: 48 / 11 }
 */
export function encoderSize(model: VitModelSection): Pick<VitConfig, 'embedDim' | 'depth' | 'numHeads' | 'mlpRatio'> & Partial<Pick<VitConfig, 'useRope'>> {
  checkVitModelSection(model);
  const name = model.model_name ?? null;
  if (name !== null) {
    const preset = presetOfModelName(name);
    if (preset === undefined) throw new ConfigError('model.model_name', { expected: `one of ${MODEL_NAMES.join(', ')}`, received: JSON.stringify(name) });
    const size = VIT_PRESETS[preset];
    // the V-JEPA 2 sizes (`*_rope`) are RoPE models; their clip sizes come from the data section
    return { embedDim: size.embedDim, depth: size.depth, numHeads: size.numHeads, mlpRatio: model.mlp_ratio ?? size.mlpRatio, ...(usesRope(model) ? { useRope: true } : {}) };
  }
  return { embedDim: model.embed_dim as number, depth: model.depth as number, numHeads: model.num_heads as number, mlpRatio: model.mlp_ratio ?? 4, ...(usesRope(model) ? { useRope: true } : {}) };
}

/**
 * The encoder config of a `model` section and the clip sizes of a `data` section: the one way train,
 * eval and experiments turn a config into a {@link VitConfig}.
 *
 * @example
 * const vit = vitConfigFromSections({ model_name: 'vit_large', uniform_power: true }, { patch_size: 16, tubelet_size: 2, num_frames: 16, crop_size: 224 });
 * vit.depth; // 24
 */
export function vitConfigFromSections(model: VitModelSection, data: ClipSizes): Readonly<VitConfig> {
  const size = encoderSize(model);
  return resolveVitConfig({
    ...size,
    patchSize: data.patch_size,
    tubeletSize: data.tubelet_size,
    numFrames: data.num_frames,
    imgSize: data.crop_size,
    uniformPower: model.uniform_power ?? true,
    ...(model.layer_norm_eps != null ? { layerNormEps: model.layer_norm_eps } : {}),
  });
}
