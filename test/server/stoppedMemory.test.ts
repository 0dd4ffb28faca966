/**
 * Memory questions about a file whose every network stopped part-way
 * (too-large) are answered from its plain analysis, because its analysis with
 * graphs costs the same budget again while recording every layer, and gives
 * no training memory (that needs a whole graph). The answers must be the ones
 * the analysis with graphs gives; a file with one network that did not stop
 * still asks the analysis with graphs.
 */
import { strict as assert } from 'node:assert';
import { analyze } from '../../src/core';
import { answerQuery } from '../../src/server/analysisTasks';

const setup = { batch: 8, optimizer: 'adam', precision: 'fp32' } as const;
/** A conv, then a chain of blocks too deep to follow. */
const chain = (name: string) => `network ${name} {\n  input(3x8x8)\n  conv(16, 3)\n  D0\n}\n`;
const blocks = `${Array.from({ length: 829 }, (_, i) => `block D${i} { D${i + 1} }`).join('\n')}\nblock D829 { relu }\n`;

const cases: { name: string; text: string; everyStopped: boolean }[] = [
  { name: 'one network stopped by a chain too deep', text: chain('N') + blocks, everyStopped: true },
  { name: 'two networks, both stopped', text: chain('A') + chain('B') + blocks, everyStopped: true },
  { name: 'one stopped and one whole network', text: chain('A') + 'network B {\n  input(3x8x8)\n  conv(4, 3)\n}\n' + blocks, everyStopped: false },
  { name: 'no network', text: blocks, everyStopped: false },
];

describe('memory questions about networks that stopped part-way', () => {
  for (const { name, text, everyStopped } of cases) {
    it(`${name}: ${everyStopped ? 'the plain analysis answers as the one with graphs would' : 'the analysis with graphs answers'}`, () => {
      const plain = analyze(text);
      const withGraphs = analyze(text, { graph: true });
      assert.equal(answerQuery({ kind: 'everyNetworkStopped' }, plain, text), everyStopped);
      if (!everyStopped) return;
      for (const request of [
        { setup, budget: null, table: true, activeOnly: false },
        { setup, budget: 1e9, table: false, activeOnly: true, position: { line: 2, character: 2 } },
      ]) {
        const summary = answerQuery({ kind: 'networkSummary', ...request }, plain, text);
        assert.deepEqual(summary, answerQuery({ kind: 'networkSummary', ...request }, withGraphs, text));
        assert.ok(summary.networks.every((network) => network.trainableParams === null && network.memory === null));
      }
      assert.deepEqual(answerQuery({ kind: 'memoryBudget', setup, budget: 1 }, plain, text), answerQuery({ kind: 'memoryBudget', setup, budget: 1 }, withGraphs, text));
      const conv = { line: 2, character: 3 };
      assert.equal(answerQuery({ kind: 'memoryLine', setup, position: conv }, plain, text), answerQuery({ kind: 'memoryLine', setup, position: conv }, withGraphs, text));
    });
  }
});
