// One config: the sections of the packages that own them, composed under the official names
export { BACKENDS, checkRunConfig, loggingSection, metaSection, runConfigSchema } from './schema';
export type { RunConfig } from './schema';
export { DEFAULT_CONFIG } from './defaults';
export { DEFAULT_PRESET, findConfigsDir, loadConfig, presetPath, validateConfig } from './load-config';
export type { LoadConfigOptions } from './load-config';
export { mergeLayers, overridesToLayer, parseConfigYaml, parseSetOverride } from './layers';
export type { Mapping, SetOverride } from './layers';
export { isReleasePreset, vjepa2ReleaseLayer } from './release-presets';

// What a config builds: masks, data, models and trainer
export { checkStrategyForRun, gridOf, loadStrategyModule, parseModuleSpec, strategyForConfig } from './masking-strategy';
export type { StrategyFactory } from './masking-strategy';
export { createBatchSource, datasetForConfig } from './data-source';
export { INIT_SEED_OFFSETS, buildModels, createTrainingSession } from './training-session';
export type { StepSession, TrainingSession } from './training-session';

// A run: its folder, logs, the training loop, and train-then-evaluate
export { prepareRunFolder, readSavedConfig, runPaths, writeJsonAtomic } from './run-folder';
export type { RunPaths } from './run-folder';
export { CSV_COLUMNS, MetricsLog } from './metrics-log';
export type { StepRecord } from './metrics-log';
export { curvesPng, tickLabel } from './curves-png';
export type { Series } from './curves-png';
export { checkRunFits, stepMemoryLowerBound } from './memory-bound';
export type { StepMemoryBound } from './memory-bound';
export { runTraining } from './run-training';
export { estimateTrainingMemory, formatBytes, memoryLimitError, trainingMemoryFacts } from './memory-estimate';
export type { MemoryEstimate, MemoryLimit, TrainingMemoryFacts } from './memory-estimate';
export type { BackendInfo, RunResult, RunTrainingOptions } from './run-training';
export { mainRunConfig, objectiveFolder, trainAll, trainThenEvaluate } from './train-then-evaluate';
export type { RemoteTraining, TrainAllOptions, Training } from './train-then-evaluate';

// For the CLIs: their command lines and progress lines
export { parseCommandLine, unknownCommandError } from './command-line';
export type { CommandFlags, ParsedFlags } from './command-line';
export { Progress, formatDuration, progressLine } from './progress';
export type { ProgressOptions, ProgressState, ProgressStream } from './progress';
