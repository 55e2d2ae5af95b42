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
