/**
 * A rectangle of the source frame, in pixels.
 *
 * @example
 * const box: CropBox = { top: 0, left: 0, height: 64, width: 64 };
 */
export interface CropBox {
  top: number;
  left: number;
  height: number;
  width: number;
}

/** Source taps for one output axis: for each output position, two source positions and a weight. */
function taps(outSize: number, start: number, cropSize: number, scale: number, offset: number) {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const w1 = new Float32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    // half-pixel centres (align_corners = false), clamped to the crop (the crop is resized on its own)
    let s = (o + offset + 0.5) * scale - 0.5;
    if (s < 0) s = 0;
    if (s > cropSize - 1) s = cropSize - 1;
    const f = Math.floor(s);
    i0[o] = start + f;
    i1[o] = start + Math.min(f + 1, cropSize - 1);
    w1[o] = s - f;
  }
  return { i0, i1, w1 };
}

/**
 * Bilinear resize of one crop of every frame of a `[T, H, W, 3]` clip to `[T, outH, outW, 3]`,
 * optionally mirrored left-right. No antialiasing (like torch's bilinear interpolate). A crop the
 * size of the output with no flip returns the input pixels exactly.
 *
 * @example
 * const out = resizeCrop(clip, [16, 64, 64, 3], { top: 8, left: 8, height: 48, width: 48 }, 32, 32, false);
 */
export function resizeCrop(
  clip: Float32Array,
  shape: readonly [number, number, number, number],
  box: CropBox,
  outH: number,
  outW: number,
  flip: boolean,
  // Map output pixels as if the crop were first resized to (virtualH, virtualW) then cut at (offY, offX).
  virtual?: { height: number; width: number; offY: number; offX: number },
): Float32Array {
  const [T, H, W] = shape;
  const vh = virtual?.height ?? outH;
  const vw = virtual?.width ?? outW;
  const ys = taps(outH, box.top, box.height, box.height / vh, virtual?.offY ?? 0);
  const xs = taps(outW, box.left, box.width, box.width / vw, virtual?.offX ?? 0);
  const out = new Float32Array(T * outH * outW * 3); // [T, outH, outW, 3]
  let o = 0;
  for (let t = 0; t < T; t++) {
    const frame = t * H * W * 3;
    for (let y = 0; y < outH; y++) {
      const r0 = frame + ys.i0[y]! * W * 3;
      const r1 = frame + ys.i1[y]! * W * 3;
      const wy = ys.w1[y]!;
      for (let xo = 0; xo < outW; xo++) {
        const x = flip ? outW - 1 - xo : xo;
        const c0 = xs.i0[x]! * 3;
        const c1 = xs.i1[x]! * 3;
        const wx = xs.w1[x]!;
        for (let c = 0; c < 3; c++) {
          const top = clip[r0 + c0 + c]! * (1 - wx) + clip[r0 + c1 + c]! * wx;
          const bottom = clip[r1 + c0 + c]! * (1 - wx) + clip[r1 + c1 + c]! * wx;
          out[o++] = top * (1 - wy) + bottom * wy;
        }
      }
    }
  }
  return out;
}
