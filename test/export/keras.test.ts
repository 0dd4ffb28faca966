/**
 * Keras export, checked by running it: every case is exported with the
 * preview's seeded weights and loaded by tfjs-layers in Node
 * (tf.loadLayersModel over the files' bytes, on tfjs's WASM backend). Its parameter count must be
 * the analysis's total, and its output must be PyTorch's for the exported
 * PyTorch module on the same weights and input, after moving the channels
 * last. A network tfjs-layers cannot express must fail with the line and op;
 * which ones do is listed here, so a new failure is a test failure.
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { isExportFailure } from '../../src/core/export/network';
import { writeKeras, type KerasExport } from '../../src/core/export/keras';
import { heInitialization } from '../../webview/src/engine/weights';
import { requirePython } from '../python';
import { useWasmBackend } from '../tfjsNode';
import { exportCases, outputDifference, torchRuns, type TorchRun } from './exportCases';

/** Cases tfjs-layers cannot hold, and the op that stops each (tfjs-layers has no such layer). */
const UNSUPPORTED: Record<string, RegExp> = {
  'examples/audio1d.cnn': /^line 30: log_softmax .*the op 'log_softmax'/,
  'examples/deeplabv3.cnn': /^line 77: upsample\(like=features, mode="bilinear"\).*upsampling other than 2-D nearest by whole factors/,
  'examples/shufflenet_v2.cnn': /^line 23: slice\(0, c \/ 2\).*slicing channels/,
  'examples/tcn.cnn': /^line 26: conv\(25, 7, padding="causal"\).*explicit padding on a 1-D map/,
  'examples/video3d.cnn': /^line 33: maxpool3d\(2, padding=\(0, 1, 1\)\).*explicit padding on a 3-D map/,
  'test/data/diagnostics/dense-on-spatial.cnn': /^line 3: dense\(10\).*dense on a map with axes/,
  'parity:convolutions2d': /^line 3: conv\(8, 3, padding=1, groups=2\).*grouped convolution/,
  'parity:pools2d': /^line 3: maxpool\(3, stride=2, padding=1, ceil_mode=true\).*ceil_mode/,
  'parity:normalization': /^line 5: groupnorm\(4\).*the op 'groupnorm'/,
  'parity:activations': /^line 13: hardswish.*the op 'hardswish'/,
  'parity:merges': /^line 21: dense\(3\).*dense on a map with axes/,
  'parity:channels': /^line 5: slice\(2, 14\).*slicing channels/,
  'parity:causal1d': /^line 3: conv\(8, 3, padding="causal", dilation=2\).*explicit padding on a 1-D map/,
  'export:shuffle3d': /^line 6: layer_scale: .*layer_scale on a 3-D map/,
  'export:blocks11': /^line 3: slice\(0, c \/ 2\).*slicing channels/,
  'parity:oneD': /^line 3: conv\(6, 5, stride=2, padding=2, groups=3\).*grouped convolution/,
  'parity:threeD': /^line 3: conv\(4, 3, padding=1, groups=2\).*grouped convolution/,
};

/** Channels-first values of `shape` moved to channels-last order. */
function channelsLast(values: number[], shape: number[]): number[] {
  if (shape.length < 2) return values;
  const channels = shape[0];
  const positions = values.length / channels;
  const out = new Array<number>(values.length);
  for (let c = 0; c < channels; c++) for (let p = 0; p < positions; p++) out[p * channels + c] = values[c * positions + p];
  return out;
}

describe('export to Keras (tfjs-layers), loaded and run by tfjs', function () {
  this.timeout(900_000);
  const cases = exportCases();
  let runs: TorchRun[] = [];

  before(async function () {
    requirePython(this, ['torch', 'numpy']);
    await useWasmBackend();
    this.timeout(3_600_000);
    runs = torchRuns();
  });

  for (const testCase of cases) {
    describe(testCase.title, () => {
      let run: TorchRun;
      let exported: KerasExport | { failure: string };
      beforeEach(() => {
        run = runs.find((r) => r.testCase.title === testCase.title)!;
        exported = writeKeras(run.source, heInitialization(run.source.graph, 1));
      });

      const expected = Object.entries(UNSUPPORTED).find(([title]) => testCase.title === title)?.[1];
      if (expected) {
        it('fails with the line and the op tfjs-layers lacks', () => {
          assert.ok(isExportFailure(exported), 'the export fails');
          assert.match(exported.failure, expected);
        });
        return;
      }

      it("loads in tfjs-layers with the analysis's parameter count and computes PyTorch's output", async function () {
        if (isExportFailure(exported)) assert.fail(exported.failure);
        const keras = exported as KerasExport;
        const model = await tf.loadLayersModel(
          tf.io.fromMemory({
            modelTopology: (keras.modelJson as { modelTopology: object }).modelTopology,
            weightSpecs: (keras.modelJson as { weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] }).weightsManifest[0].weights,
            weightData: keras.shard.slice().buffer,
          }),
        );
        const network = run.source.network;
        assert.equal(model.countParams(), network.params.trainable + network.params.nonTrainable);
        if (!run.report || run.report.error) this.skip();
        const shape = network.input!;
        const input = tf.tensor(channelsLast(run.input, shape), [1, ...shape.slice(1), shape[0]]);
        const output = model.predict(input) as tf.Tensor;
        const values = Array.from(await output.data());
        assert.deepEqual(output.shape, [1, ...network.output!.slice(1), ...network.output!.slice(0, 1)]);
        const problem = outputDifference(values, channelsLast(run.report.output, network.output!));
        assert.equal(problem, undefined, problem);
        tf.dispose([input, output]);
        model.dispose();
      });
    });
  }
});
