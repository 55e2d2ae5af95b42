/*
 * The one place this app imports @vjepa/data. While @vjepa/data's index does not export these yet
 * (it is being written in parallel), they come from its source files; switch the paths below to
 * '@vjepa/data' once its index exports them.
 */
export { MovingMnistDataset } from '../../../../packages/data/src/moving-mnist';
export { createTrainTransform } from '../../../../packages/data/src/augment';
export { createDataRng, mixSeed } from '../../../../packages/data/src/rng';
export { decodeVideo } from '../../../../packages/data/src/decode-video';
export { sampleClipIndices } from '../../../../packages/data/src/clip-sampling';
export type { Dataset, Sample, Transform, GetContext } from '../../../../packages/data/src/sample';
