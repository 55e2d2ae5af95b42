import { ConfigError } from '@vjepa/errors';
import { encodePng } from '@vjepa/io';

// 3x5 bitmaps of the digits 0-9 (rows top to bottom, 3 bits each, most significant = left).
const DIGITS = [
  [7, 5, 5, 5, 7], [2, 6, 2, 2, 7], [7, 1, 7, 4, 7], [7, 1, 7, 1, 7], [5, 5, 7, 1, 1],
  [7, 4, 7, 1, 7], [7, 4, 7, 5, 7], [7, 1, 1, 1, 1], [7, 5, 7, 5, 7], [7, 5, 7, 1, 7],
] as const;
const SCALE = 2; // font pixels per bitmap pixel
const GLYPH_W = 3 * SCALE;
const GLYPH_H = 5 * SCALE;
const GAP = SCALE; // between glyphs
const PAD = 4; // between the labels and the matrix

/**
 * Renders a confusion matrix (`m[true][predicted]`) as a PNG: one square cell per entry, rows are the
 * true class (top to bottom, labelled on the left), columns the prediction (left to right, labelled
 * on top) with the class indices drawn beside them; each row is normalised by its count and shaded
 * from white (0) to dark blue (1). A thin grey frame separates the cells; the diagonal (correct)
 * cells get a green frame, so a good probe shows a dark green-framed diagonal.
 *
 * @example
 * writeFileSync('confusion.png', confusionPng([[5, 1], [0, 6]]));
 */
export function confusionPng(matrix: readonly (readonly number[])[], cell = 24): Uint8Array {
  const c = matrix.length;
  if (c === 0 || matrix.some((row) => row.length !== c)) {
    throw new ConfigError('confusionPng matrix', { expected: 'a non-empty square matrix', received: `${c} rows of lengths ${matrix.map((r) => r.length).join(', ')}` });
  }
  const digits = String(c - 1).length;
  const left = digits * (GLYPH_W + GAP) - GAP + 2 * PAD; // row labels
  const top = GLYPH_H + 2 * PAD; // column labels
  const side = c * cell + 1;
  const width = left + side;
  const height = top + side;
  const rgba = new Uint8Array(width * height * 4).fill(255); // opaque white background
  const set = (x: number, y: number, r: number, g: number, b: number) => {
    const i = (y * width + x) * 4;
    rgba[i] = r;
    rgba[i + 1] = g;
    rgba[i + 2] = b;
    rgba[i + 3] = 255;
  };
  const text = (label: string, x0: number, y0: number) => {
    for (let k = 0; k < label.length; k++) {
      const glyph = DIGITS[Number(label[k])]!;
      for (let gy = 0; gy < 5; gy++) {
        for (let gx = 0; gx < 3; gx++) {
          if (!((glyph[gy]! >> (2 - gx)) & 1)) continue;
          for (let s = 0; s < SCALE * SCALE; s++) set(x0 + k * (GLYPH_W + GAP) + gx * SCALE + (s % SCALE), y0 + gy * SCALE + Math.floor(s / SCALE), 40, 40, 40);
        }
      }
    }
  };
  const textWidth = (label: string) => label.length * (GLYPH_W + GAP) - GAP;
  for (let i = 0; i < c; i++) {
    const label = String(i);
    const mid = Math.floor(i * cell + cell / 2);
    text(label, left - PAD - textWidth(label), top + mid - GLYPH_H / 2); // true class, right-aligned
    text(label, left + mid - Math.floor(textWidth(label) / 2), PAD); // predicted class, centred
  }
  const edgeSet = new Uint8Array(side * side); // cell frames already drawn (the green ones win)
  for (let i = 0; i < c; i++) {
    const total = matrix[i]!.reduce((a, v) => a + v, 0);
    for (let j = 0; j < c; j++) {
      const v = total > 0 ? matrix[i]![j]! / total : 0;
      // white -> (20, 50, 140) dark blue
      const r = Math.round(255 - v * 235);
      const g = Math.round(255 - v * 205);
      const b = Math.round(255 - v * 115);
      for (let y = 0; y <= cell; y++) {
        for (let x = 0; x <= cell; x++) {
          const px = j * cell + x;
          const py = i * cell + y;
          const edge = x === 0 || y === 0 || x === cell || y === cell;
          if (!edge) set(left + px, top + py, r, g, b);
          else if (i === j) {
            set(left + px, top + py, 0, 160, 60);
            edgeSet[py * side + px] = 2;
          } else if (edgeSet[py * side + px] !== 2) {
            set(left + px, top + py, 170, 170, 170);
            edgeSet[py * side + px] = 1;
          }
        }
      }
    }
  }
  return encodePng(rgba, width, height);
}
