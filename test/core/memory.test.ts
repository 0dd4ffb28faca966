/**
 * Training memory, rule by rule. Each case is a tiny network whose expected
 * bytes are derived by hand next to it from what PyTorch's autograd saves
 * (the reasons in src/core/memory/rules.ts); test/oracle/memory.test.ts
 * checks whole networks against PyTorch itself.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { analyze, analysisMemory, largestBatch, memoryBudgetDiagnostics, memoryRules, networkMemory, opDefinitions, type NetworkMemory, type TrainingSetup } from '../../src/core';
import { parseByteSize } from '../../src/core/format';
import { ruleCases } from './memoryCases';

const fp32 = (batch: number): TrainingSetup => ({ batch, optimizer: 'sgd', precision: 'fp32' });

/** The memory of the one network in `body` (statements after `network N {`). */
function memoryOf(body: string, setup: TrainingSetup = fp32(1)): NetworkMemory {
  const analysis = analyze(`network N {\n${body}\n}\n`, { graph: true });
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(
    errors.map((d) => d.message),
    [],
    `the test network should be valid:\n${body}`,
  );
  const memory = networkMemory(analysis.graphs![0], setup);
  assert.ok(memory, 'memory of a complete graph');
  return memory;
}

describe('training memory: what autograd saves, per op', () => {
  for (const c of ruleCases) {
    it(`${c.name} (${c.why})`, () => {
      assert.equal(memoryOf(c.body, fp32(c.batch)).savedActivations, c.saved);
    });
  }

  it('has a rule with a reason for every op the language knows', () => {
    const missing = opDefinitions.map((d) => d.names[0]).filter((name) => !memoryRules[name]?.reason);
    assert.deepEqual(missing, [], 'add these ops to src/core/memory/rules.ts');
  });

  it('in mixed precision keeps activations in 2 bytes, statistics in float32 and indices in int64', () => {
    const mixed: TrainingSetup = { batch: 1, optimizer: 'sgd', precision: 'mixed' };
    // input 32 values at 2 bytes; stats 2·2 float32.
    assert.equal(memoryOf('input(2x4x4); batchnorm', mixed).savedActivations, 32 * 2 + 2 * 2 * 4);
    // input 32 values at 2 bytes; 8 int64 indices.
    assert.equal(memoryOf('input(2x4x4); maxpool(2)', mixed).savedActivations, 32 * 2 + 8 * 8);
  });
});

describe('training memory: parameters, gradients and optimizer state', () => {
  // LeNet-5: 61,706 trainable values in 10 tensors (5 layers, each a weight and a bias).
  const lenet = readFileSync('examples/lenet5.cnn', 'utf8');
  const graph = analyze(lenet, { graph: true }).graphs![0];
  const values = 61_706;

  it('counts 4 bytes a value in fp32: SGD keeps nothing, momentum one buffer, Adam two and a step per tensor', () => {
    const sgd = networkMemory(graph, fp32(1))!;
    assert.deepEqual([sgd.parameters, sgd.gradients, sgd.optimizerState], [4 * values, 4 * values, 0]);
    assert.equal(networkMemory(graph, { batch: 1, optimizer: 'momentum', precision: 'fp32' })!.optimizerState, 4 * values);
    assert.equal(networkMemory(graph, { batch: 1, optimizer: 'adam', precision: 'fp32' })!.optimizerState, 8 * values + 4 * 10);
  });

  it('in mixed precision has 2-byte weights and gradients and a float32 master copy', () => {
    const adam = networkMemory(graph, { batch: 1, optimizer: 'adam', precision: 'mixed' })!;
    assert.deepEqual([adam.parameters, adam.gradients, adam.optimizerState], [2 * values, 2 * values, 4 * values + 8 * values + 4 * 10]);
    assert.equal(networkMemory(graph, { batch: 1, optimizer: 'sgd', precision: 'mixed' })!.optimizerState, 4 * values);
  });

  it('counts running statistics as parameters but gives them no gradient', () => {
    // batchnorm on 3 channels: 6 trainable, 6 running values.
    const memory = memoryOf('input(3x2x2); batchnorm');
    assert.deepEqual([memory.parameters, memory.gradients], [12 * 4, 6 * 4]);
  });
});

describe('training memory: peaks', () => {
  it('training peak: parameters + state + the larger of (saved + backward workspace) and (gradients + temporaries)', () => {
    // conv(2, 3, padding=1) on 1x4x4: 2·9 + 2 = 20 values, 80 B of weights and 80 of gradients.
    // Saved: the 16-value input, 64 B. Workspace: output gradient 2x4x4 (128 B) + input gradient (64 B).
    const memory = memoryOf('input(1x4x4); conv(2, 3, padding=1)');
    assert.deepEqual([memory.savedActivations, memory.backwardWorkspace, memory.parameters, memory.gradients], [64, 192, 80, 80]);
    assert.equal(memory.trainingPeak, 80 + 0 + Math.max(64 + 192, 80 + 0));
    // Adam: 2·80 + 4·2 tensors of state, and an 80-byte temporary.
    const adam = memoryOf('input(1x4x4); conv(2, 3, padding=1)', { batch: 1, optimizer: 'adam', precision: 'fp32' });
    assert.equal(adam.trainingPeak, 80 + 168 + Math.max(64 + 192, 80 + 80));
  });

  it('inference peak: a skip connection keeps its tensor alive until the merge', () => {
    // Weights 80 B. Chain: input 64 + conv out 128 = 192; input freed; relu 128 + 128 = 256; conv out freed; relu 2 → 256.
    assert.equal(memoryOf('input(1x4x4); conv(2, 3, padding=1); relu; relu').inferencePeak, 80 + 256);
    // With a skip: conv out `a` lives until add: a 128 + relu 128 + add 128 = 384.
    assert.equal(memoryOf('input(1x4x4); a: conv(2, 3, padding=1); relu; add(a)').inferencePeak, 80 + 384);
  });

  it('inference peak: a separable convolution holds its depthwise output while it runs', () => {
    // Weights: 2·9 depthwise + 2·3 pointwise + 3 bias = 27 values, 108 B. Input 32 values, output 3x4x4 = 48,
    // and the depthwise step's 2x4x4 = 32 in between: 112 values, 448 B.
    assert.equal(memoryOf('input(2x4x4); separable_conv(3, 3, padding=1)').inferencePeak, 108 + 448);
  });

  it('finds the largest batch that fits a budget', () => {
    const graph = analyze(readFileSync('examples/resnet18.cnn', 'utf8'), { graph: true }).graphs![0];
    const setup = { optimizer: 'adam', precision: 'fp32' } as const;
    const budget = parseByteSize('24GB')!;
    const batch = largestBatch(graph, setup, budget)!;
    assert.ok(networkMemory(graph, { ...setup, batch })!.trainingPeak <= budget);
    assert.ok(networkMemory(graph, { ...setup, batch: batch + 1 })!.trainingPeak > budget);
    assert.equal(largestBatch(graph, setup, 1000), 0, 'not even one sample fits 1 KB');
  });

  it('reads memory sizes in decimal and binary units', () => {
    assert.deepEqual(['24GB', '16 GiB', '512mb', '1.5 GB', 'lots', '0GB', ''].map(parseByteSize), [24e9, 16 * 2 ** 30, 512e6, 1.5e9, undefined, undefined, undefined]);
  });
});

describe('training memory: whole networks', () => {
  for (const file of readdirSync('examples').filter((f) => f.endsWith('.cnn'))) {
    it(`${file}: the statements' saved activations add up to the network's`, () => {
      const analysis = analyze(readFileSync(`examples/${file}`, 'utf8'), { graph: true });
      const [memory] = analysisMemory(analysis, fp32(3));
      assert.ok(memory);
      assert.equal(memory.savedByStatement.length, analysis.networks[0].statements.length);
      assert.equal(
        memory.savedByStatement.reduce((a, b) => a + b, 0),
        memory.savedActivations,
      );
    });
  }

  it('handles a graph of 120,000 layers', function () {
    // Past the engine's limit on spread arguments (about 120,000), which Math.max(...list) would hit.
    // Analysing that many layers takes seconds on a busy machine.
    this.timeout(120_000);
    // Two ReLUs a pass: each keeps its 16-value output, 64 B.
    const memory = memoryOf('input(1x4x4); repeat(10000) { repeat(6) { relu; relu } }');
    assert.equal(memory.savedActivations, 120_000 * 64);
  });

  it('gives no figure for a network whose analysis failed', () => {
    const analysis = analyze('network N {\n  input(3x8x8)\n  conv(4, 9)\n  relu\n}\n', { graph: true });
    assert.deepEqual(analysisMemory(analysis, fp32(1)), [null]);
  });

  it('warns when the training peak exceeds a budget, naming the largest consumers and the batch that fits', () => {
    const text = readFileSync('examples/resnet18.cnn', 'utf8');
    const analysis = analyze(text, { graph: true });
    const setup: TrainingSetup = { batch: 64, optimizer: 'adam', precision: 'fp32' };
    const memory = analysisMemory(analysis, setup);
    const [warning] = memoryBudgetDiagnostics(analysis, memory, 1e9);
    assert.equal(warning.code, 'memory-budget');
    assert.equal(warning.severity, 'warning');
    assert.equal(warning.range.start.line, analysis.networks[0].declaration.nameRange.start.line);
    // The stem's batchnorm and relu (64x112x112 each, 25.69 MB a tensor at batch 8) are the largest single statements: 205.52 MB at batch 64.
    assert.match(warning.message, /line 40 \(batchnorm\) 205\.52 MB, line 41 \(relu\) 205\.52 MB/);
    const fits = largestBatch(analysis.graphs![0], setup, 1e9);
    assert.match(warning.message, new RegExp(`A batch of ${fits} fits\\.`));
    assert.deepEqual(memoryBudgetDiagnostics(analysis, memory, 1e12), []);
  });
});
