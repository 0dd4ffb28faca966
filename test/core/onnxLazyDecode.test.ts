// The lazy ONNX decoder against protobufjs's whole-file decode: the same model,
// with large weights read from the source only when asked for.
import { strict as assert } from 'node:assert';
import { bytesSource, decodeOnnxModelLazily, type ByteSource } from '../../src/core/onnx/lazyDecode';
import { decodeOnnxModel, encodeOnnxModel, OnnxAttributeType, OnnxDataType, type OnnxModel, type OnnxTensor } from '../../src/core/onnx/schema';

function floats(name: string, dims: number[]): OnnxTensor {
  const count = dims.reduce((a, b) => a * b, 1);
  const values = Float32Array.from({ length: count }, (_, i) => Math.cos(i) / 8);
  return { name, dims, data_type: OnnxDataType.FLOAT, raw_data: new Uint8Array(values.buffer) };
}

/** Two 3x3 convolutions of 64 channels (147,456 bytes of weights each) with their biases, and a shape constant. */
function model(): Uint8Array {
  const ints = (name: string, values: number[]) => ({ name, type: OnnxAttributeType.INTS, ints: values });
  return encodeOnnxModel({
    ir_version: 8,
    opset_import: [{ domain: '', version: 13 }],
    producer_name: 'cnn-lens-test',
    graph: {
      name: 'two',
      input: [{ name: 'x', type: { tensor_type: { elem_type: OnnxDataType.FLOAT, shape: { dim: [{ dim_value: 1 }, { dim_value: 64 }, { dim_value: 8 }, { dim_value: 8 }] } } } }],
      output: [{ name: 'y', type: { tensor_type: { elem_type: OnnxDataType.FLOAT, shape: { dim: [{ dim_value: 1 }, { dim_value: 4096 }] } } } }],
      initializer: [
        floats('a.weight', [64, 64, 3, 3]),
        floats('a.bias', [64]),
        floats('b.weight', [64, 64, 3, 3]),
        floats('b.bias', [64]),
        { name: 'shape', dims: [2], data_type: OnnxDataType.INT64, int64_data: [1, 4096] },
      ],
      node: [
        { name: 'a', op_type: 'Conv', input: ['x', 'a.weight', 'a.bias'], output: ['h'], attribute: [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1])] },
        { name: 'b', op_type: 'Conv', input: ['h', 'b.weight', 'b.bias'], output: ['g'], attribute: [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1])] },
        { name: 'r', op_type: 'Reshape', input: ['g', 'shape'], output: ['y'] },
      ],
    },
  });
}

/** A source over `bytes` that counts what is read from it. */
function counting(bytes: Uint8Array): ByteSource & { bytesRead: number } {
  const source = {
    byteLength: bytes.byteLength,
    bytesRead: 0,
    read(offset: number, length: number) {
      source.bytesRead += Math.min(length, bytes.byteLength - offset);
      return bytes.slice(offset, offset + length);
    },
  };
  return source;
}

/** The model as plain data, every tensor's bytes materialised (a lazy `raw_data` read once here). */
function plain(m: OnnxModel): unknown {
  return JSON.parse(JSON.stringify(m, (key, value: unknown) => (value instanceof Uint8Array ? Array.from(value) : value)));
}

describe('ONNX lazy decoding (weights left in the file)', function () {
  it('decodes to the same model as protobufjs reading the whole file', function () {
    const bytes = model();
    assert.deepEqual(plain(decodeOnnxModelLazily(bytesSource(bytes))), plain(decodeOnnxModel(bytes)));
    assert.deepEqual(plain(decodeOnnxModelLazily(counting(bytes))), plain(decodeOnnxModel(bytes)));
  });

  it('reads a large weight only when it is used, and then exactly its bytes', function () {
    const bytes = model();
    const source = counting(bytes);
    const decoded = decodeOnnxModelLazily(source);
    const structure = source.bytesRead;
    // 2 x 147,456 bytes of weights; the structure and the biases are a few kilobytes, read in 4 KiB windows.
    assert.ok(bytes.byteLength > 2 * 147_456);
    assert.ok(structure < 0.1 * 2 * 147_456, `the structure alone read ${structure} bytes`);
    const weight = decoded.graph!.initializer!.find((t) => t.name === 'b.weight')!;
    const values = new Float32Array(weight.raw_data!.slice().buffer);
    assert.equal(values.length, 64 * 64 * 9);
    assert.equal(values[10], Math.fround(Math.cos(10) / 8));
    assert.equal(source.bytesRead - structure, 147_456);
  });

  it('keeps large weights as views of bytes already in memory, not copies', function () {
    const bytes = model();
    const weight = decodeOnnxModelLazily(bytesSource(bytes)).graph!.initializer!.find((t) => t.name === 'a.weight')!;
    assert.equal(weight.raw_data!.buffer, bytes.buffer);
  });

  it('refuses a truncated file and bytes that are no protobuf message', function () {
    const bytes = model();
    assert.throws(() => decodeOnnxModelLazily(bytesSource(bytes.subarray(0, bytes.length - 1000))), /runs past the end/);
    assert.throws(() => decodeOnnxModelLazily(bytesSource(new TextEncoder().encode('\u0007\u0007 this is not a model'))), /wire type|field/);
  });
});
