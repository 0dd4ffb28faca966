/**
 * `cnn export` as outside tools call it: exit codes (2 usage or I/O, 1 with
 * the diagnostic for errors in the file or an op the target lacks), and no
 * partial file ever. What the exported files compute is in test/export.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers';

const scratch = mkdtempSync(join(tmpdir(), 'cnn-export-cli-'));
function file(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

describe('cnn export', () => {
  it('prints PyTorch code defining the network class, or writes it with -o, with safetensors weights keyed by state_dict names', () => {
    const printed = runCli(['export', '--to', 'pytorch', 'examples/lenet5.cnn']);
    assert.equal(printed.code, 0, printed.stderr);
    assert.match(printed.stdout, /^class LeNet5\(nn\.Module\):$/m);
    assert.match(printed.stdout, /self\.conv1 = nn\.Conv2d\(1, 6, 5\) {2}# line \d+: conv\(6, 5\)/);
    const out = join(scratch, 'lenet.py');
    const weights = join(scratch, 'lenet.safetensors');
    const written = runCli(['export', '--to', 'pytorch', 'examples/lenet5.cnn', '-o', out, '--weights-out', weights]);
    assert.equal(written.code, 0, written.stderr);
    assert.equal(written.stdout, '');
    assert.equal(readFileSync(out, 'utf8'), printed.stdout);
    const header = readFileSync(weights);
    const names = Object.keys(JSON.parse(header.subarray(8, 8 + Number(header.readBigUInt64LE(0))).toString('utf8')));
    assert.deepEqual(names, ['conv1.weight', 'conv1.bias', 'conv2.weight', 'conv2.bias', 'fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias', 'fc3.weight', 'fc3.bias']);
  });

  it('chooses the network with --network, and writes ONNX and Keras files', () => {
    const two = file('two.cnn', 'network A {\n  input(3)\n  dense(2)\n}\nnetwork B {\n  input(4)\n  dense(5)\n}\n');
    const run = runCli(['export', '--to', 'pytorch', two, '--network', 'B']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /class B\(nn\.Module\)[\s\S]*nn\.Linear\(4, 5\)/);
    const onnx = join(scratch, 'b.onnx');
    assert.equal(runCli(['export', '--to', 'onnx', two, '--network', 'B', '-o', onnx]).code, 0);
    assert.ok(readFileSync(onnx).length > 20 * 4);
    const keras = join(scratch, 'b-keras');
    assert.equal(runCli(['export', '--to', 'keras', two, '--network', 'B', '-o', keras]).code, 0);
    assert.deepEqual(readdirSync(keras).sort(), ['model.json', 'weights.bin']);
    assert.equal(readFileSync(join(keras, 'weights.bin')).length, (4 * 5 + 5) * 4);
  });

  it('exits 1 with the diagnostic when the file has errors, and writes nothing', () => {
    const bad = file('bad.cnn', 'network N {\n  input(1x28x28)\n  conv(32, 3) -> 32x28x28\n}\n');
    const out = join(scratch, 'bad.py');
    const run = runCli(['export', '--to', 'pytorch', bad, '-o', out]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /bad\.cnn:3:\d+: error: line 3: shape-mismatch: Expected 32x28x28 but conv gives 32x26x26/);
    assert.equal(existsSync(out), false);
  });

  it('exits 1 naming the line and the op a target cannot express, and leaves no file or directory', () => {
    const out = join(scratch, 'm5-keras');
    const run = runCli(['export', '--to', 'keras', 'examples/audio1d.cnn', '-o', out]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /audio1d\.cnn:30:3: error: line 30: log_softmax -> 10: Keras \(tfjs-layers\) export cannot express the op 'log_softmax'/);
    assert.equal(existsSync(out), false);
    const video = runCli(['export', '--to', 'keras', 'examples/video3d.cnn', '-o', join(scratch, 'c3d')]);
    assert.equal(video.code, 1);
    assert.match(video.stderr, /line 33: maxpool3d\(2, padding=\(0, 1, 1\)\).*3-D map \(tfjs-layers has ZeroPadding2D only\)/);
    assert.equal(existsSync(join(scratch, 'c3d')), false);
  });

  it('exits 1 when the network name cannot name a Python class', () => {
    const keyword = file('keyword.cnn', 'network lambda {\n  input(3)\n  dense(2)\n}\n');
    const run = runCli(['export', '--to', 'pytorch', keyword]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /keyword\.cnn:1:\d+: error: network name 'lambda' is not a Python identifier/);
  });

  it('exits 2 on a path that cannot be written, a bad target or missing -o, and leaves no partial file', () => {
    const unwritable = join(scratch, 'no-such-dir', 'net.onnx');
    const run = runCli(['export', '--to', 'onnx', 'examples/lenet5.cnn', '-o', unwritable]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /cannot write .*no-such-dir.*: no such directory/);
    assert.equal(existsSync(join(scratch, 'no-such-dir')), false);
    const weightsInDirectory = runCli(['export', '--to', 'pytorch', 'examples/lenet5.cnn', '-o', join(scratch, 'ok.py'), '--weights-out', scratch]);
    assert.equal(weightsInDirectory.code, 2);
    assert.equal(existsSync(join(scratch, 'ok.py')), false, 'the .py is not written when its weights cannot be');
    assert.deepEqual(
      readdirSync(scratch).filter((name) => name.endsWith('.partial')),
      [],
    );
    assert.equal(runCli(['export', '--to', 'tensorflow', 'examples/lenet5.cnn']).code, 2);
    assert.equal(runCli(['export', '--to', 'onnx', 'examples/lenet5.cnn']).code, 2);
    assert.equal(runCli(['export', 'examples/lenet5.cnn']).code, 2);
    assert.equal(runCli(['export', '--to', 'pytorch', join(scratch, 'missing.cnn')]).code, 2);
  });
});
