/**
 * Training memory of files large enough for `cnn summary` and `cnn check
 * --batch` to compute it in a worker thread (src/cli/trainingMemory.ts, past
 * 256 KB), beside the plain analysis. The oracle is the same core run the
 * simple way, in one thread: the analysis with graphs of the whole file, then
 * each network's memory. The worker must print exactly that, also for a
 * network whose graph stops and one with an error, and a worker that fails
 * must leave the figures to be computed on the command line's thread.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analysisMemory, analyze, largestBatch, renderSummary, toJsonReport, type TrainingSetup } from '../../src/core';
import { parseByteSize } from '../../src/core/format';
import { memoryWorkerThreshold, startAnalysisWithMemory } from '../../src/cli/trainingMemory';
import { repoRoot } from '../helpers';

const scratch = mkdtempSync(join(tmpdir(), 'cnn-memory-worker-'));
const lenet = readFileSync(join(repoRoot, 'examples', 'lenet5.cnn'), 'utf8');
// 250,001 layers once expanded: the plain analysis finishes it, its graph stops (memory unknown).
const tooLongToPlan = 'network Deep {\n  input(3x8x8)\n  conv(16, 3)\n  repeat(999) { relu }\n  repeat(1000) {\n    repeat(249) { relu }\n  }\n}\n';
const withError = 'network Broken {\n  input(3x8x8)\n  conv(4, 9)\n  relu\n}\n';
const copies = Math.ceil(memoryWorkerThreshold / lenet.length) + 1;
/** LeNet-5 under many names, with the network too long to plan and the broken one among them: past the threshold. */
const text = Array.from({ length: copies }, (_, i) => lenet.replace('network LeNet5', `network LeNet5_${i}`))
  .flatMap((network, i) => (i === 3 ? [network, tooLongToPlan] : i === 7 ? [network, withError] : [network]))
  .join('\n');
const path = join(scratch, 'many.cnn');
writeFileSync(path, text);
const setup: TrainingSetup = { batch: 8, optimizer: 'adam', precision: 'fp32' };
const budget = '24GB';

/** Each network's memory and fit to the budget, from one analysis with graphs on this thread. */
function oracle(): { memory: ReturnType<typeof analysisMemory>; fits: ({ budgetBytes: number; batch: number } | null)[] } {
  const withGraphs = analyze(text, { graph: true });
  const budgetBytes = parseByteSize(budget)!;
  return {
    memory: analysisMemory(withGraphs, setup),
    fits: withGraphs.networks.map((_, index) => {
      const graph = withGraphs.graphs?.[index];
      const batch = graph ? largestBatch(graph, setup, budgetBytes) : null;
      return batch === null ? null : { budgetBytes, batch };
    }),
  };
}

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [join(repoRoot, 'dist', 'cli.js'), ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('training memory of a file past 256 KB, computed in a worker thread', function () {
  this.timeout(60_000);
  const expected = oracle();

  it('is past the threshold, with a network whose graph stops and one with an error among LeNet-5s', () => {
    assert.ok(text.length >= memoryWorkerThreshold, `${text.length} characters`);
    assert.equal(expected.memory.length, copies + 2);
    assert.equal(expected.memory.filter((m) => m === null).length, 2, 'the long network and the broken one have no memory');
  });

  it('cnn summary prints what the one-thread computation gives, every LeNet-5 with 61,706 parameters', () => {
    const run = cli(['summary', '--batch', '8', '--optimizer', 'adam', '--budget', budget, path]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /many\.cnn:\d+:\d+: error nonpositive-size/);
    const plain = analyze(text);
    assert.equal(run.stdout, `${renderSummary(plain, text, { depth: 1, memory: expected.memory, fits: expected.fits })}\n`);
    assert.equal(run.stdout.match(/Total params: 61,706\n/g)?.length, copies);
    assert.equal(run.stdout.match(/Training memory \(batch 8, Adam, fp32\):/g)?.length, copies);
    assert.match(run.stdout, /Network Deep:[^]*?Total params: 448\n[^]*?Training memory: unknown/);
  });

  it('cnn check --json --batch reports the same memory per network', () => {
    const run = cli(['check', '--json', '--batch', '8', '--optimizer', 'adam', path]);
    assert.equal(run.code, 1, run.stderr);
    const [report] = JSON.parse(run.stdout).files;
    assert.deepEqual(report, JSON.parse(JSON.stringify(toJsonReport(path, analyze(text), expected.memory))));
  });

  it('gives the same figures with the worker, without it (its bundle missing), and when it fails or ends early', () => {
    const failing = join(scratch, 'failing.js');
    writeFileSync(
      failing,
      "const { workerData } = require('node:worker_threads');\n" +
        "workerData.port.postMessage({ kind: 'failed', message: 'out of luck' });\n" +
        'Atomics.add(workerData.signal, 0, 1);\nAtomics.notify(workerData.signal, 0);\n',
    );
    const endingEarly = join(scratch, 'endingEarly.js');
    writeFileSync(
      endingEarly,
      "const { workerData } = require('node:worker_threads');\n" +
        "workerData.port.postMessage({ kind: 'done' });\n" +
        'Atomics.add(workerData.signal, 0, 1);\nAtomics.notify(workerData.signal, 0);\n',
    );
    const budgetBytes = parseByteSize(budget)!;
    for (const script of [join(repoRoot, 'dist', 'memoryWorker.js'), join(scratch, 'missing.js'), failing, endingEarly]) {
      const { analysis, figures } = startAnalysisWithMemory(text, setup, budgetBytes, script);
      const all = analysis.networks.map((_, index) => figures.at(index));
      assert.deepEqual(
        all.map((f) => f.memory),
        expected.memory,
        script,
      );
      assert.deepEqual(
        all.map((f) => f.fit),
        expected.fits,
        script,
      );
    }
  });
});
