import {
  BatchSource,
  DataStatsRecorder,
  type SkippedItem,
  VideoFileDataset,
  VideoFolderDataset,
  VideoIndexDataset,
  createTrainTransform,
  movingMnist,
  type Dataset,
  type Sample,
  type Transform,
  type VideoDatasetOptions,
} from '@vjepa/data';
import { DataError } from '@vjepa/errors';
import type { RunConfig } from './schema';

/** Canvas side of the generated Moving MNIST: the standard 64, or the crop size when larger. */
function movingMnistCanvas(cropSize: number): number {
  return Math.max(64, cropSize);
}

/** Keeps every `step`-th frame of a `[T*step, H, W, 3]` clip (Moving MNIST is generated at `num_frames * frame_step`). */
function everyNthFrame(step: number): Transform {
  return (sample: Sample) => {
    if (step === 1) return sample;
    const [T, H, W, C] = sample.shape;
    const frame = H * W * C;
    const keep = Math.floor(T / step);
    const clip = new Float32Array(keep * frame); // [T / step, H, W, 3]
    for (let t = 0; t < keep; t++) clip.set(sample.clip.subarray(t * step * frame, (t * step + 1) * frame), t * frame);
    return { ...sample, clip, shape: [keep, H, W, C] };
  };
}

function compose(...transforms: Transform[]): Transform {
  return (sample, rng) => transforms.reduce((s, t) => t(s, rng), sample);
}

/**
 * The dataset a config names, plus a name for each item (for skip messages).
 *
 * @example
 * const { dataset, describe } = await datasetForConfig(config);
 */
export async function datasetForConfig(config: RunConfig): Promise<{ dataset: Dataset; describe: (index: number) => string; summary: string }> {
  const d = config.data;
  if (d.dataset_type === 'moving_mnist') {
    const size = movingMnistCanvas(d.crop_size);
    const dataset = movingMnist({ split: 'train', count: d.num_videos, seed: config.meta.seed, numFrames: d.num_frames * d.frame_step, size });
    return { dataset, describe: (i) => `moving_mnist[${i}]`, summary: `moving_mnist (MNIST train digits, ${d.num_videos} sequences, ${size}x${size} canvas)` };
  }
  return videoDatasetForConfig(config);
}

/**
 * The video datasets of `data.datasets` (index files or folders) as one `@vjepa/data` file dataset:
 * a clip of `num_frames` frames `frame_step` apart, decoded at the short side the augmentation crops
 * from. Missing and empty files are recorded when opened, undecodable ones when first read.
 */
async function videoDatasetForConfig(config: RunConfig): Promise<{ dataset: Dataset; describe: (index: number) => string; summary: string }> {
  const d = config.data;
  const options: VideoDatasetOptions = {
    sampling: { framesPerClip: d.num_frames, frameStep: d.frame_step, numClips: 1 },
    decode: { size: Math.max(d.crop_size, Math.round((d.crop_size * 256) / 224)) },
    filterShortVideos: d.filter_short_videos,
  };
  if (d.datasets.length === 0) {
    throw new DataError('data.datasets', { expected: `at least one ${d.dataset_type === 'video_index' ? 'index file' : 'folder'}`, received: '[]' });
  }
  const opened: VideoFileDataset[] = [];
  for (const entry of d.datasets) {
    opened.push(
      d.dataset_type === 'video_index'
        ? await VideoIndexDataset.open(entry, { ...options, labels: 'ignore' }) // pretraining: labels dropped
        : await VideoFolderDataset.open(entry, { ...options, includeImages: false }),
    );
  }
  let dataset = opened[0] as VideoFileDataset;
  if (opened.length > 1) {
    // several sources: one dataset over all their entries, keeping what opening them recorded
    const entries = opened.flatMap((ds) => ds.entries);
    const recorder = new DataStatsRecorder(entries.length);
    for (const ds of opened) for (const s of ds.stats().skipped) recorder.skip(s);
    dataset = new VideoFileDataset(entries, options, recorder, 'data.datasets');
  }
  const paths = dataset.entries.map((e) => e.path);
  return { dataset, describe: (i) => paths[i] as string, summary: `${d.dataset_type}: ${paths.length} video(s) from ${d.datasets.join(', ')}` };
}

/**
 * The batches of a run: the dataset, the pretraining augmentation (`data_aug`), and deterministic
 * per-step batches that skip (and count) bad input.
 *
 * @example
 * const source = await createBatchSource(config, (item) => console.log('skipped', item.source));
 * const { clips, shape } = await source.batch(0); // shape [8, 8, 32, 32, 3]
 */
export async function createBatchSource(config: RunConfig, onSkip?: (item: SkippedItem) => void): Promise<BatchSource & { summary: string }> {
  const { dataset, summary } = await datasetForConfig(config);
  const d = config.data;
  const augment = createTrainTransform({
    cropSize: d.crop_size,
    scale: config.data_aug.random_resize_scale,
    ratio: config.data_aug.random_resize_aspect_ratio,
    flipProb: config.data_aug.horizontal_flip ? 0.5 : 0,
    normalize: true,
  });
  const transform = d.dataset_type === 'moving_mnist' ? compose(everyNthFrame(d.frame_step), augment) : augment;
  const source = new BatchSource(dataset, { batchSize: d.batch_size, seed: config.meta.seed, transform, prefetch: d.prefetch, onSkip });
  return Object.assign(source, { summary });
}
