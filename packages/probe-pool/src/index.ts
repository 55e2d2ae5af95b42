export { featurePoolRunner, runFeaturePool } from './feature-pool';
export type { FeaturePoolOptions } from './feature-pool';
export { defaultJobs, poolBackend, probePoolRunner, runProbePool } from './probe-pool';
export type { ProbePoolOptions, WorkerBackend } from './probe-pool';
export { childExecArgv, siblingEntry, startWorker } from './source-entry';
export type { SiblingEntry } from './source-entry';
