// Round trip with export: every network the ONNX export writes (each example,
// golden file and engine parity network) comes back from `cnn import` as a
// `.cnn` file with the same analysis: both parameter counts, the output shape,
// the MACs, and the output shape and parameters of every layer that holds
// weights, in order. Needs no Python: export and import are both the project's.
import { strict as assert } from 'node:assert';
import { analyze } from '../../src/core/index';
import { importModelFile } from '../../src/core/import';
import { exportSource, isExportFailure } from '../../src/core/export/network';
import { writeOnnx } from '../../src/core/export/onnx';
import { writePytorch } from '../../src/core/export/pytorch';
import { encodeOnnxModel } from '../../src/core/onnx/schema';
import { heInitialization } from '../../webview/src/engine/weights';
import { exportCases } from '../export/exportCases';

/**
 * Cases the ONNX export writes but import cannot read back, with the reason
 * import gives. A case that comes to import must leave this list, or its test
 * fails.
 */
const NOT_YET_IMPORTED: Record<string, RegExp> = {};

/** Cases the ONNX export itself refuses (so there is nothing to import), with its reason. */
const NOT_EXPORTED_TO_ONNX: Record<string, RegExp> = {
  'parity:threeD': /lrn\(2\): ONNX export cannot express lrn with an even size/,
};

/**
 * The layers that hold weights, in order: op, output shape and both counts.
 * `depthwise_conv(k, multiplier=m)` is `conv(C·m, k, groups=C)` by the
 * language's definition, and ONNX writes both as one grouped Conv, so the two
 * names are one op here.
 */
function weightedLayers(text: string): string[] {
  const analysis = analyze(text, { graph: true });
  const graph = analysis.graphs![0];
  return graph.nodes
    .filter((n) => n.params.trainable + n.params.nonTrainable > 0)
    .map((n) => `${n.op === 'depthwise_conv' ? 'conv' : n.op} ${n.outShape.join('x')} ${n.params.trainable}+${n.params.nonTrainable}`);
}

describe('round trip: .cnn → ONNX (cnn export) → .cnn (cnn import)', function () {
  // VGG-16's 138 million weights are encoded and imported in memory.
  this.timeout(300_000);
  for (const testCase of exportCases()) {
    it(`${testCase.title}: the same counts, output shape, MACs and weighted layers`, function () {
      const source = exportSource(testCase.text, testCase.network);
      if (isExportFailure(source)) throw new Error(source.failure);
      const pytorch = writePytorch(source);
      const onnx = writeOnnx(source, heInitialization(source.graph, 1), isExportFailure(pytorch) ? undefined : pytorch.modulePaths);
      const refused = NOT_EXPORTED_TO_ONNX[testCase.title];
      if (refused) {
        assert.ok(isExportFailure(onnx), 'the ONNX export now writes this case: take it off NOT_EXPORTED_TO_ONNX');
        assert.match(onnx.failure, refused);
        return;
      }
      if (isExportFailure(onnx)) throw new Error(`export failed: ${onnx.failure}`);
      const result = importModelFile(encodeOnnxModel(onnx), { fileName: 'roundtrip.onnx', networkName: testCase.network });
      const expectedFailure = NOT_YET_IMPORTED[testCase.title];
      if (expectedFailure) {
        assert.ok(!result.ok, 'this case now imports: take it off NOT_YET_IMPORTED');
        assert.match(result.message, expectedFailure);
        return;
      }
      if (!result.ok) assert.fail(`import failed: ${result.message}${result.kind === 'inexpressible' ? `\n${result.partialText}` : ''}`);
      const original = source.network;
      const imported = analyze(result.model.text).networks[0];
      assert.deepEqual(
        { trainable: imported.params.trainable, nonTrainable: imported.params.nonTrainable, output: imported.output, macs: imported.macs },
        { trainable: original.params.trainable, nonTrainable: original.params.nonTrainable, output: original.output, macs: original.macs },
      );
      const originalText = testCase.text;
      // Only the first network's graph is built; a file's later networks are compared by their totals above.
      if (testCase.first) assert.deepEqual(weightedLayers(result.model.text), weightedLayers(originalText));
    });
  }
});
