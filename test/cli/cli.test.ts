/** The command line as CI scripts use it: exit codes, the JSON contract, the summary table. */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
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

describe('cnn check under hostile input (issue 16)', () => {
  it('reports nesting past the bounds as diagnostics, with the JSON contract and exit 1, never a crash', () => {
    const deep = file('deep.cnn', `network N {\n  input(3x8x8)\n  conv(${'('.repeat(500)}4${')'.repeat(500)}, 3)\n${'repeat(2) {\n'.repeat(330)}relu\n${'}\n'.repeat(330)}}\n`);
    const chain = file('chain.cnn', `network N {\n  input(3x8x8)\n  D0\n}\n${Array.from({ length: 829 }, (_, i) => `block D${i} { D${i + 1} }`).join('\n')}\nblock D829 { relu }\n`);
    const run = runCli(['check', '--json', deep, chain]);
    assert.equal(run.code, 1, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.error, undefined);
    assert.ok(report.files[0].diagnostics.some((d: { message: string }) => /nests deeper than 64 levels/.test(d.message)));
    const [network] = report.files[1].networks;
    assert.deepEqual([network.output, network.params, network.macs], [null, null, null]);
    assert.ok(report.files[1].diagnostics.some((d: { code: string; message: string }) => d.code === 'too-large' && /deeper than 256 levels/.test(d.message)));
  });

  it('ends quietly when its reader closes the pipe early (cnn check … | head)', async () => {
    const noisy = file('noisy.cnn', `network N {\n  input(3x8x8)\n${'  nosuchop\n'.repeat(15_000)}}\n`);
    const child = spawn(process.execPath, [join(process.cwd(), 'dist', 'cli.js'), 'check', noisy], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    // Read one chunk, then close our end, as `head -1` does.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', (status) => resolve(status)));
    assert.equal(stderr, '');
    assert.equal(code, 1);
  });
});
