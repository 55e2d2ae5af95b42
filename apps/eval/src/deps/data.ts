/*
 * The one place this app imports @vjepa/data. Its index does not export these yet (the package is
 * being written in parallel), so they come from its source files; switch the paths below to
 * '@vjepa/data' once its index exports them.
 */
export { MovingMnistDataset } from '../../../../packages/data/src/moving-mnist';
export { loadMnist } from '../../../../packages/data/src/mnist';
export type { MnistSplit } from '../../../../packages/data/src/mnist';
export { createEvalTransform } from '../../../../packages/data/src/augment';
export { createDataRng, mixSeed } from '../../../../packages/data/src/rng';
export { decodeVideo } from '../../../../packages/data/src/decode-video';
export { sampleClipIndices } from '../../../../packages/data/src/clip-sampling';
export type { Sample, Transform } from '../../../../packages/data/src/sample';
