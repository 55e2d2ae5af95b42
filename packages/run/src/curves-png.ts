import { encodePng } from '@vjepa/io';
import { createCanvas, drawLine, drawText, textWidth, type Canvas, type Rgba } from './bitmap-font';

const BLACK: Rgba = [0, 0, 0, 255];
const GREY: Rgba = [200, 200, 200, 255];
const WHITE: Rgba = [255, 255, 255, 255];

/**
 * One curve to plot: y values over x (steps).
 *
 * @example
 * const loss: Series = { title: 'LOSS', xs: [0, 1, 2], ys: [0.8, 0.6, 0.5], color: [31, 119, 180, 255] };
 */
export interface Series {
  title: string;
  xs: readonly number[];
  ys: readonly number[];
  color: Rgba;
}

/**
 * A short tick label: `0.0625`, `2.5e-4`, `1200`; with `span` (the axis range) enough digits to tell
 * ticks apart (`1.7711` and `1.7799`, not `1.77` twice).
 *
 * @example
 * tickLabel(2.5e-4); // "2.5e-4"
 */
export function tickLabel(value: number, span = 0): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  const digits = span > 0 ? Math.min(6, Math.max(2, Math.ceil(Math.log10(abs / span)) + 2)) : 3;
  if (abs >= 1e4 || abs < 1e-2) return Number(value.toPrecision(digits)).toExponential().replace('e+', 'e');
  return String(Number(value.toPrecision(digits)));
}

/** Draws one framed panel with min/mid/max ticks on both axes and the curve. */
function drawPanel(canvas: Canvas, top: number, height: number, series: Series): void {
  const left = 80;
  const right = canvas.width - 20;
  const plotTop = top + 24;
  const bottom = top + height - 30;
  drawText(canvas, left, top + 6, series.title, series.color, 2);
  const finite = series.ys.map((y, i) => [series.xs[i], y] as const).filter(([, y]) => Number.isFinite(y));
  if (finite.length === 0) {
    drawText(canvas, left, plotTop + 20, 'NO DATA', BLACK, 2);
    return;
  }
  const xMin = finite[0][0];
  const xMax = Math.max(xMin + 1, finite[finite.length - 1][0]);
  let yMin = Math.min(...finite.map(([, y]) => y));
  let yMax = Math.max(...finite.map(([, y]) => y));
  if (yMax - yMin < 1e-12) [yMin, yMax] = [yMin - 0.5 * Math.abs(yMin || 1), yMax + 0.5 * Math.abs(yMax || 1)];
  const px = (x: number) => left + ((x - xMin) / (xMax - xMin)) * (right - left);
  const py = (y: number) => bottom - ((y - yMin) / (yMax - yMin)) * (bottom - plotTop);
  for (const f of [0, 0.5, 1]) {
    const y = yMin + f * (yMax - yMin);
    drawLine(canvas, left, py(y), right, py(y), GREY);
    drawLine(canvas, left - 4, py(y), left, py(y), BLACK);
    const label = tickLabel(y, yMax - yMin);
    drawText(canvas, left - 8 - textWidth(label), py(y) - 5, label, BLACK, 2);
    const x = xMin + f * (xMax - xMin);
    drawLine(canvas, px(x), bottom, px(x), bottom + 4, BLACK);
    const xl = String(Number(x.toFixed(x % 1 === 0 ? 0 : 1)));
    drawText(canvas, Math.min(right - textWidth(xl), Math.max(left, px(x) - textWidth(xl) / 2)), bottom + 8, xl, BLACK, 2);
  }
  drawLine(canvas, left, plotTop, left, bottom, BLACK);
  drawLine(canvas, left, bottom, right, bottom, BLACK);
  drawText(canvas, right - textWidth('STEP'), top + 6, 'STEP', BLACK, 2);
  for (let i = 1; i < finite.length; i++) {
    drawLine(canvas, px(finite[i - 1][0]), py(finite[i - 1][1]), px(finite[i][0]), py(finite[i][1]), series.color);
  }
  if (finite.length === 1) drawLine(canvas, px(finite[0][0]) - 2, py(finite[0][1]), px(finite[0][0]) + 2, py(finite[0][1]), series.color);
}

/**
 * Renders curves as a PNG, one panel per series stacked vertically (e.g. loss above LR), with
 * min/mid/max ticks on both axes.
 *
 * @example
 * writeFileSync('curves.png', curvesPng([lossSeries, lrSeries]));
 */
export function curvesPng(series: readonly Series[], width = 640, panelHeight = 220): Uint8Array {
  const canvas = createCanvas(width, panelHeight * series.length, WHITE);
  series.forEach((s, i) => drawPanel(canvas, i * panelHeight, panelHeight, s));
  return encodePng(new Uint8Array(canvas.data.buffer, canvas.data.byteOffset, canvas.data.byteLength), canvas.width, canvas.height);
}
