/**
 * ONNX import against PyTorch: torchvision models exported by torch 1.13 (batch
 * norm kept, and folded by the exporter) come in as `.cnn` files that analyse
 * with no errors and whose parameter counts, output shape and MACs are torch's.
 * The command line keeps its contract: exit 2 for files that are not models,
 * 1 for models `.cnn` cannot express, and no partial file either way.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../src/core';
import { importModelFile } from '../../src/core/import';
import { encodeSafetensors } from '../../src/core/safetensors';
import { runCli } from '../helpers';
import { requirePython } from '../python';
import { exported, torchvisionExports, torchvisionModels, type TorchFacts } from './fixtures';
import { tinyOnnxModel } from './tinyOnnx';

/** The analysis of an imported file's only network, with its error diagnostics. */
function importAndAnalyse(path: string) {
  const result = importModelFile(readFileSync(path), { fileName: path.split('/').pop()! });
  assert.ok(result.ok, result.ok ? '' : result.message);
  const analysis = analyze(result.model.text);
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(errors, [], `${path} imports with errors:\n${result.model.text}`);
  assert.equal(analysis.networks.length, 1);
  return { text: result.model.text, network: analysis.networks[0] };
}

/** Lines that hold code: not blank, not only a comment. */
function codeLines(text: string): number {
  return text.split('\n').filter((line) => line.trim() && !line.trim().startsWith('#')).length;
}

describe('ONNX import of torchvision models', function () {
  this.timeout(900_000);
  let dir = '';
  let facts: Record<string, TorchFacts> = {};
  before(function () {
    requirePython(this, ['torch', 'torchvision', 'onnx']);
    ({ dir, facts } = torchvisionExports());
  });

  for (const [model] of torchvisionModels) {
    it(`${model} with batch norm kept: torch's counts, output shape and MACs`, () => {
      const { network } = importAndAnalyse(join(dir, `${model}.onnx`));
      const torch = facts[model];
      assert.deepEqual(network.input, torch.input);
      assert.deepEqual(network.params, { trainable: torch.trainable, nonTrainable: torch.nonTrainable });
      assert.deepEqual(network.output, torch.output);
      assert.equal(network.macs, torch.macs);
    });

    it(`${model} with batch norm folded: the file's counts, torch's MACs, and a comment that says why`, () => {
      const { text, network } = importAndAnalyse(join(dir, `${model}.folded.onnx`));
      const torch = facts[model];
      assert.deepEqual(network.params, { trainable: torch.folded[0], nonTrainable: torch.folded[1] });
      assert.deepEqual(network.output, torch.output);
      assert.equal(network.macs, torch.macs);
      if (torch.folded[0] !== torch.trainable) assert.match(text, /batch norm.*folded/i);
    });
  }
});

describe('readable output', function () {
  this.timeout(900_000);
  let dir = '';
  before(function () {
    requirePython(this, ['torch', 'torchvision', 'onnx']);
    dir = torchvisionExports().dir;
  });

  it('ResNet-50 is at most 80 code lines with one bottleneck branch, stages as repeats, as examples/resnet50.cnn', () => {
    const { text } = importAndAnalyse(join(dir, 'resnet50.onnx'));
    assert.ok(codeLines(text) <= 80, `${codeLines(text)} code lines:\n${text}`);
    // One definition of the three convolutions of a bottleneck, called by the plain and the projecting unit.
    assert.equal(text.match(/conv\(c \* 4, 1, /g)?.length, 2, text); // the branch's expansion and the projection shortcut
    assert.equal(text.match(/conv\(c, 3, /g)?.length, 1, text);
    for (const [blocks, width] of [
      [2, 64],
      [3, 128],
      [5, 256],
      [2, 512],
    ])
      assert.match(text, new RegExp(`repeat\\(${blocks}\\) \\{ Bottleneck\\(${width}\\) \\}`));
    assert.match(text, /^ {2}global_avgpool\b.*\n {2}dense\(1000\)/m);
  });

  it('DenseNet-121 writes each dense block as a repeat of one dense layer', () => {
    const { text } = importAndAnalyse(join(dir, 'densenet121.onnx'));
    for (const layers of [6, 12, 24, 16]) assert.match(text, new RegExp(`repeat\\(${layers}\\) \\{ DenseLayer \\}`));
    assert.doesNotMatch(text, /pad\(0\)/);
  });

  it('GoogLeNet writes its nine inception modules as calls of one block', () => {
    const { text } = importAndAnalyse(join(dir, 'googlenet.onnx'));
    assert.equal(text.match(/^ {2}Inception\(/gm)?.length, 9, text);
  });

  it('MobileNetV2 and EfficientNet-B0 write every inverted residual as a call, with parameters a person would write', () => {
    const mobilenet = importAndAnalyse(join(dir, 'mobilenet_v2.onnx')).text;
    // The expansion is six times the output channels, not the output a sixth of the expansion.
    assert.match(mobilenet, /residual \{ InvertedBottleneck\(c \* 6, c\) \}/, mobilenet);
    const efficientnet = importAndAnalyse(join(dir, 'efficientnet_b0.onnx')).text;
    // The depthwise padding follows from the kernel; the squeeze-excitation gates of the units that change size are inside the block too.
    assert.match(efficientnet, /depthwise_conv\(k, stride=stride, padding=k \/\/ 2, bias=false\)/, efficientnet);
    assert.match(efficientnet, /residual \{ InvertedBottleneck\(c \* 6, k, c\) \}/, efficientnet);
    // Only features.1 (no expansion) is written out: one gate at the network's level.
    assert.equal(efficientnet.slice(efficientnet.indexOf('\nnetwork ')).match(/^ {2}multiply\(/gm)?.length, 1, efficientnet);
    // Ceilings a little above what the import writes today (40 and 52 code lines), so a lost block shows.
    assert.ok(codeLines(mobilenet) <= 45, `${codeLines(mobilenet)} code lines:\n${mobilenet}`);
    assert.ok(codeLines(efficientnet) <= 55, `${codeLines(efficientnet)} code lines:\n${efficientnet}`);
  });

  it("keeps the model's module names as comments", () => {
    const { text } = importAndAnalyse(join(dir, 'resnet50.onnx'));
    assert.match(text, /DownBottleneck\(128\).*# layer2\.0$/m);
    assert.match(text, /dense\(1000\).*# fc$/m);
  });
});

describe('cnn import (command line)', function () {
  this.timeout(900_000);
  let dir = '';
  before(function () {
    requirePython(this, ['torch', 'torchvision', 'onnx']);
    dir = torchvisionExports().dir;
    exported(['lstm', 'dynamic'], 'bad');
  });

  /** Files in the folder, to check that a failed import leaves nothing behind. */
  const files = () => readdirSync(dir).sort();

  it('writes the .cnn file and the weights, and says what it imported', () => {
    const out = join(dir, 'resnet18.cnn');
    const weights = join(dir, 'resnet18.safetensors');
    const run = runCli(['import', join(dir, 'resnet18.onnx'), '-o', out, '--weights-out', weights, '--network', 'ResNet18']);
    assert.equal(run.code, 0, run.stderr);
    const text = readFileSync(out, 'utf8');
    assert.match(text, /^network ResNet18 \{$/m);
    const check = runCli(['check', out]);
    assert.equal(check.code, 0, check.stdout);
    // A safetensors header: 8-byte length, then JSON naming the tensors in PyTorch's state_dict names.
    const bytes = readFileSync(weights);
    const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8'));
    assert.deepEqual(header['conv1.weight'].shape, [64, 3, 7, 7]);
    assert.deepEqual(header['fc.weight'].shape, [1000, 512]);
    assert.deepEqual(header['layer1.0.bn1.running_var'].shape, [64]);
    // The streamed file is byte for byte what the core's encoder makes of the imported tensors.
    const result = importModelFile(readFileSync(join(dir, 'resnet18.onnx')), { fileName: 'resnet18.onnx', networkName: 'ResNet18' });
    assert.ok(result.ok);
    const tensors = result.model.tensors.map((t) => ({ name: t.key, shape: t.tensor.shape, data: t.tensor.read() }));
    assert.ok(Buffer.from(encodeSafetensors(tensors, { format: 'pt', source: 'resnet18.onnx', network: 'ResNet18' })).equals(bytes));
  });

  it('prints to standard output without -o', () => {
    const run = runCli(['import', join(dir, 'squeezenet1_0.onnx')]);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^network Squeezenet1_0 \{$/m);
  });

  it('exits 2 on a missing file, a truncated model, a file that is no model, and a bad network name', () => {
    const before = files();
    assert.equal(runCli(['import', join(dir, 'missing.onnx'), '-o', join(dir, 'x.cnn')]).code, 2);
    const whole = readFileSync(join(dir, 'resnet18.onnx'));
    writeFileSync(join(dir, 'truncated.onnx'), whole.subarray(0, Math.floor(whole.length / 3)));
    const truncated = runCli(['import', join(dir, 'truncated.onnx'), '-o', join(dir, 'x.cnn'), '--weights-out', join(dir, 'x.safetensors')]);
    assert.equal(truncated.code, 2);
    assert.match(truncated.stderr, /truncated\.onnx is not a readable ONNX model/);
    writeFileSync(join(dir, 'notes.onnx'), 'These are my notes, not a model.\n'.repeat(20));
    const text = runCli(['import', join(dir, 'notes.onnx'), '-o', join(dir, 'x.cnn')]);
    assert.equal(text.code, 2);
    assert.match(text.stderr, /notes\.onnx is not (a readable ONNX model|an ONNX model)/);
    assert.equal(runCli(['import', join(dir, 'resnet18.onnx'), '--network', '9lives']).code, 2);
    assert.deepEqual(files(), [...before, 'notes.onnx', 'truncated.onnx'].sort());
  });

  it('exits 1 on an LSTM, naming the node, the op and the line where the partial output stops', () => {
    const before = files();
    const run = runCli(['import', join(dir, 'lstm.onnx'), '-o', join(dir, 'lstm.cnn'), '--weights-out', join(dir, 'lstm.safetensors')]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /node '[^']+' \(op LSTM\) cannot be written in \.cnn/);
    const line = Number(/stops at line (\d+)/.exec(run.stderr)?.[1]);
    const partial = run.stderr.slice(run.stderr.indexOf('Partial output:\n') + 'Partial output:\n'.length);
    assert.match(partial.split('\n')[line - 1], /# stops here: node '[^']+' \(LSTM\)/);
    assert.match(partial, /conv\(4, 1\)/);
    assert.deepEqual(files(), before);
    assert.ok(!existsSync(join(dir, 'lstm.cnn')));
  });

  it('exits 1 on a dynamic spatial size and says how to export a fixed one', () => {
    const run = runCli(['import', join(dir, 'dynamic.onnx'), '-o', join(dir, 'dynamic.cnn')]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /input 'image' has a dynamic size \(its dimension 2 is 'height'\)/);
    assert.ok(!existsSync(join(dir, 'dynamic.cnn')));
  });
});

describe('ONNX import without Python (a model written by the project encoder)', () => {
  it('reads Conv with bias, GlobalAveragePool + Flatten as global_avgpool, Gemm with transB as dense', () => {
    const result = importModelFile(tinyOnnxModel(), { fileName: 'tiny.onnx' });
    assert.ok(result.ok, result.ok ? '' : result.message);
    assert.match(result.model.text, /^ {2}conv\(4, 3, padding=1\)\s+# conv$/m);
    assert.match(result.model.text, /^ {2}global_avgpool\s+# pool$/m);
    assert.match(result.model.text, /^ {2}dense\(2\)\s+# fc$/m);
    const network = analyze(result.model.text).networks[0];
    // 4·3·3·3 + 4 for the convolution, 2·4 + 2 for the classifier.
    assert.deepEqual(network.params, { trainable: 122, nonTrainable: 0 });
    assert.deepEqual(
      result.model.tensors.map((t) => `${t.key} ${t.tensor.shape.join('x')}`),
      ['conv.weight 4x3x3x3', 'conv.bias 4', 'fc.weight 2x4', 'fc.bias 2'],
    );
    // The weight is the file's own bytes: sin(i + 1) / 4 as written.
    assert.ok(Math.abs(result.model.tensors[0].tensor.read()[5] - Math.sin(6) / 4) < 1e-7);
  });
});
