export { MESSAGE_PART_LIMIT, VjepaError, formatMessage, hasMarker } from './vjepa-error';
export type { ErrorDetails } from './vjepa-error';
export { previewValue, truncateText } from './preview-value';
export type { PreviewOptions } from './preview-value';
export {
  BackendError,
  CheckpointError,
  ConfigError,
  DataError,
  DegenerateStepError,
  MaskError,
  MemoryLimitError,
  NonFiniteLossError,
  ShapeError,
} from './errors';
