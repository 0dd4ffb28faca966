/**
 * Memory questions about a file whose every network stopped part-way
 * (too-large), or expands past the layers a graph records (maxGraphLayers),
 * are answered from its plain analysis, because its analysis with graphs
 * costs the same budget again while recording every layer up to where it
 * stops, and gives no training memory (that needs a whole graph). The answers
 * must be the ones the analysis with graphs gives; a file with one network
 * that did not stop still asks the analysis with graphs.
 */
import { strict as assert } from 'node:assert';
import { analyze } from '../../src/core';
import { answerQuery } from '../../src/server/analysisTasks';

const setup = { batch: 8, optimizer: 'adam', precision: 'fp32' } as const;
/** A conv, then a chain of blocks too deep to follow. */
const chain = (name: string) => `network ${name} {\n  input(3x8x8)\n  conv(16, 3)\n  D0\n}\n`;
const blocks = `${Array.from({ length: 829 }, (_, i) => `block D${i} { D${i + 1} }`).join('\n')}\nblock D829 { relu }\n`;

/** A conv, `relus` relus, then `passes` passes of 249 relus in nested repeats: the graph records 2 + `relus` + 249 · `passes` layers. */
const nested = (relus: number, passes: number) => `network Deep {\n  input(3x8x8)\n  conv(16, 3)\n  repeat(${relus}) { relu }\n  repeat(${passes}) {\n    repeat(249) { relu }\n  }\n}\n`;

const cases: { name: string; text: string; noMemory: boolean }[] = [
  { name: 'one network stopped by a chain too deep', text: chain('N') + blocks, noMemory: true },
  { name: 'two networks, both stopped', text: chain('A') + chain('B') + blocks, noMemory: true },
  { name: 'one stopped and one whole network', text: chain('A') + 'network B {\n  input(3x8x8)\n  conv(4, 3)\n}\n' + blocks, noMemory: false },
  { name: 'no network', text: blocks, noMemory: false },
  // 250,001 layers: one past the cap, so the graph cannot be whole; the plain analysis, which fast-forwards repeats, finishes.
  { name: 'one network one layer past the layers a graph records', text: nested(999, 1000), noMemory: true },
  // 10,960 layers: the graph is whole and has training memory.
  { name: 'one network of nested repeats within the layers a graph records', text: nested(998, 40), noMemory: false },
];

describe('memory questions about networks that stopped part-way', () => {
  for (const { name, text, noMemory } of cases) {
    it(`${name}: ${noMemory ? 'the plain analysis answers as the one with graphs would' : 'the analysis with graphs answers'}`, () => {
      const plain = analyze(text);
      const withGraphs = analyze(text, { graph: true });
      assert.equal(answerQuery({ kind: 'noTrainingMemory' }, plain, text), noMemory);
      // The oracle: whether the analysis with graphs gives any network's training memory.
      const graphAnswer = answerQuery({ kind: 'networkSummary', setup, budget: null, table: false, activeOnly: false }, withGraphs, text);
      if (graphAnswer.networks.length)
        assert.equal(
          graphAnswer.networks.every((network) => network.memory === null),
          noMemory,
        );
      if (!noMemory) return;
      for (const request of [
        { setup, budget: null, table: true, activeOnly: false },
        { setup, budget: 1e9, table: false, activeOnly: true, position: { line: 2, character: 2 } },
      ]) {
        const summary = answerQuery({ kind: 'networkSummary', ...request }, plain, text);
        const withGraphsSummary = answerQuery({ kind: 'networkSummary', ...request }, withGraphs, text);
        // Where only the graph stopped, the server shows the plain analysis's totals (summary.ts): the same answer.
        assert.deepEqual(summary, { ...withGraphsSummary, networks: withGraphsSummary.networks.map((network, index) => (network.trainableParams === null ? summary.networks[index] : network)) });
        assert.ok(summary.networks.every((network) => network.memory === null));
      }
      assert.deepEqual(answerQuery({ kind: 'memoryBudget', setup, budget: 1 }, plain, text), answerQuery({ kind: 'memoryBudget', setup, budget: 1 }, withGraphs, text));
      const conv = { line: 2, character: 3 };
      assert.equal(answerQuery({ kind: 'memoryLine', setup, position: conv }, plain, text), answerQuery({ kind: 'memoryLine', setup, position: conv }, withGraphs, text));
    });
  }
});
