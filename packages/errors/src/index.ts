export { VjepaError, formatMessage } from './vjepa-error';
export type { ErrorDetails } from './vjepa-error';
export {
  BackendError,
  CheckpointError,
  ConfigError,
  DataError,
  DegenerateStepError,
  MaskError,
  NonFiniteLossError,
  ShapeError,
} from './errors';
