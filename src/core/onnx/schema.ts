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

const graphType = root.lookupType('onnx.GraphProto');
const tensorType = root.lookupType('onnx.TensorProto');

/**
 * Decodes the bytes of one message of the model, its graph or a tensor, as
 * `decodeOnnxModel` does a whole file; `lazyDecode.ts` decodes a file part by
 * part with it, leaving the weights' bytes in the file.
 */
export function decodeOnnxMessage(kind: 'model' | 'graph' | 'tensor', bytes: Uint8Array): OnnxModel | OnnxGraph | OnnxTensor {
  const type = { model: modelType, graph: graphType, tensor: tensorType }[kind];
  return type.toObject(type.decode(bytes), { longs: Number, enums: Number, defaults: false, arrays: true }) as OnnxModel | OnnxGraph | OnnxTensor;
}

/** Field numbers from onnx.proto: ModelProto.graph, GraphProto.initializer, TensorProto.raw_data. */
const modelGraphField = 7;
const graphInitializerField = 5;
const tensorRawDataField = 9;

/**
 * Encodes a model to the bytes of an `.onnx` file.
 *
 * protobufjs copies large byte fields slowly (about 10 s for ResNet-152's
 * 240 MB of weights), so initializers' `raw_data` is written here instead:
 * protobuf lets a message's fields come in any order and a message be the
 * concatenation of its parts, so the model is its other fields, then the
 * graph as a length-delimited field 7, the graph its other fields then each
 * initializer as field 5, and each initializer its other fields then
 * `raw_data` as field 9. The bytes decode to exactly the same model.
 */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const problem = modelType.verify(model);
  if (problem) throw new Error(`not a valid ONNX model: ${problem}`);
  const graph = model.graph;
  if (!graph) return modelType.encode(modelType.fromObject(model)).finish();
  // Everything but the graph, which is written after it by hand.
  const rest: OnnxModel = { ...model };
  delete rest.graph;
  const { initializer = [], ...graphRest } = graph;
  const parts: Uint8Array[] = [modelType.encode(modelType.fromObject(rest)).finish()];
  const graphParts: Uint8Array[] = [graphType.encode(graphType.fromObject(graphRest)).finish()];
  for (const tensor of initializer) {
    const { raw_data, ...tensorRest } = tensor;
    const tensorParts = [tensorType.encode(tensorType.fromObject(tensorRest)).finish()];
    if (raw_data && raw_data.length) tensorParts.push(fieldHeader(tensorRawDataField, raw_data.length), raw_data);
    const tensorLength = totalLength(tensorParts);
    graphParts.push(fieldHeader(graphInitializerField, tensorLength), ...tensorParts);
  }
  parts.push(fieldHeader(modelGraphField, totalLength(graphParts)), ...graphParts);
  const out = new Uint8Array(totalLength(parts));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function totalLength(parts: Uint8Array[]): number {
  return parts.reduce((sum, part) => sum + part.length, 0);
}

/** The key and length of a length-delimited field (wire type 2). */
function fieldHeader(field: number, length: number): Uint8Array {
  const bytes = [(field << 3) | 2];
  let value = length;
  // Lengths stay below 2^53; division keeps them exact past 2^32, where bit operations would not.
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 128;
    bytes.push(byte);
  } while (value > 0);
  return Uint8Array.from(bytes);
}

/** The schema itself, for tests that compare it with `onnx.proto`. */
export function onnxSchemaJson(): unknown {
  return root.toJSON();
}
