// ONNX models as plain objects, read and written with protobufjs over ONNX's
// own schema. `onnx.proto` is ONNX's published schema (Apache-2.0), kept here
// for reference; `onnxDescriptor.json` is protobufjs's descriptor of it, which
// loads without a .proto parser at run time. A test checks that the two agree,
// so regenerating the descriptor is `npm run onnx-schema`.
import protobuf from 'protobufjs';
import descriptor from './onnxDescriptor.json';

const root = protobuf.Root.fromJSON(descriptor as protobuf.INamespace);
const modelType = root.lookupType('onnx.ModelProto');

/** `TensorProto.DataType` values that CNN Lens reads and writes. */
export const OnnxDataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
} as const;

/** `AttributeProto.AttributeType` values. */
export const OnnxAttributeType = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
} as const;

/** A tensor: initializers, constants and attribute values. Field names are ONNX's. */
export interface OnnxTensor {
  name?: string;
  dims?: number[];
  data_type?: number;
  /** Little-endian element bytes; in a decoded model a view into the file's bytes, not a copy. */
  raw_data?: Uint8Array;
  float_data?: number[];
  int32_data?: number[];
  int64_data?: number[];
  double_data?: number[];
  doc_string?: string;
}

/** One attribute of a node; which value field is set follows `type`. */
export interface OnnxAttribute {
  name: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: OnnxTensor;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}

/** A dimension of a value's shape: a fixed size or a named symbolic one. */
export interface OnnxDimension {
  dim_value?: number;
  dim_param?: string;
}

/** A graph input, output or intermediate value with its tensor type. */
export interface OnnxValueInfo {
  name: string;
  type?: { tensor_type?: { elem_type?: number; shape?: { dim?: OnnxDimension[] } } };
  doc_string?: string;
}

/** One operator application. */
export interface OnnxNode {
  name?: string;
  op_type: string;
  domain?: string;
  input?: string[];
  output?: string[];
  attribute?: OnnxAttribute[];
  doc_string?: string;
}

/** A computation graph. */
export interface OnnxGraph {
  name?: string;
  node?: OnnxNode[];
  initializer?: OnnxTensor[];
  input?: OnnxValueInfo[];
  output?: OnnxValueInfo[];
  value_info?: OnnxValueInfo[];
  doc_string?: string;
}

/** A whole model file. */
export interface OnnxModel {
  ir_version?: number;
  opset_import?: { domain?: string; version?: number }[];
  producer_name?: string;
  producer_version?: string;
  doc_string?: string;
  graph?: OnnxGraph;
}

/**
 * Decodes an ONNX file. Tensor bytes (`raw_data`) stay views into `bytes`, so a
 * large model is not held twice; 64-bit integers become numbers (sizes and
 * attribute values in CNN models are far below 2^53). Throws protobufjs's error
 * on bytes that are not a ModelProto; callers turn it into a message.
 */
export function decodeOnnxModel(bytes: Uint8Array): OnnxModel {
  const message = modelType.decode(bytes);
  return modelType.toObject(message, { longs: Number, enums: Number, defaults: false, arrays: true }) as OnnxModel;
}

/** Encodes a model to the bytes of an `.onnx` file. */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const problem = modelType.verify(model);
  if (problem) throw new Error(`not a valid ONNX model: ${problem}`);
  return modelType.encode(modelType.fromObject(model)).finish();
}

/** The schema itself, for tests that compare it with `onnx.proto`. */
export function onnxSchemaJson(): unknown {
  return root.toJSON();
}
