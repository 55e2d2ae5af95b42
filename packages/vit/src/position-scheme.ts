import { CheckpointError } from '@vjepa/errors';
import type { StateDict } from '@vjepa/io';

/**
 * How a state dict is checked against a model's position scheme before loading (see
 * {@link checkPositionScheme}).
 */
export interface PositionSchemeCheck {
  /** The model rotates q and k (V-JEPA 2) instead of adding a fixed sin-cos table (V-JEPA). */
  useRope: boolean;
  /** Name of the fixed table in official state dicts: `pos_embed` or `predictor_pos_embed`. */
  tableKey: string;
  /** A key every state dict of this module has (e.g. `patch_embed.proj.weight`): tells a module of
   * the other family from an unrelated state dict, which the ordinary key report describes better. */
  anchorKey: string;
  /** `encoder` or `predictor`, for messages. */
  module: string;
  file?: string;
  what?: string;
  allowPartial?: boolean;
  /**
   * Drop a position table that a RoPE model does not use instead of refusing it. The official V-JEPA 2
   * hub loader reads the released `.pt` files with `strict=False` because they still carry one.
   */
  ignorePosEmbed?: boolean;
  /** How to build the module for a V-JEPA 2 state dict (the hint of that error). */
  ropeHint?: string;
}

/**
 * Refuses, with an error that names both families, a V-JEPA 2 (RoPE, no position table) state dict
 * loaded into a V-JEPA (sin-cos) model and the reverse. Returns the state dict to load (without the
 * table when `ignorePosEmbed` drops it). With `allowPartial` nothing is refused here; the key report
 * lists the table as missing or unexpected.
 *
 * @example
 * const sd2 = checkPositionScheme(sd, { useRope: true, tableKey: 'pos_embed', anchorKey: 'patch_embed.proj.weight', module: 'encoder' });
 */
export function checkPositionScheme(sd: StateDict, check: PositionSchemeCheck): StateDict {
  const has = (k: string) => Object.prototype.hasOwnProperty.call(sd, k);
  const where = `${check.file ? `${check.file}: ` : ''}${check.what ?? check.module}`;
  if (check.useRope) {
    if (!has(check.tableKey)) return sd;
    if (check.ignorePosEmbed) {
      const { [check.tableKey]: _unused, ...rest } = sd;
      return rest;
    }
    if (check.allowPartial) return sd;
    const t = sd[check.tableKey];
    throw new CheckpointError(`${where}: key "${check.tableKey}"`, {
      expected: `no position table: this ${check.module} uses RoPE (V-JEPA 2, useRope true)`,
      received: `a fixed position table [${t.shape.join(', ')}]: the layout of a V-JEPA (sin-cos) ${check.module}`,
      hint:
        `for a V-JEPA checkpoint build the ${check.module} with useRope: false (official use_rope: false). ` +
        `Released V-JEPA 2 .pt files may still carry an unused "${check.tableKey}" (the official hub loader ignores it): ` +
        'pass { ignorePosEmbed: true } or name the release (VJEPA2_RELEASES).',
    });
  }
  if (has(check.tableKey) || check.allowPartial || !has(check.anchorKey)) return sd;
  throw new CheckpointError(`${where}: key "${check.tableKey}"`, {
    expected: `the fixed sin-cos table "${check.tableKey}" of a V-JEPA ${check.module} (useRope false)`,
    received: `a ${check.module} state dict without it: the layout of a V-JEPA 2 (RoPE) ${check.module}`,
    hint:
      check.ropeHint ??
      `build the ${check.module} with useRope: true (official use_rope; presets vit_large_rope, vit_huge_rope, ` +
        'vit_giant_xformers_rope), or let vitConfigFromStateDict / loadVisionTransformer detect it.',
  });
}
