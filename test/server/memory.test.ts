/**
 * Training memory in the language server, through a real LSP client over
 * stdio: the `cnnLens.training` settings (from initializationOptions, from a
 * pushed configuration change, and pulled with workspace/configuration as VS
 * Code does), the hover line, the summary request and the budget warning.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import type { Diagnostic, Hover } from 'vscode-languageserver-protocol';
import type { NetworkSummaryResult } from '../../src/protocol/messages';
import { analyze } from '../../src/core';
import { largeAnalysisResults, resultCount } from '../../src/server/analysisProtocol';
import { examplesDir, readText } from '../helpers';
import { positionOf, TestServer } from './lspClient';

const resnet18 = readText(join(examplesDir, 'resnet18.cnn'));
/** The stem's batch norm (line 40), not the one inside BasicBranch. */
const stemBatchnorm = '  batchnorm\n  relu\n  maxpool';

function hoverText(hover: Hover | null): string {
  assert.ok(hover, 'expected a hover');
  return (hover.contents as { value: string }).value;
}

/** Waits until a publication for the document satisfies `test` (settings changes republish the same version). */
async function publicationWhere(server: TestServer, uri: string, test: (diagnostics: Diagnostic[]) => boolean): Promise<Diagnostic[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const found = server.publications(uri).find((p) => test(p.diagnostics));
    if (found) return found.diagnostics;
    if (Date.now() > deadline) assert.fail(`no publication matched; last: ${JSON.stringify(server.publications(uri).at(-1))}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function summaryOf(server: TestServer, uri: string): Promise<NetworkSummaryResult> {
  return server.request<NetworkSummaryResult>('cnnLens/networkSummary', { textDocument: { uri } });
}

describe('language server: training memory', function () {
  this.timeout(60_000);

  describe('settings from initializationOptions and pushed changes', () => {
    let server: TestServer;
    before(async () => {
      server = new TestServer({ diagnostics: { debounceMs: 20 }, training: { batchSize: 8, optimizer: 'adam', precision: 'fp32' } });
      await server.initialize();
    });
    after(async () => server?.stop());

    it('answers the summary request with ResNet-18’s memory at batch 8 with Adam, and the table the CLI prints', async () => {
      const uri = await server.open('memory-summary.cnn', resnet18);
      const [network] = (await summaryOf(server, uri)).networks;
      assert.ok(network.memory);
      // PyTorch's saved_tensors_hooks see 177,477,120 bytes for torchvision's ResNet-18 at batch 8 (test/oracle/memory.test.ts).
      assert.equal(network.memory.savedActivations, 177_477_120);
      // 11,689,512 trainable values and 9,600 running statistics in float32; Adam: two moments and a step per tensor (62 tensors).
      assert.deepEqual(
        [network.memory.batch, network.memory.optimizer, network.memory.parameters, network.memory.gradients, network.memory.optimizerState],
        [8, 'adam', (11_689_512 + 9_600) * 4, 11_689_512 * 4, 2 * 11_689_512 * 4 + 62 * 4],
      );
      assert.equal(network.memory.budget, null);
      assert.match(network.table, /Saved \(batch 8\)/);
      assert.match(network.table, /Training memory \(batch 8, Adam, fp32\):\n {2}Saved activations: 177\.48 MB/);
    });

    it('says in the hover what a layer saves for backward at the configured batch', async () => {
      const uri = await server.open('memory-hover.cnn', resnet18);
      // The stem's batch norm keeps its 64x112x112 input (3,211,264 B a sample) and 2·64 float32 statistics.
      const text = hoverText(await server.request<Hover>('textDocument/hover', { textDocument: { uri }, position: positionOf(resnet18, stemBatchnorm, 4) }));
      assert.match(text, /Saved for backward: 25\.69 MB \(batch 8, Adam, fp32\)\./);
      // Inside BasicBranch, the first convolution runs in all 8 blocks; its input is the ReLU output an earlier layer keeps.
      const inBlock = hoverText(await server.request<Hover>('textDocument/hover', { textDocument: { uri }, position: positionOf(resnet18, 'conv(c, 3, stride=stride', 2) }));
      assert.match(inBlock, /Saved for backward: [\d.]+ MB \(batch 8, Adam, fp32, all 8 evaluations\); [\d.]+ MB of it is kept by an earlier layer too/);
    });

    it('answers the summary, the hover line and the budget warning from an analysis with graphs kept in its worker', async () => {
      // ResNet-18 and a network of 6,000 layers: together far more graph nodes than an analysis copied to the server's thread holds.
      const text = `${resnet18}\nnetwork Long {\n  input(3x64x64)\n${'  conv(8, 3, padding=1)\n  relu\n'.repeat(3000)}}\n`;
      assert.ok(resultCount(analyze(text, { graph: true })) > largeAnalysisResults, 'the analysis with graphs stays in its worker');
      const uri = await server.open('memory-kept.cnn', text);
      const summary = await server.request<NetworkSummaryResult>('cnnLens/networkSummary', { textDocument: { uri }, position: positionOf(text, 'network Long') });
      assert.deepEqual(
        summary.networks.map((n) => n.name),
        ['ResNet18', 'Long'],
      );
      assert.equal(summary.active, 1, 'the cursor is in Long');
      // The same figures as ResNet-18 alone (above): PyTorch's 177,477,120 saved bytes at batch 8.
      assert.equal(summary.networks[0].memory?.savedActivations, 177_477_120);
      assert.match(summary.networks[0].table, /Saved \(batch 8\)/);
      // Long: 3,000 convolutions, the first from 3 channels (8·3·9 + 8 = 224 parameters), the rest from 8 (8·8·9 + 8 = 584).
      assert.equal(summary.networks[1].trainableParams, 224 + 2999 * 584);
      assert.equal(summary.networks[1].memory?.parameters, (224 + 2999 * 584) * 4);
      assert.equal(summary.networks[1].table.split('\n').filter((line) => /^conv/.test(line)).length, 3000);
      // What the status bar asks: the same totals and memory, without the tables.
      const totals = await server.request<NetworkSummaryResult>('cnnLens/networkSummary', { textDocument: { uri }, position: positionOf(text, 'network Long'), table: false });
      assert.deepEqual(
        totals.networks.map((n) => [n.table, n.tableLines, n.memory?.trainingPeak]),
        summary.networks.map((n) => ['', [], n.memory?.trainingPeak]),
      );
      assert.equal(totals.active, 1);
      // What the status bar asks now: the cursor's network alone.
      const cursorOnly = await server.request<NetworkSummaryResult>('cnnLens/networkSummary', { textDocument: { uri }, position: positionOf(text, 'network Long'), table: false, activeOnly: true });
      assert.deepEqual([cursorOnly.networks, cursorOnly.active], [[totals.networks[1]], 0]);
      // The status bar's first ask: the same totals from the plain analysis, without training memory.
      const quick = await server.request<NetworkSummaryResult>('cnnLens/networkSummary', {
        textDocument: { uri },
        position: positionOf(text, 'network Long'),
        table: false,
        activeOnly: true,
        memory: false,
      });
      assert.deepEqual(quick.networks, [{ ...totals.networks[1], memory: null }]);
      const hover = hoverText(await server.request<Hover>('textDocument/hover', { textDocument: { uri }, position: positionOf(text, stemBatchnorm, 4) }));
      assert.match(hover, /Saved for backward: 25\.69 MB \(batch 8, Adam, fp32\)\./);

      // A 1 GB budget at batch 64: ResNet-18 is over it (as above); Long keeps 64x64 maps of 8 channels 6,000 times, over it too.
      await server.connection.sendNotification('workspace/didChangeConfiguration', {
        settings: { cnnLens: { diagnostics: { debounceMs: 20 }, training: { batchSize: 64, optimizer: 'adam', memoryBudget: '1GB' } } },
      });
      try {
        const warnings = (await publicationWhere(server, uri, (list) => list.filter((d) => d.code === 'memory-budget').length === 2)).filter((d) => d.code === 'memory-budget');
        assert.deepEqual(
          warnings.map((w) => w.range.start.line),
          [positionOf(text, 'network ResNet18').line, positionOf(text, 'network Long').line],
        );
        assert.match(warnings[0].message, /Saved activations take 1\.42 GB/);
      } finally {
        await server.connection.sendNotification('workspace/didChangeConfiguration', {
          settings: { cnnLens: { diagnostics: { debounceMs: 20 }, training: { batchSize: 8, optimizer: 'adam', precision: 'fp32' } } },
        });
      }
    });

    it('computes the memory of new text sent under a version number it has seen before (cached by content)', async () => {
      const uri = await server.open('memory-reused-version.cnn', resnet18);
      const before = (await summaryOf(server, uri)).networks[0].memory!;
      assert.equal(before.savedActivations, 177_477_120);
      // Version 1 again, with a stem that keeps its full 224x224 resolution: every saved activation after it is 4 times larger.
      const wider = resnet18.replace('conv(64, 7, stride=2, padding=3, bias=false)', 'conv(64, 7, stride=1, padding=3, bias=false)').replace(/-> 64x112x112|-> 64x56x56/g, '');
      await server.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 1 }, contentChanges: [{ text: wider }] });
      const after = (await summaryOf(server, uri)).networks[0].memory!;
      assert.ok(after.savedActivations > 3 * before.savedActivations, `${after.savedActivations} should be about 4 times ${before.savedActivations}`);
    });

    it('warns when a pushed memory budget is exceeded, naming the largest consumers, and follows an edit', async () => {
      const uri = await server.open('memory-budget.cnn', resnet18);
      await server.diagnosticsFor(uri);
      await server.connection.sendNotification('workspace/didChangeConfiguration', {
        settings: { cnnLens: { diagnostics: { debounceMs: 20 }, training: { batchSize: 64, optimizer: 'adam', memoryBudget: '1GB' } } },
      });
      const diagnostics = await publicationWhere(server, uri, (list) => list.some((d) => d.code === 'memory-budget'));
      const warning = diagnostics.find((d) => d.code === 'memory-budget')!;
      assert.equal(warning.severity, 2);
      assert.equal(warning.range.start.line, positionOf(resnet18, 'network ResNet18').line);
      assert.match(
        warning.message,
        /Training ResNet18 \(batch 64, Adam, fp32\) needs [\d.]+ GB at its peak, over the 1\.00 GB budget\. Saved activations take 1\.42 GB, most of it at line \d+ \(\w+\)/,
      );
      const before = (await summaryOf(server, uri)).networks[0].memory!;
      assert.equal(before.budget, 1e9);
      assert.ok(before.largestBatch !== null && before.largestBatch > 0 && before.largestBatch < 64);

      // A wider stem convolution keeps more: the peak moves with the edit.
      await server.replaceText(uri, resnet18.replace('conv(64, 7, stride=2, padding=3, bias=false)', 'conv(64, 7, stride=1, padding=3, bias=false)').replace(/-> 64x112x112|-> 64x56x56/g, ''));
      await server.diagnosticsFor(uri);
      const after = (await summaryOf(server, uri)).networks[0].memory!;
      assert.ok(after.trainingPeak > before.trainingPeak, `${after.trainingPeak} should exceed ${before.trainingPeak}`);

      // Without a budget the warning goes away.
      const published = server.publications(uri).length;
      await server.connection.sendNotification('workspace/didChangeConfiguration', { settings: { cnnLens: { diagnostics: { debounceMs: 20 }, training: { batchSize: 64 } } } });
      const later = async () => {
        const deadline = Date.now() + 20_000;
        while (server.publications(uri).length <= published && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        return server.publications(uri).slice(published);
      };
      const republished = await later();
      assert.ok(republished.length > 0, 'the settings change republishes the diagnostics');
      assert.deepEqual(
        republished.at(-1)!.diagnostics.filter((d) => d.code === 'memory-budget'),
        [],
      );
    });
  });

  describe('settings pulled with workspace/configuration, as VS Code sends them', () => {
    let server: TestServer;
    let section: unknown = { diagnostics: { debounceMs: 20 }, training: { batchSize: 1, optimizer: 'momentum', precision: 'mixed' } };
    before(async () => {
      server = new TestServer(undefined, () => section);
      await server.initialize();
    });
    after(async () => server?.stop());

    it('reads batch, optimizer and precision from the client and re-reads them after a change', async () => {
      const uri = await server.open('memory-pull.cnn', resnet18);
      await server.diagnosticsFor(uri);
      const deadline = Date.now() + 10_000;
      let memory = (await summaryOf(server, uri)).networks[0].memory!;
      // The server asks for the configuration after `initialized`; wait until it has the answer.
      while (memory.optimizer !== 'momentum' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        memory = (await summaryOf(server, uri)).networks[0].memory!;
      }
      // Mixed precision: 2-byte weights and gradients; momentum and the float32 master copy 4 bytes each.
      assert.deepEqual([memory.batch, memory.optimizer, memory.precision, memory.gradients, memory.optimizerState], [1, 'momentum', 'mixed', 11_689_512 * 2, 11_689_512 * 8]);
      section = { training: { batchSize: 16, optimizer: 'sgd', precision: 'fp32', memoryBudget: 'nonsense' } };
      await server.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
      while (memory.batch !== 16 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        memory = (await summaryOf(server, uri)).networks[0].memory!;
      }
      assert.deepEqual([memory.batch, memory.optimizer, memory.optimizerState, memory.budget], [16, 'sgd', 0, null], 'an unreadable budget is no budget');
    });
  });
});
