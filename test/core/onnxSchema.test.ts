// The ONNX schema module against ONNX itself: the descriptor is the published
// onnx.proto, a file torch writes decodes to the graph torch describes, and a
// model we encode passes onnx's full checker.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { decodeOnnxModel, encodeOnnxModel, OnnxAttributeType, OnnxDataType, onnxSchemaJson } from '../../src/core/onnx/schema';
import { requirePython, runPython } from '../python';

describe('ONNX schema (protobufjs over onnx.proto)', function () {
  let dir = '';
  before(function () {
    dir = mkdtempSync(join(tmpdir(), 'cnn-onnx-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the descriptor is exactly onnx.proto', function () {
    const parsed = protobuf.parse(readFileSync('src/core/onnx/onnx.proto', 'utf8'), { keepCase: true }).root;
    assert.equal(JSON.stringify(onnxSchemaJson()), JSON.stringify(parsed.toJSON()));
  });

  describe('with torch and onnx', function () {
    before(function () {
      this.timeout(60_000);
      requirePython(this, ['torch', 'onnx']);
    });

    it('decodes a model torch.onnx.export wrote, weights as views into the file', function () {
      this.timeout(120_000);
      const path = join(dir, 'small.onnx');
      runPython(
        `import sys, torch
torch.manual_seed(0)
m = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(8*6*6, 5)).eval()
torch.onnx.export(m, torch.zeros(1, 3, 6, 6), sys.argv[1], input_names=['input'], output_names=['output'], opset_version=13)`,
        [path],
      );
      const bytes = readFileSync(path);
      const model = decodeOnnxModel(bytes);
      const graph = model.graph!;
      assert.deepEqual(
        graph.node!.map((n) => n.op_type),
        ['Conv', 'Relu', 'Flatten', 'Gemm'],
      );
      assert.equal(model.opset_import!.find((o) => !o.domain)!.version, 13);
      assert.equal(graph.input![0].name, 'input');
      assert.deepEqual(
        graph.input![0].type!.tensor_type!.shape!.dim!.map((d) => d.dim_value),
        [1, 3, 6, 6],
      );
      const dims = Object.fromEntries(graph.initializer!.map((t) => [t.name, t.dims]));
      assert.deepEqual(dims['0.weight'], [8, 3, 3, 3]);
      assert.deepEqual(dims['3.weight'], [5, 288]);
      const conv = graph.node![0];
      assert.deepEqual(conv.attribute!.find((a) => a.name === 'pads')!.ints, [1, 1, 1, 1]);
      const weight = graph.initializer!.find((t) => t.name === '0.weight')!;
      assert.equal(weight.data_type, OnnxDataType.FLOAT);
      assert.equal(weight.raw_data!.byteLength, 8 * 3 * 3 * 3 * 4);
      assert.equal(weight.raw_data!.buffer, bytes.buffer, 'raw_data is a view into the file, not a copy');
    });

    it('encodes a model that onnx loads and fully checks', function () {
      this.timeout(60_000);
      const weight = new Float32Array([1, 2, 3, 4]);
      const bytes = encodeOnnxModel({
        ir_version: 8,
        opset_import: [{ domain: '', version: 13 }],
        producer_name: 'cnn-lens-test',
        graph: {
          name: 'g',
          input: [{ name: 'input', type: { tensor_type: { elem_type: OnnxDataType.FLOAT, shape: { dim: [{ dim_param: 'N' }, { dim_value: 1 }, { dim_value: 4 }, { dim_value: 4 }] } } } }],
          output: [{ name: 'output', type: { tensor_type: { elem_type: OnnxDataType.FLOAT, shape: { dim: [{ dim_param: 'N' }, { dim_value: 1 }, { dim_value: 3 }, { dim_value: 3 }] } } } }],
          initializer: [{ name: 'w', dims: [1, 1, 2, 2], data_type: OnnxDataType.FLOAT, raw_data: new Uint8Array(weight.buffer) }],
          node: [{ name: 'conv', op_type: 'Conv', input: ['input', 'w'], output: ['output'], attribute: [{ name: 'kernel_shape', type: OnnxAttributeType.INTS, ints: [2, 2] }] }],
        },
      });
      const path = join(dir, 'encoded.onnx');
      writeFileSync(path, bytes);
      const out = runPython(
        `import sys, onnx
from onnx import numpy_helper
m = onnx.load(sys.argv[1])
onnx.checker.check_model(m, full_check=True)
onnx.shape_inference.infer_shapes(m, check_type=True, strict_mode=True)
print(m.graph.node[0].op_type, list(numpy_helper.to_array(m.graph.initializer[0]).ravel()))`,
        [path],
      );
      assert.equal(out.trim(), 'Conv [1.0, 2.0, 3.0, 4.0]');
    });
  });
});
