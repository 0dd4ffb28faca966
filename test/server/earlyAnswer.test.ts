/**
 * Answers that read one network, given while the analysis with graphs is
 * still running (src/server/earlyAnswer.ts), through a real LSP client over
 * stdio. The file: a block, LeNet-5, three networks of 6,000 layers each
 * (what keeps the analysis running), and a last network that calls the
 * block twice. Each case opens the file afresh, so that its analysis with
 * graphs starts with the request. The status bar's summary of the cursor's
 * network equals the whole analysis's summary of that network, and comes
 * first even when asked second, after a request that needs every network;
 * the hover's memory line equals the one the whole analysis gives, inside a
 * network (answered early) and inside the block (which needs every network).
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import type { Hover } from 'vscode-languageserver-protocol';
import { analyze } from '../../src/core';
import type { NetworkSummaryResult } from '../../src/protocol/messages';
import { memoryHoverLine } from '../../src/server/memoryFigures';
import { examplesDir, readText } from '../helpers';
import { positionOf, TestServer } from './lspClient';

const setup = { batch: 8, optimizer: 'adam', precision: 'fp32' } as const;
const long = (name: string) => `network ${name} {\n  input(3x32x32)\n${'  conv(8, 3, padding=1)\n  relu\n'.repeat(3000)}}\n`;
const text = [
  '# Networks for answers given while the analysis runs.',
  'block Pair(c) {\n  conv(c, 3, padding=1)\n  relu\n}',
  readText(join(examplesDir, 'lenet5.cnn')),
  long('LongA'),
  long('LongB'),
  long('LongC'),
  'network Last {\n  input(3x16x16)\n  Pair(8)\n  Pair(16)\n  flatten\n  dense(5)\n}\n',
].join('\n');
const networkNames = ['LeNet5', 'LongA', 'LongB', 'LongC', 'Last'];

/** Where the cursor is, and the network the status bar shows there. */
const cursors = [
  { where: 'the comment above every network (the first network is shown)', position: { line: 0, character: 3 }, network: 'LeNet5' },
  { where: "LeNet-5's second convolution", position: positionOf(text, 'conv(16, 5)', 2), network: 'LeNet5' },
  { where: 'the middle long network', position: positionOf(text, 'network LongB', 10), network: 'LongB' },
  { where: "the last network's dense layer", position: positionOf(text, 'dense(5)', 3), network: 'Last' },
];

/** The hover positions, and the memory line the analysis with graphs of the whole file gives there. */
const hovers = [
  { where: "LeNet-5's first convolution", position: positionOf(text, 'conv(6, 5)', 2) },
  { where: "the last network's dense layer", position: positionOf(text, 'dense(5)', 3) },
  { where: "the block's convolution, evaluated by both calls", position: positionOf(text, 'conv(c, 3', 2) },
];

describe('language server: answers from one network while the analysis runs', function () {
  this.timeout(120_000);
  let server: TestServer;
  let opened = 0;
  before(async () => {
    server = new TestServer({ diagnostics: { debounceMs: 0 }, training: { batchSize: setup.batch, optimizer: setup.optimizer, precision: setup.precision } });
    await server.initialize();
  });
  after(async () => server?.stop());

  const summary = (uri: string, params: Record<string, unknown>) => server.request<NetworkSummaryResult>('cnnLens/networkSummary', { textDocument: { uri }, ...params });

  for (const cursor of cursors) {
    it(`answers the status bar at ${cursor.where} before a summary of every network asked first, with the same figures`, async () => {
      const uri = await server.open(`early-${opened++}.cnn`, text);
      const order: string[] = [];
      const whole = summary(uri, { position: cursor.position }).then((answer) => (order.push('every network'), answer));
      const active = summary(uri, { position: cursor.position, activeOnly: true }).then((answer) => (order.push('status bar'), answer));
      const [all, one] = await Promise.all([whole, active]);
      assert.deepEqual(order, ['status bar', 'every network'], 'the status bar waits for its network alone');
      assert.deepEqual(
        all.networks.map((n) => n.name),
        networkNames,
      );
      const index = networkNames.indexOf(cursor.network);
      assert.equal(all.active, index);
      assert.equal(one.active, 0);
      assert.equal(one.networks.length, 1);
      // The same totals, errors, training memory and summary table as the whole analysis's.
      assert.deepEqual(one.networks[0], all.networks[index]);
      assert.ok(one.networks[0].memory, 'with training memory');
      if (cursor.network === 'LeNet5') assert.equal(one.networks[0].trainableParams, 61_706);
      // A 3x3 convolution to 8 channels from 3 (224 parameters with its bias), then 2,999 from 8 (584 each).
      if (cursor.network === 'LongB') assert.equal(one.networks[0].trainableParams, 224 + 2999 * 584);
    });
  }

  for (const hover of hovers) {
    it(`says in the hover over ${hover.where} what the whole analysis says it saves for backward`, async () => {
      const uri = await server.open(`early-${opened++}.cnn`, text);
      const answer = await server.request<Hover>('textDocument/hover', { textDocument: { uri }, position: hover.position });
      const expected = memoryHoverLine(analyze(text, { graph: true }), setup, hover.position);
      assert.ok(expected?.startsWith('Saved for backward: '), `the whole analysis has a memory line at ${hover.where}`);
      if (!expected) return;
      assert.ok(answer && (answer.contents as { value: string }).value.includes(expected), `the hover holds "${expected}"`);
      if (hover.where.startsWith("the block's")) assert.match(expected, /all 2 evaluations/);
    });
  }
});
