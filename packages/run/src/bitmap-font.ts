/**
 * A 3x5 pixel font for the labels of the training plots: digits, `.`, `-`, `+`, `e`, `/`, space and
 * the capital letters. Each glyph is five rows of three bits (most significant bit left).
 */
const GLYPHS: Record<string, readonly number[]> = {
  '0': [7, 5, 5, 5, 7], '1': [2, 6, 2, 2, 7], '2': [7, 1, 7, 4, 7], '3': [7, 1, 7, 1, 7], '4': [5, 5, 7, 1, 1],
  '5': [7, 4, 7, 1, 7], '6': [7, 4, 7, 5, 7], '7': [7, 1, 1, 2, 2], '8': [7, 5, 7, 5, 7], '9': [7, 5, 7, 1, 7],
  '.': [0, 0, 0, 0, 2], '-': [0, 0, 7, 0, 0], '+': [0, 2, 7, 2, 0], e: [0, 7, 7, 4, 7], '/': [1, 1, 2, 4, 4], ' ': [0, 0, 0, 0, 0],
  A: [2, 5, 7, 5, 5], B: [6, 5, 6, 5, 6], C: [7, 4, 4, 4, 7], D: [6, 5, 5, 5, 6], E: [7, 4, 6, 4, 7], F: [7, 4, 6, 4, 4],
  G: [7, 4, 5, 5, 7], H: [5, 5, 7, 5, 5], I: [7, 2, 2, 2, 7], J: [1, 1, 1, 5, 7], K: [5, 5, 6, 5, 5], L: [4, 4, 4, 4, 7],
  M: [5, 7, 7, 5, 5], N: [6, 5, 5, 5, 5], O: [7, 5, 5, 5, 7], P: [7, 5, 7, 4, 4], Q: [7, 5, 5, 7, 1], R: [7, 5, 6, 5, 5],
  S: [7, 4, 7, 1, 7], T: [7, 2, 2, 2, 2], U: [5, 5, 5, 5, 7], V: [5, 5, 5, 5, 2], W: [5, 5, 7, 7, 5], X: [5, 5, 2, 5, 5],
  Y: [5, 5, 2, 2, 2], Z: [7, 1, 2, 4, 7], '(': [1, 2, 2, 2, 1], ')': [4, 2, 2, 2, 4], '=': [0, 7, 0, 7, 0], ':': [0, 2, 0, 2, 0],
};

/**
 * An RGBA image being drawn into.
 *
 * @example
 * const canvas: Canvas = createCanvas(64, 32, [255, 255, 255, 255]);
 */
export interface Canvas {
  readonly width: number;
  readonly height: number;
  /** `[height, width, 4]` row-major RGBA bytes. */
  readonly data: Uint8Array;
}

/**
 * An RGBA colour, 0-255 each.
 *
 * @example
 * const red: Rgba = [214, 39, 40, 255];
 */
export type Rgba = readonly [number, number, number, number];

/**
 * A new canvas filled with one colour.
 *
 * @example
 * const canvas = createCanvas(640, 240, [255, 255, 255, 255]);
 */
export function createCanvas(width: number, height: number, fill: Rgba): Canvas {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set(fill, i * 4);
  return { width, height, data };
}

/**
 * Sets one pixel (ignored outside the canvas).
 *
 * @example
 * setPixel(canvas, 10, 20, [0, 0, 0, 255]);
 */
export function setPixel(canvas: Canvas, x: number, y: number, color: Rgba): void {
  const xi = Math.round(x);
  const yi = Math.round(y);
  if (xi < 0 || yi < 0 || xi >= canvas.width || yi >= canvas.height) return;
  canvas.data.set(color, (yi * canvas.width + xi) * 4);
}

/**
 * Draws a straight line (Bresenham).
 *
 * @example
 * drawLine(canvas, 0, 0, 100, 50, [0, 0, 255, 255]);
 */
export function drawLine(canvas: Canvas, x0: number, y0: number, x1: number, y1: number, color: Rgba): void {
  let [x, y] = [Math.round(x0), Math.round(y0)];
  const [xe, ye] = [Math.round(x1), Math.round(y1)];
  const dx = Math.abs(xe - x);
  const dy = -Math.abs(ye - y);
  const sx = x < xe ? 1 : -1;
  const sy = y < ye ? 1 : -1;
  let err = dx + dy;
  for (;;) {
    setPixel(canvas, x, y, color);
    if (x === xe && y === ye) return;
    const e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y += sy;
    }
  }
}

/**
 * Draws text in the 3x5 font at `scale` pixels per font pixel; returns the width drawn. Lower-case
 * letters other than `e` are drawn as capitals.
 *
 * @example
 * drawText(canvas, 4, 4, 'LOSS', [0, 0, 0, 255], 2);
 */
export function drawText(canvas: Canvas, x: number, y: number, text: string, color: Rgba, scale = 2): number {
  let cx = x;
  for (const ch of text) {
    const glyph = GLYPHS[ch] ?? GLYPHS[ch.toUpperCase()] ?? GLYPHS[' '];
    glyph.forEach((bits, row) => {
      for (let col = 0; col < 3; col++) {
        if ((bits >> (2 - col)) & 1) {
          for (let dy = 0; dy < scale; dy++) for (let dx = 0; dx < scale; dx++) setPixel(canvas, cx + col * scale + dx, y + row * scale + dy, color);
        }
      }
    });
    cx += 4 * scale;
  }
  return cx - x;
}

/**
 * Width in pixels of `text` drawn at `scale`.
 *
 * @example
 * textWidth('0.25', 2); // 32
 */
export function textWidth(text: string, scale = 2): number {
  return [...text].length * 4 * scale;
}
