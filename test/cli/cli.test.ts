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

describe('cnn check --json --batch (training memory)', () => {
  it('adds memory to each network and savedActivations to each statement, derived by hand for LeNet-5', () => {
    const run = runCli(['check', '--json', '--batch', '8', '--optimizer', 'adam', 'examples/lenet5.cnn']);
    assert.equal(run.code, 0, run.stderr);
    const network = JSON.parse(run.stdout).files[0].networks[0];
    // Saved per sample (float32): conv1 keeps the 1x32x32 input (4,096 B); tanh its 6x28x28 output (18,816 B), which
    // avgpool keeps too; conv2 the 6x14x14 pooled map (4,704 B); tanh its 16x10x10 output (6,400 B); dense1 the
    // flattened 400 values, a view of the pooled map (1,600 B); the tanhs after the dense layers 120 and 84 values.
    const perSample = 4096 + 18816 + 4704 + 6400 + 1600 + 480 + 336;
    // 61,706 float32 parameters in 10 tensors; Adam: exp_avg, exp_avg_sq and a float32 step per tensor.
    const parameters = 61706 * 4;
    const optimizerState = 2 * parameters + 10 * 4;
    // Largest backward workspace: the first tanh, 6x28x28 gradients in and out, at batch 8.
    const workspace = 2 * 4704 * 4 * 8;
    // Inference: the input (1,024 values) and conv1's output (4,704) live together, then conv1's output and tanh's (9,408 values).
    const inference = 9408 * 4 * 8;
    assert.deepEqual(network.memory, {
      batch: 8,
      savedActivations: 8 * perSample,
      parameters,
      gradients: parameters,
      optimizerState,
      trainingPeak: parameters + optimizerState + Math.max(8 * perSample + workspace, parameters + parameters),
      inferencePeak: parameters + inference,
    });
    const saved = network.statements.map((s: { savedActivations: number }) => s.savedActivations);
    assert.equal(saved[1], 8 * 4096, 'conv1 keeps the input');
    assert.equal(
      saved.reduce((a: number, b: number) => a + b, 0),
      network.memory.savedActivations,
    );
  });

  it('leaves the report unchanged without --batch, and gives null memory for a network with errors', () => {
    const plain = JSON.parse(runCli(['check', '--json', 'examples/lenet5.cnn']).stdout).files[0].networks[0];
    assert.equal('memory' in plain, false);
    assert.equal('savedActivations' in plain.statements[1], false);
    const bad = file('memory-bad.cnn', 'network N {\n  input(3x8x8)\n  conv(4, 9)\n}\n');
    const broken = JSON.parse(runCli(['check', '--json', '--batch', '2', bad]).stdout).files[0].networks[0];
    assert.equal(broken.memory, null);
    assert.equal(broken.statements[1].savedActivations, null);
  });

  it('counts mixed precision as half-precision weights with a float32 master copy', () => {
    const network = JSON.parse(runCli(['check', '--json', '--batch', '1', '--optimizer', 'momentum', '--precision', 'mixed', 'examples/lenet5.cnn']).stdout).files[0].networks[0];
    assert.deepEqual([network.memory.parameters, network.memory.gradients, network.memory.optimizerState], [61706 * 2, 61706 * 2, 61706 * 4 + 61706 * 4]);
  });

  it('exits 2 on a bad batch, optimizer or precision', () => {
    for (const flags of [
      ['--batch', '0'],
      ['--batch', 'many'],
      ['--optimizer', 'rmsprop'],
      ['--precision', 'fp8'],
    ]) {
      const run = runCli(['check', '--json', ...flags, 'examples/lenet5.cnn']);
      assert.equal(run.code, 2, flags.join(' '));
      assert.match(run.stderr, /batch|optimizer|precision/);
    }
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

  it("shows saved activations per statement and the training memory at the flags' batch, optimizer and budget", () => {
    const run = runCli(['summary', '--batch', '8', '--optimizer', 'adam', '--budget', '24GB', 'examples/resnet18.cnn']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Saved \(batch 8\)/);
    // PyTorch's saved_tensors_hooks measure 177,477,120 bytes for torchvision's ResNet-18 at batch 8 (test/oracle/memory.test.ts).
    assert.match(run.stdout, /Training memory \(batch 8, Adam, fp32\):\n {2}Saved activations: 177\.48 MB/);
    // The stem's batchnorm keeps its 64x112x112 input: 3,211,264 B a sample, 25.69 MB at batch 8.
    assert.match(run.stdout, /^batchnorm +40 +64x112x112 +256 +0 +25\.69 MB/m);
    assert.match(run.stdout, /Fits 24\.00 GB up to batch \d+/);
    assert.equal(runCli(['summary', '--budget', 'lots', 'examples/resnet18.cnn']).code, 2);
  });

  it('still prints the table when the file has errors, and exits 1', () => {
    const bad = file('sum.cnn', 'network N {\n  input(3x8x8)\n  conv(4, 9)\n  relu\n}\n');
    const run = runCli(['summary', bad]);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /conv\(4, 9\)/);
    assert.match(run.stderr, /nonpositive-size/);
  });
});

describe('cnn check --batch and cnn summary of a network longer than a graph records', () => {
  // A conv (16·3·9 + 16 = 448 parameters), then 999 + 1,000 · 249 relus: the graph would have 250,001 layers, one past
  // what an analysis with graphs records (250,000), while the plain analysis fast-forwards the repeats and finishes.
  const text = 'network Deep {\n  input(3x8x8)\n  conv(16, 3)\n  repeat(999) { relu }\n  repeat(1000) {\n    repeat(249) { relu }\n  }\n}\n';

  it('asking for memory reports what cnn check reports (no error, the totals), with memory null', () => {
    const path = file('longer.cnn', text);
    const check = runCli(['check', '--json', path]);
    const withMemory = runCli(['check', '--json', '--batch', '8', path]);
    assert.equal(check.code, 0, check.stderr);
    assert.equal(withMemory.code, 0, withMemory.stderr);
    const [plainFile] = JSON.parse(check.stdout).files;
    const [memoryFile] = JSON.parse(withMemory.stdout).files;
    assert.deepEqual(memoryFile.diagnostics, []);
    const network = memoryFile.networks[0];
    assert.deepEqual([network.params.total, network.output], [448, [16, 6, 6]]);
    assert.equal(network.memory, null);
    // Apart from its memory figures, the report is cnn check's (JSON drops the keys set to undefined).
    const withoutMemory = { ...network, memory: undefined, statements: network.statements.map((statement: object) => ({ ...statement, savedActivations: undefined })) };
    assert.deepEqual(JSON.parse(JSON.stringify(withoutMemory)), plainFile.networks[0]);
  });

  it('cnn summary gives the totals and says why the training memory is unknown, exiting 0', () => {
    const run = runCli(['summary', file('longer.cnn', text)]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
    assert.match(run.stdout, /Total params: 448\n/);
    assert.match(run.stdout, /Training memory: unknown \(its graph would pass 250,000 layers, every repeat pass and block call expanded\)/);
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

describe('cnn rf', () => {
  it("prints VGG-16's 212x212 field after pool5, clipped to the image at the corner", () => {
    // Thirteen 3x3 convolutions and five 2x2 pools: 212 pixels, jump 32; unit i covers [32i - 90, 32i + 121].
    const centre = runCli(['rf', '--json', 'examples/vgg16.cnn', '--line', '22']);
    assert.equal(centre.code, 0, centre.stderr);
    assert.deepEqual(JSON.parse(centre.stdout), {
      network: 'VGG16',
      line: 22,
      outShape: [512, 7, 7],
      at: [3, 3],
      window: [
        [6, 217],
        [6, 217],
      ],
      visible: [
        [6, 217],
        [6, 217],
      ],
    });
    const corner = JSON.parse(runCli(['rf', '--json', 'examples/vgg16.cnn', '--line', '22', '--at', '0,6']).stdout);
    assert.deepEqual(corner.window, [
      [-90, 121],
      [102, 313],
    ]);
    assert.deepEqual(corner.visible, [
      [0, 121],
      [102, 223],
    ]);
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
