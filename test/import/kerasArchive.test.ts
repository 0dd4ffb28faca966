/**
 * `.keras` archives with their weights: Keras 3 archives written from PyTorch
 * models (test/import/keras_archive.py) import with torch's parameter counts,
 * output shape and MACs, and `--weights-out` writes every variable of the
 * archive's model.weights.h5 in PyTorch's layout and names. A missing,
 * truncated or mismatched weights file is an I/O error (exit 2) that leaves
 * no file behind. The engine comparison is test/webview/kerasWeights.test.ts.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../src/core';
import { encodeSafetensors } from '../../src/core/safetensors';
import { kerasSnakeCase } from '../../src/core/import/kerasGraph';
import { importKerasArchive } from '../../src/node/kerasArchive';
import { readZipEntry } from '../../src/node/zip';
import { runCli } from '../helpers';
import { requirePython } from '../python';
import { kerasArchiveModels, kerasArchives, type KerasArchiveFacts } from './kerasFixtures';

/** The tensors named in a safetensors file's header, with their shapes. */
function safetensorsHeader(bytes: Buffer): Record<string, { shape: number[] }> {
  const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8')) as Record<string, { shape: number[] }>;
  delete header.__metadata__;
  return header;
}

describe('cnn import of a .keras archive with its weights', function () {
  this.timeout(300_000);
  let dir = '';
  let facts: Record<string, KerasArchiveFacts> = {};
  before(function () {
    requirePython(this, ['torch', 'h5py']);
    ({ dir, facts } = kerasArchives());
  });

  /** Files in the folder, to check that a failed import leaves nothing behind. */
  const files = () => readdirSync(dir).sort();

  for (const name of kerasArchiveModels) {
    it(`${name}: torch's counts, output shape and MACs, and every variable written as a PyTorch tensor`, () => {
      const out = join(dir, `${name}.cnn`);
      const weights = join(dir, `${name}.safetensors`);
      const run = runCli(['import', join(dir, `${name}.keras`), '-o', out, '--weights-out', weights]);
      assert.equal(run.code, 0, run.stderr);
      const text = readFileSync(out, 'utf8');
      const analysis = analyze(text);
      assert.deepEqual(
        analysis.diagnostics.filter((d) => d.severity === 'error'),
        [],
        text,
      );
      const network = analysis.networks[0];
      const torch = facts[name];
      assert.deepEqual(network.params, { trainable: torch.trainable, nonTrainable: torch.nonTrainable });
      assert.deepEqual(network.output, torch.outputShape);
      assert.equal(network.macs, torch.macs);
      const bytes = readFileSync(weights);
      const header = safetensorsHeader(bytes);
      assert.equal(Object.keys(header).length, torch.tensors);
      const values = Object.values(header).reduce((sum, t) => sum + t.shape.reduce((a, b) => a * b, 1), 0);
      assert.equal(values, torch.trainable + torch.nonTrainable);
      // The file is byte for byte what the editor's import (the same reader) makes of the archive.
      const result = importKerasArchive(readFileSync(join(dir, `${name}.keras`)), { fileName: `${name}.keras` }, 'required');
      assert.ok(result.ok, result.ok ? '' : result.message);
      const tensors = result.model.tensors.map((t) => ({ name: t.key, shape: t.tensor.shape, data: t.tensor.read() }));
      assert.ok(Buffer.from(encodeSafetensors(tensors, { format: 'pt', source: `${name}.keras`, network: result.model.networkName })).equals(bytes));
    });
  }

  it("names each tensor after its Keras layer, in PyTorch's shapes", () => {
    const header = safetensorsHeader(readFileSync(join(dir, 'digits.safetensors')));
    assert.deepEqual(header['features_conv.weight'].shape, [8, 3, 3, 3]);
    assert.deepEqual(header['mix_bn.running_var'].shape, [16]);
    // A Dense after Flatten: PyTorch's [out, C·H·W].
    assert.deepEqual(header['hidden.weight'].shape, [32, 784]);
    assert.equal(header['mix_conv.bias'], undefined);
    const skip = safetensorsHeader(readFileSync(join(dir, 'skipnet.safetensors')));
    assert.deepEqual(skip['down.weight'].shape, [24, 1, 3, 3]);
    assert.deepEqual(skip['sep.depthwise.weight'].shape, [8, 1, 3, 3]);
    assert.deepEqual(skip['sep.pointwise.weight'].shape, [12, 8, 1, 1]);
  });

  it('exits 2 on a missing, truncated or mismatched weights file, or an HDF5 file given alone, writing nothing', () => {
    writeFileSync(join(dir, 'digits.weights.h5'), readZipEntry(readFileSync(join(dir, 'digits.keras')), 'model.weights.h5')!);
    const before = files();
    const cases: [string, RegExp][] = [
      ['digits.noweights.keras', /digits\.noweights\.keras has no model\.weights\.h5/],
      ['digits.truncated.keras', /model\.weights\.h5 in digits\.truncated\.keras is truncated or damaged/],
      ['digits.mismatched.keras', /layer 'mix_conv' \(Conv2D\) under layers\/conv2d_1\/vars/],
      ['digits.weights.h5', /digits\.weights\.h5 is an HDF5 file .*save it with model\.save\('model\.keras'\)/],
    ];
    for (const [file, message] of cases) {
      const run = runCli(['import', join(dir, file), '-o', join(dir, 'bad.cnn'), '--weights-out', join(dir, 'bad.safetensors')]);
      assert.equal(run.code, 2, `${file}: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.deepEqual(files(), before);
    }
  });

  it('still imports the structure of an archive with a damaged weights file when no weights are asked for', () => {
    const run = runCli(['import', join(dir, 'digits.truncated.keras')]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(analyze(run.stdout).networks[0].params, { trainable: facts.digits.trainable, nonTrainable: facts.digits.nonTrainable });
  });
});

describe("Keras's layer paths in a weights file", () => {
  // The default layer names Keras prints in model.summary() are these snake cases, and a .keras weights file uses them as paths.
  const names: [string, string][] = [
    ['Conv2D', 'conv2d'],
    ['DepthwiseConv2D', 'depthwise_conv2d'],
    ['SeparableConv2D', 'separable_conv2d'],
    ['Conv2DTranspose', 'conv2d_transpose'],
    ['BatchNormalization', 'batch_normalization'],
    ['ReLU', 're_lu'],
    ['LeakyReLU', 'leaky_re_lu'],
    ['PReLU', 'p_re_lu'],
    ['GlobalAveragePooling2D', 'global_average_pooling2d'],
    ['ZeroPadding2D', 'zero_padding2d'],
    ['UpSampling2D', 'up_sampling2d'],
    ['Dense', 'dense'],
  ];
  for (const [className, path] of names) it(`${className} is saved under layers/${path}`, () => assert.equal(kerasSnakeCase(className), path));
});
