/**
 * What the ONNX converter and its pattern files share: the values known while
 * converting (a computed tensor, a weight, a small constant), attribute
 * readers, and the context a pattern file is handed to read the graph and
 * add layers. Each pattern (`onnx*.ts`) recognises one form an exporter
 * writes, looking ahead from its first node, and absorbs the nodes it used.
 */
import { halfToFloat } from '../arrays';
import { OnnxDataType, type OnnxAttribute, type OnnxModel, type OnnxNode, type OnnxTensor } from '../onnx/schema';
import type { ImportedLayer, ImportedTensor, LayerArg } from './layers';

/** A value known while converting: a tensor some layer computes, a weight from the file, or a small constant. */
export type Value = { kind: 'layer'; id: number } | { kind: 'weight'; tensor: OnnxTensor } | { kind: 'constant'; dims: number[]; values: number[] };

/** Thrown inside the converter only, and turned into an ImportProblem at its edge. */
export class Unsupported extends Error {
  constructor(
    readonly node: OnnxNode,
    message: string,
  ) {
    super(message);
  }
}

/** The values of a float tensor in row-major order; a view into the file when its bytes are aligned. */
export function floatsOf(tensor: OnnxTensor): Float32Array {
  const type = tensor.data_type ?? OnnxDataType.FLOAT;
  const raw = tensor.raw_data;
  if (raw && raw.byteLength) {
    if (type === OnnxDataType.FLOAT) {
      if (raw.byteOffset % 4 === 0) return new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
      // A copy (not `slice`, which on a Node Buffer is a view of the whole file).
      const copy = new Uint8Array(raw.byteLength);
      copy.set(raw);
      return new Float32Array(copy.buffer);
    }
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    if (type === OnnxDataType.DOUBLE) return Float32Array.from({ length: raw.byteLength / 8 }, (_, i) => view.getFloat64(i * 8, true));
    if (type === OnnxDataType.FLOAT16) return Float32Array.from({ length: raw.byteLength / 2 }, (_, i) => halfToFloat(view.getUint16(i * 2, true)));
  }
  if (tensor.float_data?.length) return Float32Array.from(tensor.float_data);
  if (tensor.double_data?.length) return Float32Array.from(tensor.double_data);
  return new Float32Array(0);
}

/** The values of an integer or float tensor as plain numbers (shape constants are small). */
export function numbersOf(tensor: OnnxTensor): number[] {
  const type = tensor.data_type ?? OnnxDataType.FLOAT;
  const raw = tensor.raw_data;
  if (raw && raw.byteLength) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    if (type === OnnxDataType.INT64) return Array.from({ length: raw.byteLength / 8 }, (_, i) => Number(view.getBigInt64(i * 8, true)));
    if (type === OnnxDataType.INT32) return Array.from({ length: raw.byteLength / 4 }, (_, i) => view.getInt32(i * 4, true));
    if (type === OnnxDataType.INT8) return Array.from({ length: raw.byteLength }, (_, i) => view.getInt8(i));
    if (type === OnnxDataType.UINT8 || type === OnnxDataType.BOOL) return Array.from(raw);
    return Array.from(floatsOf(tensor));
  }
  if (tensor.int64_data?.length) return tensor.int64_data.map(Number);
  if (tensor.int32_data?.length) return tensor.int32_data;
  return Array.from(floatsOf(tensor));
}

export function attribute(node: OnnxNode, name: string): OnnxAttribute | undefined {
  return node.attribute?.find((a) => a.name === name);
}

export function intAttr(node: OnnxNode, name: string, fallback: number): number {
  const a = attribute(node, name);
  return a?.i !== undefined ? Number(a.i) : fallback;
}

export function floatAttr(node: OnnxNode, name: string, fallback: number): number {
  const a = attribute(node, name);
  return a?.f !== undefined ? a.f : fallback;
}

export function intsAttr(node: OnnxNode, name: string): number[] | undefined {
  const a = attribute(node, name);
  return a?.ints?.length ? a.ints.map(Number) : undefined;
}

export function stringAttr(node: OnnxNode, name: string): string | undefined {
  const a = attribute(node, name);
  return a?.s ? new TextDecoder().decode(a.s) : undefined;
}

/** An integer attribute list written as one number when every axis agrees, else as a tuple. */
export function spatialArg(values: number[]): number | number[] {
  return values.every((v) => v === values[0]) ? values[0] : values;
}

/** What a pattern file may ask of the conversion in progress. */
export interface OnnxContext {
  model: OnnxModel;
  /** The layers converted so far, by id. */
  layers: ImportedLayer[];
  /** The value of a node's input `index`. */
  value(node: OnnxNode, index: number): Value;
  /** The value a name holds, if it is known yet. */
  valueNamed(name: string): Value | undefined;
  /** The layer a node's input computes; fails when it is a constant. */
  layerInput(node: OnnxNode, index?: number): ImportedLayer;
  /** A node's input as numbers, when it is a constant or a weight; fails when it is computed from the image. */
  constantInput(node: OnnxNode, index: number): number[] | undefined;
  /** A node's input as a stored tensor; fails when it is computed at run time. */
  weightInput(node: OnnxNode, index: number, what: string): OnnxTensor;
  /** A learned tensor read lazily from `source`, in PyTorch's layout `shape`. */
  tensorOf(source: OnnxTensor, name: string, shape?: number[], trainable?: boolean, convert?: (data: Float32Array) => Float32Array): ImportedTensor;
  /** Adds a layer computing `node`'s first output (or `output`). */
  addLayer(node: OnnxNode, op: string, args: LayerArg[], inputIds: number[], outShape: number[], tensors?: ImportedTensor[], output?: string): ImportedLayer;
  /** Gives the value name `name` the value `to`. */
  define(name: string, to: Value): void;
  /** How many nodes read layer `id`'s output; `Shape` does not count. */
  consumers(id: number): number;
  /** The nodes that read the value `name`, in file order. */
  readers(name: string): OnnxNode[];
  /** The node that computes the value `name`. */
  producer(name: string): OnnxNode | undefined;
  /** Marks nodes a pattern has converted, so that the converter skips them. */
  absorb(...nodes: OnnxNode[]): void;
}

/** The only reader of `node`'s first output when it has exactly one, else undefined. */
export function onlyReader(context: OnnxContext, node: OnnxNode | undefined): OnnxNode | undefined {
  if (!node) return undefined;
  const readers = context.readers(node.output?.[0] ?? '');
  return readers.length === 1 ? readers[0] : undefined;
}

/** A node's input `index` as a constant's numbers, or undefined when it is not a known constant (never fails). */
export function knownConstant(context: OnnxContext, node: OnnxNode, index: number): number[] | undefined {
  const name = node.input?.[index];
  if (!name) return undefined;
  const found = context.valueNamed(name);
  if (found?.kind === 'constant') return found.values;
  if (found?.kind === 'weight' && sizeOfDims(found.tensor) <= 16) return numbersOf(found.tensor);
  return undefined;
}

function sizeOfDims(tensor: OnnxTensor): number {
  return (tensor.dims ?? []).reduce((product: number, d) => product * Number(d), 1);
}

/**
 * A form an exporter writes over several nodes, recognised from its first
 * node: it converts them and returns true, or returns false and changes
 * nothing, so that the node is converted on its own.
 */
export type OnnxPattern = (context: OnnxContext, node: OnnxNode) => boolean;

/** The batch-free shape of the value `name` when a layer computes it. */
export function layerShape(context: OnnxContext, name: string | undefined): number[] | undefined {
  const found = name ? context.valueNamed(name) : undefined;
  return found?.kind === 'layer' ? context.layers[found.id].outShape : undefined;
}
