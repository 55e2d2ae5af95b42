/**
 * `@vjepa/app-eval`: the programmatic API of the `vjepa-eval` CLI (frozen evaluation and feature
 * extraction), for apps/train's `--then-eval`, the README's main command and tests.
 *
 * @example
 * import { runSuite } from '@vjepa/app-eval';
 * const { table } = await runSuite({ run: 'runs/tiny-cpu', pixelRun: 'runs/tiny-cpu-pixels' });
 */
export { archFromObject, archFromPreset, parseArchConfig, readArchConfig } from './arch-config';
export type { EvalArch } from './arch-config';
export { describeStateDict, loadEncoder } from './encoder-source';
export type { EncoderSpec, LoadedEncoder } from './encoder-source';
export { detectLayout, readClipNpy, toChannelsLast } from './clip-input';
export type { ClipBatch, ClipLayout } from './clip-input';
export { encodeClips } from './encode';
export type { EncodeOptions, Pool } from './encode';
export { runExtract } from './extract';
export type { ExtractOptions, ExtractResult } from './extract';
export { VIDEO_EXTENSIONS, listVideos, videoClips } from './video-clips';
export { indexClips, movingMnistClips, parseVideoIndex, readVideoIndex } from './clip-sets';
export type { ClipSet, IndexEntry, MovingMnistClipOptions, MovingMnistPart } from './clip-sets';
export { cachedFeatures, featureKey } from './feature-cache';
export type { FeatureOptions, Features } from './feature-cache';
export { runProbe } from './probe-runner';
export type { ProbeKind, ProbeRunOptions, ProbeRunResult } from './probe-runner';
export { MOVING_MNIST_SEEDS, probeSets, runProbeCommand } from './probe-command';
export type { ProbeCommandOptions, ProbeDataset } from './probe-command';
export { confusionPng } from './confusion-png';
export { markdownTable, pct, writeReport } from './report';
export type { ResultRow } from './report';
export { readRunFolder } from './run-folder';
export type { RunFolder } from './run-folder';
export { SUITE_DEFAULTS, SUITE_TASKS, chanceBound, defaultJobs, marginNote, runEmbeddedEval, runSuite } from './suite';
export type { SuiteOptions, SuiteResult } from './suite';
export { poolBackend, probeCost, runProbePool } from './probe-pool';
export type { ProbePoolOptions, ProbeUnit, WorkerBackend } from './probe-pool';
export { startTrainingChild } from './training-child';
export type { TrainingChild, TrainingChildOptions } from './training-child';
export { findTrainApi, runMain, runMainTraining } from './main-command';
export type { MainOptions, TrainApi } from './main-command';
export { USAGE, runCli } from './cli-main';
export type { CliIo } from './cli-main';
