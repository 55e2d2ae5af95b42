export { assertConformingStrategy, checkMaskingStrategy } from './conformance';
export type { ConformanceOptions, ConformanceProblem, ConformanceReport } from './conformance';
export { assertValidMaskPairs, validateMaskPairs } from '../validate-mask-pairs';
export type { MaskProblem, MaskProblemReason, ValidateMaskPairsOptions } from '../validate-mask-pairs';
