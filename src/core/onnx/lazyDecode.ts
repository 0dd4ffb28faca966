/**
 * Decoding an ONNX file without holding its weights: the model's structure
 * (nodes, inputs, small tensors) is decoded by protobufjs, while each large
 * initializer's `raw_data` is left in the file and read only when asked for.
 * ResNet-152's file is 240 MB, of which the structure is well under 1 MB, so
 * an import that writes no weights reads almost nothing, and one that writes
 * them reads each tensor once, on its way out.
 *
 * protobuf lets a message be the concatenation of its fields in any order, so
 * the walk below only frames fields with protobufjs's `Reader` (tag, length,
 * skip): the model's fields other than the graph, the graph's fields other
 * than its initializers, and each initializer's fields other than `raw_data`
 * are gathered and decoded by protobufjs as messages of their own type.
 */
import protobuf from 'protobufjs';
import { decodeOnnxMessage, type OnnxGraph, type OnnxModel, type OnnxTensor } from './schema';

/** Random access to a file's bytes: the whole file in memory, or reads from disk by the caller. */
export interface ByteSource {
  readonly byteLength: number;
  /** `length` bytes from `offset`. May be a view into a larger buffer: do not write to it. */
  read(offset: number, length: number): Uint8Array;
}

/** A source over bytes already in memory; reads are views, never copies. */
export function bytesSource(bytes: Uint8Array): ByteSource {
  return { byteLength: bytes.byteLength, read: (offset, length) => bytes.subarray(offset, offset + length) };
}

/** Field numbers from onnx.proto: ModelProto.graph, GraphProto.initializer, TensorProto.raw_data. */
const modelGraphField = 7;
const graphInitializerField = 5;
const tensorRawDataField = 9;

/** `raw_data` up to this size is read at once: shape constants and per-channel vectors that the importer inspects. */
const inlineRawBytes = 64 * 1024;

/**
 * How much of a source is read at a time while walking the structure: a large
 * window while reading on (the nodes), a small one after a jump over skipped
 * bytes (an initializer's header, just past the previous one's weights).
 */
const sequentialWindowBytes = 1 << 20;
const jumpWindowBytes = 4096;

/** A field's place in the file: its first byte (the tag), where its value starts and where it ends. */
interface FieldSpan {
  field: number;
  start: number;
  valueStart: number;
  end: number;
}

/** Reads field frames from a source through a sliding window, so that walking a file does not read its skipped values. */
class FieldWalker {
  private window: Uint8Array = new Uint8Array(0);
  private windowStart = -1;

  constructor(private readonly source: ByteSource) {}

  /** The bytes [offset, offset + length), from the window when it holds them. */
  bytes(offset: number, length: number): Uint8Array {
    if (offset < this.windowStart || offset + length > this.windowStart + this.window.length) {
      const sequential = offset >= this.windowStart && offset <= this.windowStart + this.window.length;
      const size = Math.min(Math.max(length, sequential ? sequentialWindowBytes : jumpWindowBytes), this.source.byteLength - offset);
      this.window = this.source.read(offset, size);
      this.windowStart = offset;
    }
    return this.window.subarray(offset - this.windowStart, offset - this.windowStart + length);
  }

  /** The fields of the message spanning [start, end), in file order. */
  fields(start: number, end: number): FieldSpan[] {
    const spans: FieldSpan[] = [];
    let at = start;
    while (at < end) {
      // A tag and a length are at most 10 bytes each; fixed-size values at most 8.
      const head = this.bytes(at, Math.min(20, end - at));
      const reader = protobuf.Reader.create(head);
      const tag = reader.uint32();
      const field = tag >>> 3;
      const wireType = tag & 7;
      if (field === 0) throw new Error(`invalid protobuf field 0 at byte ${at}`);
      let valueStart: number;
      let fieldEnd: number;
      if (wireType === 2) {
        const length = reader.uint32();
        valueStart = at + reader.pos;
        fieldEnd = valueStart + length;
      } else if (wireType === 0 || wireType === 1 || wireType === 5) {
        valueStart = at + reader.pos;
        reader.skipType(wireType);
        fieldEnd = at + reader.pos;
      } else throw new Error(`invalid wire type ${wireType} at byte ${at}`);
      if (fieldEnd > end) throw new Error(`field ${field} at byte ${at} runs past the end of its message (byte ${end})`);
      spans.push({ field, start: at, valueStart, end: fieldEnd });
      at = fieldEnd;
    }
    return spans;
  }

  /** The bytes of the given fields, concatenated (a message of those fields only). */
  gather(spans: FieldSpan[]): Uint8Array {
    const out = new Uint8Array(spans.reduce((sum, s) => sum + s.end - s.start, 0));
    let at = 0;
    for (const span of spans) {
      out.set(this.bytes(span.start, span.end - span.start), at);
      at += span.end - span.start;
    }
    return out;
  }
}

/**
 * Decodes an ONNX model from a source, leaving large initializers' bytes in
 * it: their `raw_data` is a property that reads them from the source each
 * time it is used (a view when the source is in memory). Throws on bytes that
 * are not a ModelProto; callers turn the error into a message.
 */
export function decodeOnnxModelLazily(source: ByteSource): OnnxModel {
  const walker = new FieldWalker(source);
  const modelFields = walker.fields(0, source.byteLength);
  const graphSpan = modelFields.filter((s) => s.field === modelGraphField).pop();
  const model = decodeOnnxMessage('model', walker.gather(modelFields.filter((s) => s.field !== modelGraphField))) as OnnxModel;
  if (!graphSpan) return model;
  const graphFields = walker.fields(graphSpan.valueStart, graphSpan.end);
  const graph = decodeOnnxMessage('graph', walker.gather(graphFields.filter((s) => s.field !== graphInitializerField))) as OnnxGraph;
  const initializers: OnnxTensor[] = [];
  for (const span of graphFields) {
    if (span.field !== graphInitializerField) continue;
    const tensorFields = walker.fields(span.valueStart, span.end);
    const tensor = decodeOnnxMessage('tensor', walker.gather(tensorFields.filter((s) => s.field !== tensorRawDataField))) as OnnxTensor;
    const raw = tensorFields.filter((s) => s.field === tensorRawDataField).pop();
    if (raw) {
      const offset = raw.valueStart;
      const length = raw.end - raw.valueStart;
      if (length <= inlineRawBytes) {
        // A copy of its own, aligned for float views (a Node Buffer's `slice` would be a view of the window).
        tensor.raw_data = new Uint8Array(length);
        tensor.raw_data.set(walker.bytes(offset, length));
      } else Object.defineProperty(tensor, 'raw_data', { get: () => source.read(offset, length), enumerable: true });
    }
    initializers.push(tensor);
  }
  if (initializers.length) graph.initializer = initializers;
  model.graph = graph;
  return model;
}
