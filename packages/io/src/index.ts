export {
  DTYPES,
  allocTyped,
  dtypeByteSize,
  isDType,
  isTensorData,
  shapeSize,
  tensorBytes,
  tensorData,
  toFloat32,
  toInt32,
  typedArrayFromBytes,
} from './tensor-data';
export type { DType, StateDict, TensorData, TypedData } from './tensor-data';
export { bfloat16ToFloat32, float16ToFloat32, float32ToBfloat16, float32ToFloat16 } from './half';
export { readNpy, writeNpy } from './npy';
export type { ReadNpyOptions } from './npy';
export { readSafetensors, writeSafetensors } from './safetensors';
export type { ReadSafetensorsOptions, SafetensorsContents } from './safetensors';
export { openTorchCheckpoint, readTorchCheckpoint } from './torch-reader';
export type { CheckpointValueKind, ReadTorchOptions, TorchCheckpoint } from './torch-reader';
export { writeTorchCheckpoint } from './torch-writer';
export type { WriteTorchOptions } from './torch-writer';
export { isPythonTuple, pythonTuple } from './python-tuple';
export type { PythonTuple } from './python-tuple';
export { DEFAULT_PREFIXES, matchStateDict, selectStateDict, stripPrefixes } from './state-dict';
export type { LoadReport, MatchStateDictOptions, SelectStateDictOptions } from './state-dict';
export { readFileBytes, writeFileAtomic } from './files';
export type { ReadFileBytesOptions } from './files';
export { readZip } from './zip-reader';
export type { ReadZipOptions, ZipArchive, ZipEntry } from './zip-reader';
export { writeZip } from './zip-writer';
export type { WriteZipOptions, ZipInput } from './zip-writer';
export { PyCallable, newDict, unpickle } from './pickle-reader';
export type { UnpickleOptions } from './pickle-reader';
export { crc32 } from './crc32';
export { encodePng } from './png';
export { openTorchCheckpointFile, readTorchCheckpointFile } from './torch-file';
export { DEFAULT_MAX_DEPTH, DEFAULT_MAX_EXPANDED_BYTES, defaultMaxInflatedBytes } from './read-limits';
export { fromHfVjepa2, isHfVjepa2StateDict, toHfVjepa2 } from './hf-vjepa2';
export type { Vjepa2Parts } from './hf-vjepa2';
export { readTorchFromSource } from './torch-reader';
export type { ByteSource } from './zip-reader';
