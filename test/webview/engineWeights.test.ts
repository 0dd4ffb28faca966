/**
 * Weight files in headless Chromium: safetensors files written from a real
 * PyTorch model (torch_safetensors.py), and a TensorFlow.js layers model
 * written here in Keras layout. Each must load by statement order and shape,
 * compute what the original model computes, and a wrong shape must be named
 * with its layer, line, expected and actual shape.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PlainWeights } from './pages/engine.api';
import { callPage, firstDifference, useWasmEnginePage, graphOf, seededWeights, torchOutputs, uniform } from './engineFixtures';
import { PYTHON, requirePython } from '../python';

/** The network torch_safetensors.py mirrors, statement by statement. */
const SAFETENSORS_NET = `network Small {
  input(3x8x8)
  conv(4, 3, padding=1)
  batchnorm
  relu
  separable_conv(6, 3)
  flatten
  dense(5)
}
`;

/** A Keras-style network: Conv2D, DepthwiseConv2D, BatchNormalization, Flatten, Dense. */
const KERAS_NET = `network Keras {
  input(3x6x6)
  conv(4, 3, padding=1)
  depthwise_conv(3, multiplier=2)
  batchnorm
  flatten
  dropout(0.25)
  dense(5)
}
`;

/**
 * Rewrites PyTorch-layout tensors into Keras layout, written out index by
 * index from the two layouts' definitions (not with the engine's permute):
 * Conv2D kernel [kh, kw, in, out]; DepthwiseConv2D kernel [kh, kw, in, m]
 * from PyTorch [in·m, 1, kh, kw]; Dense kernel [features, units] whose rows,
 * after a Flatten of an H x W x C image, run over (h, w, c) with c fastest.
 */
function kerasTensors(weights: PlainWeights): { name: string; shape: number[]; data: number[] }[] {
  const conv = weights['1'].weight; // [4, 3, 3, 3]
  const convKernel: number[] = [];
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let c = 0; c < 3; c++) for (let o = 0; o < 4; o++) convKernel.push(conv.data[((o * 3 + c) * 3 + i) * 3 + j]);
  const depth = weights['2'].weight; // [8, 1, 3, 3], output channel c·2 + m
  const depthKernel: number[] = [];
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let c = 0; c < 4; c++) for (let m = 0; m < 2; m++) depthKernel.push(depth.data[((c * 2 + m) * 3 + i) * 3 + j]);
  // Dropout keeps Flatten's order, so the Dense kernel after it is still stored in Keras's flatten order.
  const dense = weights['6'].weight; // [5, 128] over (c=8, h=4, w=4) in PyTorch's flatten order
  const denseKernel: number[] = [];
  for (let h = 0; h < 4; h++) for (let w = 0; w < 4; w++) for (let c = 0; c < 8; c++) for (let o = 0; o < 5; o++) denseKernel.push(dense.data[o * 128 + c * 16 + h * 4 + w]);
  const bn = weights['3'];
  return [
    { name: 'conv2d/kernel', shape: [3, 3, 3, 4], data: convKernel },
    { name: 'conv2d/bias', shape: [4], data: weights['1'].bias.data },
    { name: 'depthwise_conv2d/depthwise_kernel', shape: [3, 3, 4, 2], data: depthKernel },
    { name: 'depthwise_conv2d/bias', shape: [8], data: weights['2'].bias.data },
    { name: 'batch_normalization/gamma', shape: [8], data: bn.weight.data },
    { name: 'batch_normalization/beta', shape: [8], data: bn.bias.data },
    { name: 'batch_normalization/moving_mean', shape: [8], data: bn.running_mean.data },
    { name: 'batch_normalization/moving_variance', shape: [8], data: bn.running_var.data },
    { name: 'dense/kernel', shape: [128, 5], data: denseKernel },
    { name: 'dense/bias', shape: [5], data: weights['6'].bias.data },
  ];
}

/** A model.json and its weights split into two shards mid-tensor, as tfjs writes groups of shards. */
function tfjsModel(tensors: { name: string; shape: number[]; data: number[] }[]): { modelJson: unknown; shards: number[][] } {
  const bytes = Array.from(new Uint8Array(Float32Array.from(tensors.flatMap((t) => t.data)).buffer));
  const cut = 1001; // not a multiple of 4: a float straddles the two shards
  return {
    modelJson: {
      format: 'layers-model',
      generatedBy: 'keras v2.15.0',
      convertedBy: 'TensorFlow.js Converter v4.22.0',
      modelTopology: { class_name: 'Sequential', config: { name: 'sequential', layers: [] } },
      weightsManifest: [{ paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: tensors.map(({ name, shape }) => ({ name, shape, dtype: 'float32' })) }],
    },
    shards: [bytes.slice(0, cut), bytes.slice(cut)],
  };
}

describe('weight files in headless Chromium', function () {
  this.timeout(120_000);
  const engine = useWasmEnginePage();

  describe('safetensors written by PyTorch', function () {
    let dir = '';
    let model: { input: number[]; output: number[] };
    const file = (name: string) => Array.from(readFileSync(join(dir, `${name}.safetensors`)));
    before(function () {
      requirePython(this, ['torch']);
      dir = mkdtempSync(join(tmpdir(), 'cnn-safetensors-'));
      const run = spawnSync(PYTHON, ['test/webview/torch_safetensors.py', dir], { encoding: 'utf8', maxBuffer: 16 << 20 });
      assert.equal(run.status, 0, `torch_safetensors.py failed: ${run.stderr}`);
      model = JSON.parse(run.stdout) as typeof model;
    });
    after(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    // The same model saved in its own (registration) order and in the safetensors library's sorted order.
    for (const [name, order] of [
      ['module_order', 'in state_dict order'],
      ['library_order', "in the safetensors library's name order"],
    ]) {
      it(`loads a file ${order} and computes what the PyTorch model computes`, async () => {
        const loaded = await callPage(engine.page, 'loadSafetensors', SAFETENSORS_NET, file(name));
        assert.ok(loaded.ok, loaded.ok ? '' : loaded.error);
        const reply = await callPage(engine.page, 'run', { source: SAFETENSORS_NET, input: model.input, weights: loaded.weights, keep: [] });
        assert.ok(reply.ok, reply.ok ? '' : reply.error);
        const problem = firstDifference(reply.outputs[reply.outputNode].data, model.output);
        assert.equal(problem, undefined, problem);
      });
    }

    it('names the first mismatch: layer, line, expected and actual shape', async () => {
      const loaded = await callPage(engine.page, 'loadSafetensors', SAFETENSORS_NET, file('wrong_kernel'));
      assert.ok(!loaded.ok && loaded.errorClass === 'WeightLoadError', JSON.stringify(loaded).slice(0, 300));
      assert.match(loaded.error, /layer 1 \(conv\(4, 3, padding=1\) on line 3\)/);
      assert.match(loaded.error, /expects weight 4x3x3x3/);
      assert.match(loaded.error, /'0\.weight' is 4x3x5x5/);
    });
  });

  describe('a TensorFlow.js layers model', function () {
    const graph = graphOf(KERAS_NET);
    const weights = seededWeights(graph, 77);

    it('converts Keras layouts back to exactly the PyTorch tensors', async () => {
      const { modelJson, shards } = tfjsModel(kerasTensors(weights));
      const loaded = await callPage(engine.page, 'loadTfjs', KERAS_NET, modelJson, shards);
      assert.ok(loaded.ok, loaded.ok ? '' : loaded.error);
      assert.deepEqual(loaded.weights, weights);
    });

    it('computes what PyTorch computes with the original tensors', async function () {
      requirePython(this, ['torch']);
      const { modelJson, shards } = tfjsModel(kerasTensors(weights));
      const loaded = await callPage(engine.page, 'loadTfjs', KERAS_NET, modelJson, shards);
      assert.ok(loaded.ok, loaded.ok ? '' : loaded.error);
      const input = uniform(11, 3 * 6 * 6);
      const reply = await callPage(engine.page, 'run', { source: KERAS_NET, input, weights: loaded.weights, keep: [] });
      assert.ok(reply.ok, reply.ok ? '' : reply.error);
      const expected = torchOutputs(graph, weights, input)[String(graph.output)];
      const problem = firstDifference(reply.outputs[reply.outputNode].data, expected);
      assert.equal(problem, undefined, problem);
    });

    it('names the first mismatch: layer, line, expected and actual shape', async () => {
      const tensors = kerasTensors(weights);
      // A kernel with 2 filters where the network has 4 (the data shrinks with it).
      tensors[0] = { name: 'conv2d/kernel', shape: [3, 3, 3, 2], data: tensors[0].data.slice(0, 54) };
      const { modelJson, shards } = tfjsModel(tensors);
      const loaded = await callPage(engine.page, 'loadTfjs', KERAS_NET, modelJson, shards);
      assert.ok(!loaded.ok && loaded.errorClass === 'WeightLoadError', JSON.stringify(loaded).slice(0, 300));
      assert.match(loaded.error, /layer 1 \(conv\(4, 3, padding=1\) on line 3\)/);
      assert.match(loaded.error, /expects weight 3x3x3x4/);
      assert.match(loaded.error, /'conv2d\/kernel' is 3x3x3x2/);
    });
  });
});
