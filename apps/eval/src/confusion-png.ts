import { PNG } from 'pngjs';
import { ConfigError } from '@vjepa/errors';

/**
 * Renders a confusion matrix (`m[true][predicted]`) as a PNG: one square cell per entry, rows are the
 * true class (top to bottom), columns the prediction (left to right); each row is normalised by its
 * count and shaded from white (0) to dark blue (1). A thin grey frame separates the cells; the
 * diagonal (correct) cells get a green frame, so a good probe shows a dark green-framed diagonal.
 *
 * @example
 * writeFileSync('confusion.png', confusionPng([[5, 1], [0, 6]]));
 */
export function confusionPng(matrix: readonly (readonly number[])[], cell = 24): Uint8Array {
  const c = matrix.length;
  if (c === 0 || matrix.some((row) => row.length !== c)) {
    throw new ConfigError('confusionPng matrix', { expected: 'a non-empty square matrix', received: `${c} rows of lengths ${matrix.map((r) => r.length).join(', ')}` });
  }
  const side = c * cell + 1;
  const png = new PNG({ width: side, height: side });
  const set = (x: number, y: number, r: number, g: number, b: number) => {
    const i = (y * side + x) * 4;
    png.data[i] = r;
    png.data[i + 1] = g;
    png.data[i + 2] = b;
    png.data[i + 3] = 255;
  };
  for (let i = 0; i < c; i++) {
    const total = matrix[i].reduce((a, v) => a + v, 0);
    for (let j = 0; j < c; j++) {
      const v = total > 0 ? matrix[i][j] / total : 0;
      // white -> (20, 50, 140) dark blue
      const r = Math.round(255 - v * 235);
      const g = Math.round(255 - v * 205);
      const b = Math.round(255 - v * 115);
      for (let y = 0; y <= cell; y++) {
        for (let x = 0; x <= cell; x++) {
          const px = j * cell + x;
          const py = i * cell + y;
          const edge = x === 0 || y === 0 || x === cell || y === cell;
          if (!edge) set(px, py, r, g, b);
          else if (i === j) set(px, py, 0, 160, 60);
          else if (!(px < side && py < side && png.data[(py * side + px) * 4 + 3] === 255)) set(px, py, 170, 170, 170);
        }
      }
    }
  }
  return new Uint8Array(PNG.sync.write(png));
}
