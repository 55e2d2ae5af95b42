import type { Grid, MaskPair } from '../specification';
import { maskRoles } from './mask-roles';

const CHARS = [' ', '.', '#', '*'];

/**
 * Options of {@link renderMasksText}.
 *
 * @example
 * renderMasksText(pair, grid, { sample: 2, slotsPerRow: 4 });
 */
export interface RenderTextOptions {
  /** Which sample of the batch; default 0. */
  readonly sample?: number;
  /** Time slots side by side before wrapping; default 8. */
  readonly slotsPerRow?: number;
}

/**
 * Draws one sample's masks as terminal text, one `w`-wide panel per time slot (side by side):
 * `#` target, `.` context, ` ` neither (dropped by truncation), `*` both.
 *
 * @example
 * const [shortRange] = multiblock3d(RELEASED_MASK_TYPES).sample({ grid, batchSize: 1, rng: createRng(0), step: 0 });
 * console.log(renderMasksText(shortRange, grid));
 */
export function renderMasksText(pair: MaskPair, grid: Grid, options: RenderTextOptions = {}): string {
  const sample = options.sample ?? 0;
  const perRow = Math.max(1, options.slotsPerRow ?? 8);
  const roles = maskRoles(pair, grid, sample);
  const hw = grid.h * grid.w;
  const lines: string[] = [`sample ${sample}: '#' target, '.' context, ' ' neither, '*' both`];
  for (let first = 0; first < grid.t; first += perRow) {
    const slots = Array.from({ length: Math.min(perRow, grid.t - first) }, (_, i) => first + i);
    lines.push(slots.map((ti) => `t=${ti}`.padEnd(grid.w + 2)).join(' ').trimEnd());
    for (let y = 0; y < grid.h; y++) {
      const cells = slots.map((ti) => {
        let s = '';
        for (let x = 0; x < grid.w; x++) s += CHARS[roles[ti * hw + y * grid.w + x]];
        return `|${s}|`;
      });
      lines.push(cells.join(' '));
    }
  }
  return lines.join('\n');
}
