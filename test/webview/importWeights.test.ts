/**
 * Imported weights in the preview's engine: torchvision models exported to
 * ONNX with random weights (batch-norm statistics and affine terms random
 * too; batch norm kept, and folded into the convolutions), imported with `cnn import`'s core, their weights written as
 * safetensors and read by the panel's "Load weights…" loader in headless
 * Chromium, give torch's output for the same input.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importModelFile } from '../../src/core/import';
import { encodeSafetensors } from '../../src/core/safetensors';
import { repoRoot } from '../helpers';
import { exported, torchFormExports, torchForms, type TorchFormFacts, type TorchRun } from '../import/fixtures';
import { requirePython } from '../python';
import { callPage, firstDifference, useWasmEnginePage } from './engineFixtures';

/**
 * Every torchvision model the import is tested on, at small input sizes:
 * residual nets, depthwise convolutions with ReLU6 and inverted residuals,
 * fire modules, dense concatenations, inception branches and
 * squeeze-excitation gates with SiLU.
 */
const models: [string, number][] = [
  ['resnet18', 32],
  ['resnet50', 32],
  ['mobilenet_v2', 32],
  ['squeezenet1_0', 64],
  ['densenet121', 32],
  ['googlenet', 64],
  ['efficientnet_b0', 32],
];

describe('imported weights in the preview engine', function () {
  this.timeout(900_000);
  let dir = '';
  let runs: Record<string, TorchRun> = {};
  // Served by the test server, which serves the repository; out/ is build output.
  const served = join(repoRoot, 'out', 'import-weights');
  before(async function () {
    requirePython(this, ['torch', 'torchvision', 'onnx']);
    const exports = exported(
      models.map(([name, size]) => `${name}:${size}:random`),
      'parity',
    );
    dir = exports.dir;
    runs = exports.report as Record<string, TorchRun>;
    mkdirSync(served, { recursive: true });
  });
  const engine = useWasmEnginePage();

  // The language v1.1 forms and the written-out norms and activations, as torch.onnx.export writes them (opset 13).
  for (const [name] of torchForms) {
    it(`${name} (torch's ONNX at opset 13): the engine with the imported weights gives torch's output within 1e-4`, async function () {
      const { dir: formsDir, facts } = torchFormExports();
      const key = `${name}.opset13`;
      const result = importModelFile(readFileSync(join(formsDir, `${key}.onnx`)), { fileName: `${key}.onnx` });
      assert.ok(result.ok, result.ok ? '' : result.message);
      const tensors = result.model.tensors.map((t) => ({ name: t.key, shape: t.tensor.shape, data: t.tensor.read() }));
      writeFileSync(join(served, `${key}.safetensors`), encodeSafetensors(tensors));
      const torch: TorchFormFacts = facts[key];
      const reply = await callPage(engine.page, 'runWithWeightFile', result.model.text, `${engine.serverUrl}/out/import-weights/${key}.safetensors`, torch.input);
      assert.ok(reply.ok, reply.ok ? '' : reply.error);
      const problem = firstDifference(reply.outputs[reply.outputNode].data, torch.values);
      assert.equal(problem, undefined, problem);
    });
  }

  for (const [name, form, file] of models.flatMap(([name]) => [
    [name, 'batch norm kept', `${name}.random.onnx`],
    [name, 'batch norm folded', `${name}.random.folded.onnx`],
  ])) {
    it(`${name} (${form}): the engine with the imported weights gives torch's output within 1e-4`, async () => {
      const result = importModelFile(readFileSync(join(dir, file)), { fileName: `${name}.onnx` });
      assert.ok(result.ok, result.ok ? '' : result.message);
      const tensors = result.model.tensors.map((t) => ({ name: t.key, shape: t.tensor.shape, data: t.tensor.read() }));
      writeFileSync(join(served, `${file}.safetensors`), encodeSafetensors(tensors));
      const torch = runs[`${name}.random`];
      const reply = await callPage(engine.page, 'runWithWeightFile', result.model.text, `${engine.serverUrl}/out/import-weights/${file}.safetensors`, torch.input);
      assert.ok(reply.ok, reply.ok ? '' : reply.error);
      const problem = firstDifference(reply.outputs[reply.outputNode].data, torch.output);
      assert.equal(problem, undefined, problem);
    });
  }
});
