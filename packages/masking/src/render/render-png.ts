import { ConfigError } from '@vjepa/errors';
import type { Grid, MaskPair } from '../specification';
import { maskRoles } from './mask-roles';
import { encodePng } from '@vjepa/io';

/**
 * RGBA colour per role: neither, context, target, both.
 *
 * @example
 * const [neither, context, target, both] = MASK_COLOURS;
 */
export const MASK_COLOURS: readonly (readonly [number, number, number, number])[] = [
  [226, 232, 240, 255], // neither: light grey
  [37, 99, 235, 255], // context: blue
  [234, 88, 12, 255], // target: orange
  [147, 51, 234, 255], // both: purple
];
const BACKGROUND = [255, 255, 255, 255];

/**
 * Options of {@link renderMasksPng} / {@link masksImageLayout}.
 *
 * @example
 * renderMasksPng(pairs, grid, { samples: [0, 1], cellSize: 6 });
 */
export interface RenderPngOptions {
  /** Samples to draw; default `[0]`. */
  readonly samples?: readonly number[];
  /** Pixels per token cell; default 8. */
  readonly cellSize?: number;
  /** Pixels between panels and around the image; default 4. */
  readonly gap?: number;
}

/**
 * Where things land in the image: one row of panels per (sample, mask type), in that order; one
 * panel per time slot; `panelX(ti)`, `panelY(row)` give a panel's top-left pixel.
 *
 * @example
 * const layout = masksImageLayout(pairs, grid, { samples: [0] });
 * const x = layout.panelX(2) + 3 * layout.cellSize; // cell x = 3 of time slot 2
 */
export interface MasksImageLayout {
  readonly width: number;
  readonly height: number;
  readonly cellSize: number;
  readonly rows: readonly { readonly sample: number; readonly maskType: number }[];
  panelX(ti: number): number;
  panelY(row: number): number;
}

/**
 * Computes the layout {@link renderMasksPng} uses (handy to find a cell's pixel in tests or overlays).
 *
 * @example
 * const { width, height } = masksImageLayout(pairs, { t: 8, h: 14, w: 14 });
 */
export function masksImageLayout(pairs: readonly MaskPair[], grid: Grid, options: RenderPngOptions = {}): MasksImageLayout {
  const samples = options.samples ?? [0];
  const cellSize = options.cellSize ?? 8;
  const gap = options.gap ?? 4;
  if (!Number.isSafeInteger(cellSize) || cellSize < 1) throw new ConfigError('options.cellSize', { expected: 'an integer >= 1', received: String(cellSize) });
  if (!Number.isSafeInteger(gap) || gap < 0) throw new ConfigError('options.gap', { expected: 'an integer >= 0', received: String(gap) });
  if (pairs.length === 0 || samples.length === 0) {
    throw new ConfigError('renderMasksPng', { expected: 'at least one mask pair and one sample', received: `${pairs.length} pairs, ${samples.length} samples` });
  }
  const rows = samples.flatMap((sample) => pairs.map((_, maskType) => ({ sample, maskType })));
  const panelW = grid.w * cellSize;
  const panelH = grid.h * cellSize;
  return {
    width: gap + grid.t * (panelW + gap),
    height: gap + rows.length * (panelH + gap),
    cellSize,
    rows,
    panelX: (ti) => gap + ti * (panelW + gap),
    panelY: (row) => gap + row * (panelH + gap),
  };
}

/**
 * Draws masks as a PNG: one row per (sample, mask type), one panel per time slot, one coloured cell
 * per token (see {@link MASK_COLOURS}: blue context, orange target, grey neither, purple both).
 *
 * @example
 * writeFileSync('masks.png', renderMasksPng(strategy.sample(o), o.grid, { samples: [0, 1] }));
 */
export function renderMasksPng(pairs: readonly MaskPair[], grid: Grid, options: RenderPngOptions = {}): Uint8Array {
  const layout = masksImageLayout(pairs, grid, options);
  const { width, height, cellSize } = layout;
  const rgba = new Uint8Array(width * height * 4); // [H, W, 4]
  for (let i = 0; i < width * height; i++) rgba.set(BACKGROUND, i * 4);
  const hw = grid.h * grid.w;
  layout.rows.forEach(({ sample, maskType }, r) => {
    const roles = maskRoles(pairs[maskType], grid, sample);
    for (let ti = 0; ti < grid.t; ti++) {
      const x0 = layout.panelX(ti);
      const y0 = layout.panelY(r);
      for (let y = 0; y < grid.h; y++) {
        for (let x = 0; x < grid.w; x++) {
          const colour = MASK_COLOURS[roles[ti * hw + y * grid.w + x]];
          // a 1-pixel darker border on the right and bottom separates cells when cellSize > 2
          for (let py = 0; py < cellSize; py++) {
            for (let px = 0; px < cellSize; px++) {
              const edge = cellSize > 2 && (px === cellSize - 1 || py === cellSize - 1);
              const o = ((y0 + y * cellSize + py) * width + x0 + x * cellSize + px) * 4;
              rgba[o] = edge ? colour[0] * 0.8 : colour[0];
              rgba[o + 1] = edge ? colour[1] * 0.8 : colour[1];
              rgba[o + 2] = edge ? colour[2] * 0.8 : colour[2];
              rgba[o + 3] = 255;
            }
          }
        }
      }
    }
  });
  return encodePng(rgba, width, height);
}
