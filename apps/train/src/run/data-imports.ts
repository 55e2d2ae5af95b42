/*
 * The one place this app imports @vjepa/data (kept as a seam: the app's own batch source and
 * video-file dataset build on these pieces).
 */
export { MovingMnistDataset, createTrainTransform, createDataRng, mixSeed, decodeVideo, sampleClipIndices } from '@vjepa/data';
export type { Dataset, Sample, Transform, GetContext } from '@vjepa/data';
