import { ConfigError, ShapeError } from '@vjepa/errors';
import { type CropBox, resizeCrop } from './resize';
import type { RandomSource } from './rng';
import type { Sample, Transform } from './sample';

/**
 * ImageNet channel mean, on values in [0, 1].
 *
 * @example
 * normalizeClip(clip, IMAGENET_MEAN, IMAGENET_STD);
 */
export const IMAGENET_MEAN: readonly [number, number, number] = [0.485, 0.456, 0.406];
/**
 * ImageNet channel standard deviation, on values in [0, 1].
 *
 * @example
 * const std = IMAGENET_STD[0]; // 0.229
 */
export const IMAGENET_STD: readonly [number, number, number] = [0.229, 0.224, 0.225];

/**
 * Draws one random resized crop (torchvision semantics): up to 10 tries of an area fraction uniform
 * in `scale` and an aspect ratio (w/h) log-uniform in `ratio`; then a centre crop with the aspect
 * ratio clamped into `ratio`.
 *
 * @example
 * const box = randomResizedCropBox(240, 320, createDataRng(0)); // { top, left, height, width }
 */
export function randomResizedCropBox(
  height: number,
  width: number,
  rng: RandomSource,
  scale: readonly [number, number] = [0.3, 1.0],
  ratio: readonly [number, number] = [0.75, 1.35],
): CropBox {
  const area = height * width;
  const logLo = Math.log(ratio[0]);
  const logHi = Math.log(ratio[1]);
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * (scale[0] + (scale[1] - scale[0]) * rng.next());
    const aspect = Math.exp(logLo + (logHi - logLo) * rng.next());
    const w = Math.round(Math.sqrt(target * aspect));
    const h = Math.round(Math.sqrt(target / aspect));
    if (w > 0 && h > 0 && w <= width && h <= height) {
      const top = Math.floor(rng.next() * (height - h + 1));
      const left = Math.floor(rng.next() * (width - w + 1));
      return { top, left, height: h, width: w };
    }
  }
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < ratio[0]) h = Math.round(w / ratio[0]);
  else if (inRatio > ratio[1]) w = Math.round(h * ratio[1]);
  return { top: Math.floor((height - h) / 2), left: Math.floor((width - w) / 2), height: h, width: w };
}

/**
 * Normalises a channels-last clip in place: `(v - mean[c]) / std[c]`.
 *
 * @example
 * normalizeClip(sample.clip); // ImageNet statistics
 */
export function normalizeClip(
  clip: Float32Array,
  mean: readonly number[] = IMAGENET_MEAN,
  std: readonly number[] = IMAGENET_STD,
): Float32Array {
  const inv = std.map((s) => 1 / s);
  for (let i = 0; i < clip.length; i += 3) {
    for (let c = 0; c < 3; c++) clip[i + c] = (clip[i + c]! - mean[c]!) * inv[c]!;
  }
  return clip;
}

function checkSize(what: string, v: number): void {
  if (!(Number.isInteger(v) && v > 0)) throw new ConfigError(what, { expected: 'a positive integer', received: String(v) });
}

function checkRange(what: string, r: readonly [number, number], lo: number, hi: number): void {
  if (!(Array.isArray(r) && r.length === 2 && r[0] > lo && r[0] <= r[1] && r[1] <= hi)) {
    throw new ConfigError(what, { expected: `[min, max] with ${lo} < min <= max <= ${hi}`, received: JSON.stringify(r) });
  }
}

function checkSample(s: Sample): void {
  const [T, H, W, C] = s.shape;
  if (C !== 3 || s.clip.length !== T * H * W * 3) {
    throw new ShapeError('transform input clip', { expected: '[T, H, W, 3] matching clip.length', received: `[${s.shape}] with length ${s.clip.length}` });
  }
}

/**
 * Options of {@link createTrainTransform} (official `data_aug` names in comments).
 *
 * @example
 * const opts: TrainTransformOptions = { cropSize: 224, scale: [0.3, 1], ratio: [0.75, 1.35] };
 */
export interface TrainTransformOptions {
  /** Output side (`crop_size`); an `[h, w]` pair is allowed. */
  cropSize: number | readonly [number, number];
  /** Area fraction range (`random_resize_scale`, default [0.3, 1.0]). */
  scale?: readonly [number, number];
  /** Aspect ratio range, log-uniform (`random_resize_aspect_ratio`, default [0.75, 1.35]). */
  ratio?: readonly [number, number];
  /** Horizontal flip probability (default 0.5). */
  flipProb?: number;
  /** Normalise with mean/std (default true, ImageNet). */
  normalize?: boolean;
  mean?: readonly number[];
  std?: readonly number[];
}

/**
 * The pretraining augmentation: one random resized crop for all frames, bilinear to `cropSize`,
 * horizontal flip with probability `flipProb`, then mean/std normalisation. Input values in [0, 1].
 *
 * @example
 * const train = createTrainTransform({ cropSize: 64 });
 * const out = train(sample, createDataRng(1)); // shape [T, 64, 64, 3]
 */
export function createTrainTransform(options: TrainTransformOptions): Transform {
  const [outH, outW] = typeof options.cropSize === 'number' ? [options.cropSize, options.cropSize] : options.cropSize;
  checkSize('data.crop_size', outH);
  checkSize('data.crop_size', outW);
  const scale = options.scale ?? [0.3, 1.0];
  const ratio = options.ratio ?? [0.75, 1.35];
  checkRange('data_aug.random_resize_scale', scale, 0, 1);
  checkRange('data_aug.random_resize_aspect_ratio', ratio, 0, Infinity);
  const flipProb = options.flipProb ?? 0.5;
  if (!(flipProb >= 0 && flipProb <= 1)) throw new ConfigError('data_aug.flip_prob', { expected: 'a number in [0, 1]', received: String(flipProb) });
  return (sample, rng) => {
    checkSample(sample);
    const [T, H, W] = sample.shape;
    const box = randomResizedCropBox(H, W, rng, scale, ratio);
    const flip = rng.next() < flipProb;
    const clip = resizeCrop(sample.clip, sample.shape, box, outH, outW, flip);
    if (options.normalize !== false) normalizeClip(clip, options.mean, options.std);
    return { ...sample, clip, shape: [T, outH, outW, 3] };
  };
}

/**
 * Options of {@link createEvalTransform}.
 *
 * @example
 * const opts: EvalTransformOptions = { cropSize: 224, shortSide: 256 };
 */
export interface EvalTransformOptions {
  cropSize: number;
  /** Short side after resizing, before the centre crop (default `round(cropSize * 256 / 224)`). */
  shortSide?: number;
  normalize?: boolean;
  mean?: readonly number[];
  std?: readonly number[];
}

/**
 * The evaluation transform: resize the short side to `shortSide` (bilinear), centre crop
 * `cropSize`, normalise. No randomness, no flip.
 *
 * @example
 * const evalT = createEvalTransform({ cropSize: 64 });
 * const out = evalT(sample, createDataRng(0));
 */
export function createEvalTransform(options: EvalTransformOptions): Transform {
  const crop = options.cropSize;
  checkSize('data.crop_size', crop);
  const short = options.shortSide ?? Math.round((crop * 256) / 224);
  checkSize('shortSide', short);
  if (short < crop) throw new ConfigError('shortSide', { expected: `>= cropSize (${crop})`, received: String(short) });
  return (sample) => {
    checkSample(sample);
    const [T, H, W] = sample.shape;
    const s = short / Math.min(H, W);
    const rh = H <= W ? short : Math.round(H * s);
    const rw = W < H ? short : Math.round(W * s);
    const virtual = { height: rh, width: rw, offY: Math.floor((rh - crop) / 2), offX: Math.floor((rw - crop) / 2) };
    const box = { top: 0, left: 0, height: H, width: W };
    const clip = resizeCrop(sample.clip, sample.shape, box, crop, crop, false, virtual);
    if (options.normalize !== false) normalizeClip(clip, options.mean, options.std);
    return { ...sample, clip, shape: [T, crop, crop, 3] };
  };
}
