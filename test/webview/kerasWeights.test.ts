/**
 * A `.keras` archive's weights in the preview's engine: Keras 3 archives
 * written from PyTorch models (a Sequential CNN with batch norm, pooling,
 * Flatten and Dense; a functional one with a skip connection, depthwise and
 * separable convolutions), imported by `cnn import --weights-out`, and the
 * written safetensors read by the panel's "Load weights…" loader in headless
 * Chromium, give torch's output for the same input. The same for tfjs-layers
 * model.json files with their weight shards, against tfjs's own output.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { repoRoot, runCli } from '../helpers';
import { kerasArchiveModels, kerasArchives, type KerasArchiveFacts } from '../import/kerasFixtures';
import { functionalWithSkip, savedModel, sequentialCnn } from '../import/tfjsModels';
import { requirePython } from '../python';
import { callPage, firstDifference, useWasmEnginePage } from './engineFixtures';

describe('a .keras archive’s weights in the preview engine', function () {
  this.timeout(300_000);
  let dir = '';
  let facts: Record<string, KerasArchiveFacts> = {};
  // Served by the test server, which serves the repository; out/ is build output.
  const served = join(repoRoot, 'out', 'keras-weights');
  before(async function () {
    requirePython(this, ['torch', 'h5py']);
    ({ dir, facts } = kerasArchives());
    mkdirSync(served, { recursive: true });
  });
  const engine = useWasmEnginePage();

  for (const name of kerasArchiveModels) {
    it(`${name}: the imported .cnn with the written weights gives torch's output within 1e-4`, async () => {
      const cnn = join(served, `${name}.cnn`);
      const run = runCli(['import', join(dir, `${name}.keras`), '-o', cnn, '--weights-out', join(served, `${name}.safetensors`)]);
      assert.equal(run.code, 0, run.stderr);
      const torch = facts[name];
      const reply = await callPage(engine.page, 'runWithWeightFile', readFileSync(cnn, 'utf8'), `${engine.serverUrl}/out/keras-weights/${name}.safetensors`, torch.input);
      assert.ok(reply.ok, reply.ok ? '' : reply.error);
      const problem = firstDifference(reply.outputs[reply.outputNode].data, torch.output);
      assert.equal(problem, undefined, problem);
    });
  }

  for (const [title, build] of [
    ['a Sequential CNN', sequentialCnn],
    ['a functional model with a skip connection and a concatenation', functionalWithSkip],
  ] as const) {
    it(`tfjs model.json, ${title}: the imported .cnn with the shard's weights gives tfjs's output within 1e-4`, async () => {
      const model = build();
      // Weights away from tfjs's initial ones, so batch norm's statistics and every bias count; small
      // enough that the Sequential model's softmax does not saturate (which would hide wrong weights).
      model.setWeights(
        model.weights.map((w, i) =>
          w.name.includes('moving_variance') ? tf.randomUniform(w.shape as number[], 0.5, 1.5, 'float32', i) : tf.randomUniform(w.shape as number[], -0.2, 0.2, 'float32', i),
        ),
      );
      const { json, shard } = await savedModel(model);
      const folder = join(served, model.name);
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, 'model.json'), json);
      writeFileSync(join(folder, 'group1-shard1of1.bin'), shard);
      const cnn = join(folder, `${model.name}.cnn`);
      const run = runCli(['import', join(folder, 'model.json'), '-o', cnn, '--weights-out', join(folder, 'weights.safetensors')]);
      assert.equal(run.code, 0, run.stderr);
      // tfjs takes channels last; the engine channels first.
      const [height, width, channels] = model.inputs[0].shape.slice(1) as number[];
      const channelsLast = tf.randomUniform([1, height, width, channels], -1, 1, 'float32', 11);
      const channelsFirst = Array.from(await channelsLast.transpose([0, 3, 1, 2]).data());
      const expected = Array.from(await (model.predict(channelsLast) as tf.Tensor).data());
      const reply = await callPage(engine.page, 'runWithWeightFile', readFileSync(cnn, 'utf8'), `${engine.serverUrl}/out/keras-weights/${model.name}/weights.safetensors`, channelsFirst);
      assert.ok(reply.ok, reply.ok ? '' : reply.error);
      const problem = firstDifference(reply.outputs[reply.outputNode].data, expected);
      assert.equal(problem, undefined, problem);
      model.dispose();
    });
  }
});
