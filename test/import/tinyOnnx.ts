/**
 * A small ONNX model written with the project's own encoder, for tests that
 * run without Python (the extension host): conv 3→4 (3x3, padding 1) with
 * bias, ReLU, global average pooling, Flatten, and Gemm to 2 classes with
 * transB, as torch writes a classifier.
 */
import { encodeOnnxModel, OnnxDataType, OnnxAttributeType, type OnnxTensor } from '../../src/core/onnx/schema';

function floats(name: string, dims: number[]): OnnxTensor {
  const count = dims.reduce((a, b) => a * b, 1);
  const values = Float32Array.from({ length: count }, (_, i) => Math.sin(i + 1) / 4);
  return { name, dims, data_type: OnnxDataType.FLOAT, raw_data: new Uint8Array(values.buffer) };
}

const ints = (name: string, values: number[]) => ({ name, type: OnnxAttributeType.INTS, ints: values });

/** The bytes of the model; its input is 3x8x8 and it has 4·3·9 + 4 + 2·4 + 2 = 122 parameters. */
export function tinyOnnxModel(): Uint8Array {
  return encodeOnnxModel({
    ir_version: 8,
    opset_import: [{ domain: '', version: 13 }],
    producer_name: 'cnn-lens-test',
    graph: {
      name: 'tiny',
      input: [{ name: 'image', type: { tensor_type: { elem_type: OnnxDataType.FLOAT, shape: { dim: [{ dim_value: 1 }, { dim_value: 3 }, { dim_value: 8 }, { dim_value: 8 }] } } } }],
      output: [{ name: 'logits', type: { tensor_type: { elem_type: OnnxDataType.FLOAT, shape: { dim: [{ dim_value: 1 }, { dim_value: 2 }] } } } }],
      initializer: [floats('conv.weight', [4, 3, 3, 3]), floats('conv.bias', [4]), floats('fc.weight', [2, 4]), floats('fc.bias', [2])],
      node: [
        {
          name: '/conv/Conv',
          op_type: 'Conv',
          input: ['image', 'conv.weight', 'conv.bias'],
          output: ['c'],
          attribute: [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1]), ints('strides', [1, 1])],
        },
        { name: '/relu/Relu', op_type: 'Relu', input: ['c'], output: ['r'] },
        { name: '/pool/GlobalAveragePool', op_type: 'GlobalAveragePool', input: ['r'], output: ['p'] },
        { name: '/Flatten', op_type: 'Flatten', input: ['p'], output: ['f'], attribute: [{ name: 'axis', type: OnnxAttributeType.INT, i: 1 }] },
        { name: '/fc/Gemm', op_type: 'Gemm', input: ['f', 'fc.weight', 'fc.bias'], output: ['logits'], attribute: [{ name: 'transB', type: OnnxAttributeType.INT, i: 1 }] },
      ],
    },
  });
}
