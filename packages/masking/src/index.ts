export type { Grid, IndexBatch, MaskPair, MaskingStrategy, SampleOptions } from './specification';
// The generator lives in @vjepa/rng (the ground floor); re-exported because MaskingStrategy.sample takes an Rng.
export { createRng, deriveSeed, restoreRng } from '@vjepa/rng';
export type { Rng, RngState } from '@vjepa/rng';
export { indexBatchFromRows, indexBatchRow, indexBatchToRows, numTokens, tokenIndex } from './index-batch';
export { checkSampleOptions } from './sample-options';
export {
  RELEASED_MASK_TYPES,
  RELEASED_OFFICIAL_MASK_CONFIG,
  fromOfficialMaskConfig,
} from './mask-type-config';
export type { MaskTypeOptions, OfficialMaskConfig } from './mask-type-config';
export { BLOCK_SIZE_STREAM, multiblock3d, multiblockBlockSizes } from './multiblock-3d';
export type { BlockSize, Multiblock3dOptions } from './multiblock-3d';
export { randomTube } from './random-tube';
export { fullContext } from './full-context';
export { assertValidMaskPairs, validateMaskPairs } from './validate-mask-pairs';
export type { MaskProblem, MaskProblemReason, ValidateMaskPairsOptions } from './validate-mask-pairs';
export { checkMaskSection, maskSection, maskTypeSection } from './mask-section';
export type { MaskSection } from './mask-section';
