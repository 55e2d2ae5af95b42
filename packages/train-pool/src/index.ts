export { dataParallelSession, replicaError } from './train-pool';
export type { DataParallelOptions } from './train-pool';
export { SharedSum, sharedSumBuffer } from './shared-sum';
export type { ReplicaData, ReplicaReply, ReplicaRequest } from './replica-worker';
