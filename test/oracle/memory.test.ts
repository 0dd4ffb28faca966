// Training memory against PyTorch itself.
//
// test/oracle/torch_memory.py builds every example as torch_oracle.py does
// (torchvision's constructors, hand-written mirrors for the rest), runs one
// training-mode forward pass under torch.autograd.graph.saved_tensors_hooks
// and adds up the storages autograd saves, each once, parameters and buffers
// left out. `cnn check --json --batch N` must agree within 2% for every
// network at batch 1 and batch 8. At batch 8 the ImageNet networks run at
// 64x64 instead of 224x224 (the same layers, a sixteenth of the work, so the
// oracle stays fast on two cores); the others keep their own input.
//
// The optimizer state after one step (SGD with momentum, Adam) must equal the
// bytes of every tensor in optimizer.state exactly, and each per-op rule's
// hand derivation (test/core/memoryCases.ts) must be what PyTorch saves.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PYTHON, requirePython } from '../python';
import { ruleCases } from '../core/memoryCases';
import { CLI, type Network } from './cli';

const ORACLE = 'test/oracle/torch_memory.py';
const exampleFiles = readdirSync('examples')
  .filter((name) => name.endsWith('.cnn'))
  .sort();

/** Examples whose batch-8 comparison runs at a smaller input: the ImageNet networks, which accept any size from 64x64 up. */
const smallerAtBatch8: Record<string, string> = Object.fromEntries([
  ...['alexnet', 'vgg16', 'resnet18', 'resnet50', 'resnet152', 'mobilenet_v2', 'efficientnet_b0', 'densenet121', 'shufflenet_v2', 'convnext_tiny', 'deeplabv3'].map((name) => [
    `${name}.cnn`,
    '3x64x64',
  ]),
  // Inception-v3's stem needs at least 75x75.
  ['inception_v3.cnn', '3x96x96'],
]);

/**
 * The smallest batch PyTorch can train each example at: 1, except where batch
 * norm meets a 1x1 map (DeepLabV3's image-pooling branch), which PyTorch
 * refuses to train on a single sample ("Expected more than 1 value per channel").
 */
const smallestBatch = (file: string): number => (file === 'deeplabv3.cnn' ? 2 : 1);

/** Networks whose optimizer state is checked, at a small input (the state depends only on the parameters). */
const optimizerChecks: [string, string][] = [
  ['lenet5', ''],
  ['unet', ''],
  ['audio1d', ''],
  ['resnet18', '3x64x64'],
  ['mobilenet_v2', '3x64x64'],
  ['efficientnet_b0', '3x64x64'],
];

const scratch = mkdtempSync(join(tmpdir(), 'cnn-memory-'));

/** The example, or a copy with another input shape and without its `->` assertions (which name the original sizes). */
function sourceFor(file: string, input?: string): string {
  if (!input) return join('examples', file);
  const text = readFileSync(join('examples', file), 'utf8')
    .replace(/input\([^)]*\)/, `input(${input})`)
    .replace(/->\s*[0-9x?]+/g, '');
  const path = join(scratch, `${input}-${file}`);
  writeFileSync(path, text);
  return path;
}

/** `cnn check --json` with the memory flags: the one network of the file. */
function checkWithMemory(path: string, flags: string[]): Network {
  const run = spawnSync(process.execPath, [CLI, 'check', '--json', ...flags, path], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(run.status, 0, `cnn check --json ${flags.join(' ')} ${path} failed:\n${run.stdout.slice(0, 2000)}\n${run.stderr}`);
  const [network] = JSON.parse(run.stdout).files[0].networks;
  assert.ok(network?.memory, `${path}: no memory in the report`);
  return network;
}

describe('training memory agrees with PyTorch (torch_memory.py)', function () {
  let measured: Record<string, { savedActivations?: number; momentum?: number; adam?: number } & Record<string, number>> = {};
  const request = (file: string, batch: number, input = '') => `${file.replace(/\.cnn$/, '')}:${batch}${input ? `:${input}` : ''}`;

  before(function () {
    // Every example at batch 1 and 8, the optimizer steps and the per-op networks in one Python process: about a minute on two cores.
    this.timeout(900_000);
    requirePython(this, ['torch', 'torchvision']);
    const requests = [
      ...exampleFiles.flatMap((file) => [request(file, smallestBatch(file)), request(file, 8, smallerAtBatch8[file])]),
      ...optimizerChecks.map(([name, input]) => `${name}:1:${input}:optimizer`),
      'ops',
    ];
    const run = spawnSync(PYTHON, [ORACLE, ...requests], { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 900_000 });
    assert.equal(run.status, 0, `${ORACLE} failed (exit ${run.status ?? run.signal}):\n${run.stderr}`);
    measured = JSON.parse(run.stdout);
  });

  for (const file of exampleFiles) {
    for (const batch of [smallestBatch(file), 8]) {
      const input = batch === 8 ? smallerAtBatch8[file] : undefined;
      it(`${file} at batch ${batch}${input ? ` (input ${input})` : ''}: saved activations within 2%`, function () {
        this.timeout(60_000);
        const expected = measured[request(file, batch, input)]?.savedActivations;
        assert.ok(expected !== undefined, `${ORACLE} measured nothing for ${request(file, batch, input)}: add the example to torch_oracle.py`);
        const network = checkWithMemory(sourceFor(file, input), ['--batch', String(batch)]);
        const actual = network.memory!.savedActivations;
        const error = Math.abs(actual - expected) / expected;
        assert.ok(error <= 0.02, `${file}: CNN Lens says ${actual} bytes, PyTorch saves ${expected} (${(100 * error).toFixed(2)}% apart)`);
      });
    }
  }

  for (const [name, input] of optimizerChecks) {
    it(`${name}: SGD-momentum and Adam state equal optimizer.state after one step, byte for byte`, function () {
      const expected = measured[`${name}:1:${input}:optimizer`];
      const path = sourceFor(`${name}.cnn`, input || undefined);
      assert.equal(checkWithMemory(path, ['--batch', '1', '--optimizer', 'momentum']).memory!.optimizerState, expected.momentum);
      assert.equal(checkWithMemory(path, ['--batch', '1', '--optimizer', 'adam']).memory!.optimizerState, expected.adam);
    });
  }

  it('each per-op rule derivation is what PyTorch saves', () => {
    const ops = measured.ops as unknown as Record<string, number>;
    const disagreements = ruleCases.filter((c) => ops[c.key] !== c.saved).map((c) => `${c.key}: derived ${c.saved}, PyTorch ${ops[c.key]}`);
    assert.deepEqual(disagreements, []);
  });
});
