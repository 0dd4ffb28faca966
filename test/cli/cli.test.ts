/** The command line as CI scripts use it: exit codes, the JSON contract, the summary table. */
import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers';

const scratch = mkdtempSync(join(tmpdir(), 'cnn-cli-'));
function file(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

describe('cnn check', () => {
  it('exits 0 on a clean file and 1 with errors', () => {
    assert.equal(runCli(['check', 'examples/lenet5.cnn']).code, 0);
    const bad = file('bad.cnn', 'network N {\n  input(1x28x28)\n  conv(32, 3) -> 32x28x28\n}\n');
    const run = runCli(['check', bad]);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /bad\.cnn:3:18: error shape-mismatch: Expected 32x28x28 but conv gives 32x26x26: floor\(\(28 \+ 2\*0 - 1\*\(3-1\) - 1\)\/1 \+ 1\) = 26\. padding=1 gives 32x28x28\./);
  });

  it('exits 2 on a missing file, a directory, or a bad option', () => {
    assert.equal(runCli(['check', join(scratch, 'missing.cnn')]).code, 2);
    assert.equal(runCli(['check', scratch]).code, 2);
    assert.equal(runCli(['check', '--frobnicate', 'examples/lenet5.cnn']).code, 2);
    assert.equal(runCli(['nonsense']).code, 2);
    assert.equal(runCli([]).code, 2);
  });

  it('prints the JSON contract with 0-based ranges and per-statement figures', () => {
    const bad = file('json.cnn', 'network N {\n  input(1x28x28)\n  conv(32, 3) -> 32x28x28\n  batchnorm\n  flatten\n}\n');
    const run = runCli(['check', '--json', 'examples/lenet5.cnn', bad]);
    assert.equal(run.code, 1);
    const report = JSON.parse(run.stdout);
    const [lenet, broken] = report.files;
    assert.equal(lenet.path, 'examples/lenet5.cnn');
    assert.deepEqual(lenet.diagnostics, []);
    const network = lenet.networks[0];
    assert.equal(network.name, 'LeNet5');
    assert.deepEqual(network.input, [1, 32, 32]);
    assert.deepEqual(network.output, [10]);
    assert.deepEqual(network.params, { trainable: 61706, nonTrainable: 0, total: 61706 });
    const conv1 = network.statements.find((s: { op: string }) => s.op === 'conv');
    assert.deepEqual(conv1, { line: conv1.line, op: 'conv', outShape: [6, 28, 28], params: 156, macs: 117600, receptiveField: { size: [5, 5], jump: [1, 1], start: [2, 2] } });
    assert.deepEqual(broken.diagnostics[0], {
      severity: 'error',
      code: 'shape-mismatch',
      message: broken.diagnostics[0].message,
      range: { start: { line: 2, character: 17 }, end: { line: 2, character: 25 } },
    });
    assert.deepEqual(broken.networks[0].params, { trainable: 320 + 64, nonTrainable: 64, total: 448 });
    assert.equal(broken.networks[0].statements.at(-1).receptiveField, null);
  });
});

describe('cnn summary', () => {
  it('prints a row per statement and the totals', () => {
    const run = runCli(['summary', 'examples/resnet18.cnn']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Trainable params: 11,689,512/);
    assert.match(run.stdout, /Non-trainable params: 9,600/);
    assert.match(run.stdout, /Total MACs: 1,814,073,344/);
    assert.match(run.stdout, /Receptive field: 435x435/);
  });

  it('still prints the table when the file has errors, and exits 1', () => {
    const bad = file('sum.cnn', 'network N {\n  input(3x8x8)\n  conv(4, 9)\n  relu\n}\n');
    const run = runCli(['summary', bad]);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /conv\(4, 9\)/);
    assert.match(run.stderr, /nonpositive-size/);
  });
});

describe('cnn rf', () => {
  it("prints VGG-16's 212x212 field after pool5, clipped to the image at the corner", () => {
    // Thirteen 3x3 convolutions and five 2x2 pools: 212 pixels, jump 32; unit i covers [32i - 90, 32i + 121].
    const centre = runCli(['rf', '--json', 'examples/vgg16.cnn', '--line', '22']);
    assert.equal(centre.code, 0, centre.stderr);
    assert.deepEqual(JSON.parse(centre.stdout), { network: 'VGG16', line: 22, outShape: [512, 7, 7], at: [3, 3], window: [[6, 217], [6, 217]], visible: [[6, 217], [6, 217]] });
    const corner = JSON.parse(runCli(['rf', '--json', 'examples/vgg16.cnn', '--line', '22', '--at', '0,6']).stdout);
    assert.deepEqual(corner.window, [[-90, 121], [102, 313]]);
    assert.deepEqual(corner.visible, [[0, 121], [102, 223]]);
  });

  it('takes the last statement of a line, and prints plain text without --json', () => {
    const path = file('rf.cnn', 'network R {\n  input(1x20)\n  conv(1, 3, stride=2, padding=1); upsample(2)\n}\n');
    const json = JSON.parse(runCli(['rf', '--json', path, '--line', '3', '--at', '10']).stdout);
    assert.deepEqual(json, { network: 'R', line: 3, outShape: [1, 20], at: [10], window: [[9, 11]], visible: [[9, 11]] });
    const text = runCli(['rf', path, '--line', '3', '--at', '0']);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /window: {2}\[-1, 1\]\nvisible: \[0, 1\]/);
  });

  it('exits 1 on a line without a statement or a statement without spatial axes, 2 on bad options', () => {
    assert.equal(runCli(['rf', '--json', 'examples/lenet5.cnn', '--line', '1']).code, 1);
    assert.equal(runCli(['rf', '--json', 'examples/vgg16.cnn', '--line', '26']).code, 1);
    assert.equal(runCli(['rf', '--json', 'examples/vgg16.cnn', '--line', '22', '--at', '7,0']).code, 1);
    assert.equal(runCli(['rf', '--json', 'examples/vgg16.cnn', '--line', 'x']).code, 2);
    assert.equal(runCli(['rf', '--json', 'examples/vgg16.cnn']).code, 2);
  });
});
