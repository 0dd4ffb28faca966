/**
 * Keras import: models built with tfjs-layers in Node (the TensorFlow.js
 * layers API is Keras's), saved as a model.json the way tfjs writes one, come
 * in as `.cnn` files whose parameter counts and output shape are the ones
 * tfjs reports. The same configuration inside a zip archive reads as a
 * `.keras` file does.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import { analyze } from '../../src/core';
import { runCli } from '../helpers';
import { functionalWithSkip, modelJson, savedModel, sequentialCnn } from './tfjsModels';

const count = (weights: tf.LayerVariable[]) => weights.reduce((sum, w) => sum + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);

/** A zip archive with one deflated entry, as the .keras format stores config.json. */
function zipWith(name: string, content: Uint8Array): Uint8Array {
  const nameBytes = new TextEncoder().encode(name);
  const data = deflateRawSync(content);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(content.length, 22);
  local.writeUInt16LE(nameBytes.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(content.length, 24);
  central.writeUInt16LE(nameBytes.length, 28);
  const centralAt = local.length + nameBytes.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + nameBytes.length, 12);
  end.writeUInt32LE(centralAt, 16);
  return Buffer.concat([local, nameBytes, data, central, nameBytes, end]);
}

describe('Keras import (tfjs-layers model.json)', function () {
  this.timeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), 'cnn-keras-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [title, build] of [
    ['a Sequential CNN', sequentialCnn],
    ['a functional model with a skip connection and a concatenation', functionalWithSkip],
  ] as const) {
    it(`${title}: tfjs's parameter counts and output shape`, async () => {
      const model = build();
      const path = join(dir, `${model.name}.json`);
      writeFileSync(path, await modelJson(model));
      const out = join(dir, `${model.name}.cnn`);
      const run = runCli(['import', path, '-o', out]);
      assert.equal(run.code, 0, run.stderr);
      const text = readFileSync(out, 'utf8');
      const analysis = analyze(text);
      assert.deepEqual(
        analysis.diagnostics.filter((d) => d.severity === 'error'),
        [],
        text,
      );
      const network = analysis.networks[0];
      assert.deepEqual(network.params, { trainable: count(model.trainableWeights), nonTrainable: count(model.nonTrainableWeights) });
      // tfjs's output shape is channels-last with the batch first; these outputs have no spatial axes.
      assert.deepEqual(network.output, model.outputs[0].shape.slice(1));
      model.dispose();
    });
  }

  it('writes the skip connection as residual and the two branches as concat', async () => {
    const model = functionalWithSkip();
    writeFileSync(join(dir, 'skip.json'), await modelJson(model));
    const run = runCli(['import', join(dir, 'skip.json')]);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /residual \{[^}]*conv\(8, 3, padding="same"\)[^}]*batchnorm\(eps=0\.001\)[^}]*\}/);
    assert.match(run.stdout, /concat \{\s*branch \{ conv\(4, 1\) \}\s*branch \{ conv\(6, 3, padding="same"\) \}\s*\}/);
    model.dispose();
  });

  it('reads the configuration from a .keras archive', async () => {
    const model = sequentialCnn();
    const topology = JSON.parse(await modelJson(model)).modelTopology;
    const path = join(dir, 'digits.keras');
    writeFileSync(path, zipWith('config.json', new TextEncoder().encode(JSON.stringify(topology))));
    const run = runCli(['import', path, '--network', 'Digits']);
    assert.equal(run.code, 0, run.stderr);
    const network = analyze(run.stdout).networks[0];
    assert.equal(network.name, 'Digits');
    assert.deepEqual(network.params, { trainable: count(model.trainableWeights), nonTrainable: count(model.nonTrainableWeights) });
    model.dispose();
  });

  it('exits 2 when --weights-out asks for the weights of a model.json whose shard is missing or cut short, writing nothing', async () => {
    const model = sequentialCnn();
    const { json, shard } = await savedModel(model);
    const folder = mkdtempSync(join(dir, 'shards-'));
    writeFileSync(join(folder, 'model.json'), json);
    const args = ['import', join(folder, 'model.json'), '-o', join(folder, 'out.cnn'), '--weights-out', join(folder, 'out.safetensors')];
    const missing = runCli(args);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /the weights shard group1-shard1of1\.bin that model\.json names is missing/);
    writeFileSync(join(folder, 'group1-shard1of1.bin'), shard.slice(0, shard.length - 8));
    const cut = runCli(args);
    assert.equal(cut.code, 2);
    assert.match(cut.stderr, /a shard is truncated/);
    assert.deepEqual(readdirSync(folder).sort(), ['group1-shard1of1.bin', 'model.json']);
    model.dispose();
  });

  it('exits 2 on a truncated model.json and on a .keras archive without config.json, writing nothing', async () => {
    const model = sequentialCnn();
    const json = await modelJson(model);
    writeFileSync(join(dir, 'cut.json'), json.slice(0, json.length / 2));
    assert.equal(runCli(['import', join(dir, 'cut.json'), '-o', join(dir, 'cut.cnn')]).code, 2);
    writeFileSync(join(dir, 'empty.keras'), zipWith('metadata.json', new TextEncoder().encode('{}')));
    const run = runCli(['import', join(dir, 'empty.keras'), '-o', join(dir, 'empty.cnn')]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /without config\.json/);
    assert.throws(() => readFileSync(join(dir, 'cut.cnn')));
    assert.throws(() => readFileSync(join(dir, 'empty.cnn')));
    model.dispose();
  });
});
