// Architecture: from a checkpoint's manifest, a config file or a preset
export { archFromConfig, archFromPreset, clipOf, parseArchConfig, readArchConfig } from './arch';
export type { EvalArch } from './arch';
export { isOfficialEvalConfig, officialEvalSettings, readOfficialEvalConfig } from './official-eval-config';
export type { OfficialEvalSettings } from './official-eval-config';
export { openCheckpoint } from './open-checkpoint';
export type { OpenedCheckpoint } from './open-checkpoint';
export { VJEPA2_PROBE_HEADS } from './arch';
export { detectArch } from './detect-arch';
export type { DetectArchOptions, DetectedArch } from './detect-arch';
export { readEncoderWeights, readPredictorWeights, readProbeCheckpoint } from './weights-file';
export type { WeightsFormat, WeightsRead, WeightsSpec } from './weights-file';

// Frozen features: encoders, clips in, features out, and their cache keyed by the weights
export { describeStateDict, loadEncoder, weightsKey } from './encoder-source';
export type { EncoderSpec, LoadedEncoder } from './encoder-source';
export { detectLayout, readClipNpy, toChannelsLast } from './clip-input';
export type { ClipLayout, NpyClips } from './clip-input';
export { encodeClips } from './encode';
export type { EncodeOptions, Pool } from './encode';
export { FEATURE_PART_ITEMS, cachedFeatures, featureKey } from './feature-cache';
export type { FeatureOptions, Features, SkippedItem } from './feature-cache';
export { computeFeatureJob, computeFeatureJobs, featureJobClips, featureJobCost } from './feature-jobs';
export type { FeatureJob, FeatureJobResult, FeatureRunner } from './feature-jobs';
export { extractFeatures } from './extract';
export type { ExtractOptions, ExtractResult } from './extract';
export { extractMasked } from './extract-masked';
export type { MaskedExtractOptions } from './extract-masked';
export { loadPredictorFor } from './predictor-source';
export type { LoadedPredictor } from './predictor-source';
export { classifyWithProbe } from './classify';
export type { ClassifyOptions, ClassifyResult } from './classify';
export type { SkippedInput } from './extract-folder';
export { EXTRACT_LOG, EXTRACT_SUMMARY, readExtractLog } from './extract-log';
export type { ExtractRecord } from './extract-log';
export { checkClips, checkFeatures } from './clip-checks';

// Probes over seeds, the embedded suite, reports
export { probeCost, runProbe, runProbesHere } from './run-probe';
export type { ProbeKind, ProbeRunOptions, ProbeRunResult, ProbeRunner, ProbeUnit } from './run-probe';
export { MOVING_MNIST_SEEDS, probeSets } from './probe-sets';
export type { ProbeDataset } from './probe-sets';
export { runProbeEval } from './probe-eval';
export type { ProbeEvalOptions, ProbeEvalResult } from './probe-eval';
export { SUITE_DEFAULTS, SUITE_TASKS, chanceBound, marginNote, runSuite } from './suite';
export type { SuiteOptions, SuiteResult } from './suite';
export { planFeatureJobs, suiteFeatureJobs, suiteFolders, suitePlan } from './suite-plan';
export type { SuiteEncoder, SuitePlan } from './suite-plan';
export { confusionPng } from './confusion-png';
export { markdownTable, pct, writeReport } from './report';
export type { ResultRow } from './report';
