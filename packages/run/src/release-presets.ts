import { VJEPA2_RELEASES, type Vjepa2ReleaseName, isVjepa2Release } from '@vjepa/vit';
import type { Mapping } from './layers';

/**
 * The config layer of a released V-JEPA 2 checkpoint (`--preset vitl|vith|vitg|vitg-384`): its
 * architecture only, from `@vjepa/vit`'s `VJEPA2_RELEASES` (the `vit_*_rope` size, 256 or 384 px,
 * 64 frames, patch 16, tubelet 2; the 384-wide, 12-deep, 12-head predictor) and a run folder named
 * after it. Everything else (data, masks, optimization) stays the layers below it (the defaults), as
 * no V-JEPA 2 training recipe is mirrored here; the release's predictor has 10 mask tokens, this one
 * one per mask type of the config's masking.
 *
 * @example
 * const config = loadConfig({ preset: 'vitl', set: ['data.num_frames=16'] });
 * config.model.model_name; // 'vit_large_rope'
 */
export function vjepa2ReleaseLayer(name: Vjepa2ReleaseName): Mapping {
  const r = VJEPA2_RELEASES[name];
  return {
    model: {
      model_name: `vit_${r.preset}`,
      pred_embed_dim: r.predictor.predictorEmbedDim,
      pred_depth: r.predictor.depth,
      pred_num_heads: r.predictor.numHeads,
    },
    data: { crop_size: r.imgSize, num_frames: r.numFrames, patch_size: r.patchSize, tubelet_size: r.tubeletSize },
    logging: { folder: `runs/${name}` },
  };
}

/**
 * True when `--preset` names a released V-JEPA 2 checkpoint rather than a YAML preset.
 *
 * @example
 * isReleasePreset('vitg-384'); // true
 * isReleasePreset('vitl16'); // false (the V-JEPA ViT-L/16 YAML)
 */
export function isReleasePreset(name: string): name is Vjepa2ReleaseName {
  return isVjepa2Release(name);
}
