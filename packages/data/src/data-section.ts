import { type z as Z, nonNegative, nonNegativeInt, positive, positiveInt, range, unitInterval, z } from '@vjepa/config';
import { ConfigError } from '@vjepa/errors';

/**
 * Dataset kinds a `data` section can name: `moving_mnist` (generated from the embedded MNIST digits),
 * `video_index` (official `path label` index files), `video_folder` (every video under folders).
 *
 * @example
 * DATASET_TYPES.includes('video_index'); // true
 */
export const DATASET_TYPES = ['moving_mnist', 'video_index', 'video_folder'] as const;

/**
 * The official `data` section (this package owns it), with the official key names plus ours
 * (`dataset_type`, `num_videos`, `prefetch`); keys the official configs carry that have no effect
 * here (`datasets_weights`, `clip_duration`, `decode_one_clip`, `num_workers`, `pin_mem`) are accepted.
 * `sampling_rate` is the official name of `frame_step` (it wins when set). Strict: an unknown key is
 * an error naming its path.
 *
 * @example
 * parseConfig(dataSection, raw.data, ['data']);
 */
export const dataSection = z
  .object({
    dataset_type: z.enum(DATASET_TYPES), // ours (official: VideoDataset)
    datasets: z.array(z.string().min(1)), // index files (video_index) or folders (video_folder)
    batch_size: positiveInt,
    num_frames: positiveInt,
    crop_size: positiveInt,
    patch_size: positiveInt,
    tubelet_size: positiveInt,
    frame_step: positiveInt,
    sampling_rate: positiveInt.nullable().default(null), // official name of frame_step; wins when set
    num_clips: positiveInt,
    num_videos: positiveInt, // ours: how many Moving MNIST sequences to generate
    filter_short_videos: z.boolean(),
    prefetch: nonNegativeInt, // ours: batches the loader prepares ahead
    // accepted from the official configs, no effect here
    datasets_weights: z.array(nonNegative).nullable(),
    clip_duration: positive.nullable(),
    decode_one_clip: z.boolean(),
    num_workers: nonNegativeInt,
    pin_mem: z.boolean(),
  })
  .strict();

/**
 * The official `data_aug` section (this package owns it): the random resized crop's scale and
 * aspect-ratio ranges, and ours `horizontal_flip`; `auto_augment`, `motion_shift`, `reprob` are
 * accepted from the official configs and have no effect.
 *
 * @example
 * parseConfig(dataAugSection, raw.data_aug, ['data_aug']);
 */
export const dataAugSection = z
  .object({
    random_resize_scale: range(unitInterval),
    random_resize_aspect_ratio: range(positive),
    horizontal_flip: z.boolean(), // ours: the official pretraining flips with p 0.5
    // accepted from the official configs
    auto_augment: z.boolean(),
    motion_shift: z.boolean(),
    reprob: nonNegative,
  })
  .strict();

/**
 * A validated `data` section.
 *
 * @example
 * const d: DataSection = config.data;
 */
export type DataSection = Z.output<typeof dataSection>;

/**
 * A validated `data_aug` section.
 *
 * @example
 * const a: DataAugSection = config.data_aug;
 */
export type DataAugSection = Z.output<typeof dataAugSection>;

function ordered(path: string, pair: readonly [number, number]): void {
  if (pair[0] > pair[1]) throw new ConfigError(path, { expected: '[min, max] with min <= max', received: JSON.stringify(pair) });
}

/**
 * Checks the `data` keys against each other (what a per-key schema cannot see): the crop a multiple of
 * the patch, the frames a multiple of the tubelet, `sampling_rate` not contradicting `frame_step`.
 * Throws ConfigError naming the key to change.
 *
 * @example
 * checkDataSection({ ...data, crop_size: 30, patch_size: 8 }); // data.crop_size: expected a multiple of data.patch_size (8), received 30.
 */
export function checkDataSection(data: Pick<DataSection, 'crop_size' | 'patch_size' | 'num_frames' | 'tubelet_size'>): void {
  if (data.crop_size % data.patch_size !== 0) {
    throw new ConfigError('data.crop_size', { expected: `a multiple of data.patch_size (${data.patch_size})`, received: String(data.crop_size) });
  }
  if (data.num_frames % data.tubelet_size !== 0) {
    throw new ConfigError('data.num_frames', { expected: `a multiple of data.tubelet_size (${data.tubelet_size})`, received: String(data.num_frames) });
  }
}

/**
 * Checks what pretraining data needs: at least one index or folder for the file datasets, and ordered
 * augmentation ranges. Throws ConfigError naming the key.
 *
 * @example
 * checkPretrainingData(config.data, config.data_aug);
 */
export function checkPretrainingData(data: Pick<DataSection, 'dataset_type' | 'datasets'>, dataAug: DataAugSection): void {
  if (data.dataset_type !== 'moving_mnist' && data.datasets.length === 0) {
    throw new ConfigError('data.datasets', { expected: `at least one ${data.dataset_type === 'video_index' ? 'index file' : 'folder'} for dataset_type ${data.dataset_type}`, received: '[]' });
  }
  ordered('data_aug.random_resize_scale', dataAug.random_resize_scale);
  ordered('data_aug.random_resize_aspect_ratio', dataAug.random_resize_aspect_ratio);
}

/**
 * How clips are cut from a video or a generated sequence: `numFrames` frames `frameStep` apart,
 * `numClips` per video, a square `cropSize`. What both pretraining and evaluation read from `data`.
 *
 * @example
 * const clip: ClipSampling = { numFrames: 16, frameStep: 4, numClips: 1, cropSize: 224 };
 */
export interface ClipSampling {
  numFrames: number;
  frameStep: number;
  numClips: number;
  cropSize: number;
}

/**
 * The clip sampling a `data` section describes (`sampling_rate`, the official name, wins over
 * `frame_step` when set).
 *
 * @example
 * clipSampling({ num_frames: 16, frame_step: 4, sampling_rate: null, num_clips: 1, crop_size: 224 }); // { numFrames: 16, frameStep: 4, numClips: 1, cropSize: 224 }
 */
export function clipSampling(data: Pick<DataSection, 'num_frames' | 'frame_step' | 'num_clips' | 'crop_size'> & { sampling_rate?: number | null }): ClipSampling {
  return { numFrames: data.num_frames, frameStep: data.sampling_rate ?? data.frame_step, numClips: data.num_clips, cropSize: data.crop_size };
}
