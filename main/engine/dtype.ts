/** Element types the engine emits, with their ONNX TensorProto.DataType codes and JS storage. */
/** bfloat16 only as stored weights (initializers cast in-graph): onnxruntime-node takes no bfloat16 inputs. */
export type DType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'bool';

export const ONNX_DTYPE: Record<DType, number> = {
  float32: 1,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
  bfloat16: 16,
};

export const DTYPE_BYTES: Record<DType, number> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  bool: 1,
};

export function isFloat(d: DType): boolean {
  return d === 'float32' || d === 'float64' || d === 'float16';
}

/** onnxruntime-node's tensor type names. */
export const ORT_TYPE: Record<
  Exclude<DType, 'bfloat16'>,
  'float32' | 'float64' | 'float16' | 'int64' | 'int32' | 'bool'
> = {
  float32: 'float32',
  float64: 'float64',
  float16: 'float16',
  int64: 'int64',
  int32: 'int32',
  bool: 'bool',
};
