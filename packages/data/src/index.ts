// Decoding
export { decodeVideo } from './decode-video';
export type { DecodeOptions, DecodedVideo } from './decode-video';
export { decodeFrames } from './decode-frames';
export type { DecodedFrames, FrameDecodeOptions } from './decode-frames';
export { framePts, indexVideo } from './frame-index';
export type { FrameIndex, FramePts, IndexOptions, IndexedVideo } from './frame-index';
export { DEFAULT_FRAME_CACHE_BYTES, VideoFrameSource } from './video-frame-source';
export type { FrameSourceCounts, FrameSourceOptions } from './video-frame-source';
export { resolveFfmpegPath } from './ffmpeg-path';
export { parseFfmpegInfo } from './ffmpeg-info';
export type { FfmpegInfo } from './ffmpeg-info';

// Clip sampling
export { clipWindow, sampleClipIndices } from './clip-sampling';
export type { ClipSamplingOptions } from './clip-sampling';

// Augmentation
export {
  IMAGENET_MEAN,
  IMAGENET_STD,
  createEvalTransform,
  createTrainTransform,
  normalizeClip,
  randomResizedCropBox,
} from './augment';
export type { EvalTransformOptions, TrainTransformOptions } from './augment';
export { resizeCrop } from './resize';
export type { CropBox } from './resize';

// Datasets
export type { Dataset, GetContext, Sample, Transform } from './sample';
export { DataStatsRecorder, formatDataStats } from './data-stats';
export type { DataStats, SkippedEntry } from './data-stats';
export { IMAGE_EXTENSIONS, VIDEO_EXTENSIONS, VideoFileDataset, checkEntries } from './video-file-dataset';
export type { VideoDatasetOptions, VideoEntry } from './video-file-dataset';
export { MAX_CLASSES, MAX_INDEX_LINE_BYTES, VideoIndexDataset, parseVideoIndex, readVideoIndex } from './video-index-dataset';
export type { VideoIndexOptions } from './video-index-dataset';
export { VideoFolderDataset, listVideoFiles } from './video-folder-dataset';
export type { VideoFolderOptions } from './video-folder-dataset';

// Moving MNIST (the embedded default)
export { MNIST_SHA256, loadMnist, mnistDataDir } from './mnist';
export type { MnistSplit } from './mnist';
export { MovingMnistDataset, movingMnist } from './moving-mnist';
export type { MovingMnistOptions, MovingMnistTrajectory } from './moving-mnist';

// Loader
export { createLoader } from './loader';
export type { Batch, Loader, LoaderOptions } from './loader';

// Clip batches: the one [B, T, H, W, 3] layout, and the trainer's resumable, step-addressed batches
export type { ClipBatch } from './clip-batch';
export { BatchSource } from './batch-source';
export type { BatchSourceOptions, SkippedItem } from './batch-source';

// Evaluation clip sets (held-out Moving MNIST, video indexes) and the eval clips of one video
export type { ClipSet } from './clip-set';
export { movingMnistClips } from './moving-mnist-clips';
export type { MovingMnistClipOptions, MovingMnistPart } from './moving-mnist-clips';
export { indexClips } from './index-clips';
export { videoClips } from './video-clips';
export type { VideoClipOptions } from './video-clips';

// Config sections (`data`, `data_aug`) and clip sampling
export { DATASET_TYPES, checkDataSection, checkPretrainingData, clipSampling, dataAugSection, dataSection } from './data-section';
export type { ClipSampling, DataAugSection, DataSection } from './data-section';

// Seeded randomness (`@vjepa/rng`'s generator under data names; any `{ next(): number }` works where a RandomSource is taken)
export { createDataRng, mixSeed } from './rng';
export type { DataRng, DataRngState, RandomSource } from './rng';
