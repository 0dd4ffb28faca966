/**
 * The language server under hostile input and protocol misuse (issue 16),
 * through a real LSP client over stdio: one bad document must never take
 * the server, or any other document, down.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { CancellationTokenSource } from 'vscode-jsonrpc';
import type { CodeLens, Diagnostic, Hover, InitializeResult } from 'vscode-languageserver-protocol';
import type { NetworkSummaryResult } from '../../src/protocol/messages';
import { analyze } from '../../src/core';
import { examplesDir, readText } from '../helpers';
import { positionOf, TestServer } from './lspClient';

const lenet = readText(join(examplesDir, 'lenet5.cnn'));
const network = (body: string) => `network N {\n  input(3x8x8)\n${body}\n}\n`;

/** The reproductions of issue 16 that crashed or froze the server, and a code each must report instead. */
const hostile: { name: string; text: string; code: string }[] = [
  { name: '495 nested parentheses', text: network(`  conv(${'('.repeat(495)}4${')'.repeat(495)}, 3)`), code: 'syntax' },
  { name: '1,000 nested parentheses', text: network(`  conv(${'('.repeat(1000)}4${')'.repeat(1000)}, 3)`), code: 'syntax' },
  { name: '330 nested repeats', text: network(`${'repeat(2) {\n'.repeat(330)}relu\n${'}\n'.repeat(330)}`), code: 'syntax' },
  { name: 'a sum of 2,557 terms', text: network(`  conv(${'1+'.repeat(2556)}4, 3)`), code: 'syntax' },
  {
    name: 'a chain of 829 blocks',
    text: `network N {\n  input(3x8x8)\n  D0\n}\n${Array.from({ length: 829 }, (_, i) => `block D${i} { D${i + 1} }`).join('\n')}\nblock D829 { relu }\n`,
    code: 'too-large',
  },
];

function hoverText(hover: Hover | null): string {
  assert.ok(hover, 'expected a hover');
  return (hover.contents as { value: string }).value;
}

/** What the core (and so `cnn check`) reports for a text, as the server converts it. */
function expectedDiagnostics(text: string): { code: string; line: number; character: number; message: string }[] {
  return analyze(text).diagnostics.map((d) => ({ code: d.code, line: d.range.start.line, character: d.range.start.character, message: d.message }));
}

function summarize(diagnostics: Diagnostic[]): { code: string; line: number; character: number; message: string }[] {
  return diagnostics.map((d) => ({ code: String(d.code), line: d.range.start.line, character: d.range.start.character, message: d.message }));
}

describe('language server under hostile input', function () {
  this.timeout(120_000);

  describe('lifecycle', () => {
    it('answers ServerNotInitialized before initialize and InvalidRequest after shutdown, and advertises UTF-16 positions', async () => {
      const server = new TestServer();
      try {
        const uri = 'file:///before-init.cnn';
        await assert.rejects(server.request('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 0 } }), (error: { code: number }) => error.code === -32002);
        const result = (await server.initialize()) as InitializeResult;
        assert.equal(result.capabilities.positionEncoding, 'utf-16');
        const opened = await server.open('lifecycle.cnn', lenet);
        assert.match(hoverText(await server.request<Hover>('textDocument/hover', { textDocument: { uri: opened }, position: positionOf(lenet, 'dense(84)') })), /`120` → `84`/);
        await server.request('shutdown', null);
        await assert.rejects(server.request('textDocument/hover', { textDocument: { uri: opened }, position: positionOf(lenet, 'dense(84)') }), (error: { code: number }) => error.code === -32600);
      } finally {
        await server.stop();
      }
    });
  });

  describe('documents', () => {
    let server: TestServer;

    before(async () => {
      server = new TestServer({ diagnostics: { debounceMs: 20 } });
      await server.initialize();
    });

    after(async () => {
      await server?.stop();
    });

    /** The server still serves an ordinary document: diagnostics and a hover. */
    async function stillServes(name: string): Promise<void> {
      const uri = await server.open(name, lenet);
      assert.deepEqual(await server.diagnosticsFor(uri), []);
      assert.match(hoverText(await server.request<Hover>('textDocument/hover', { textDocument: { uri }, position: positionOf(lenet, 'dense(84)') })), /`120` → `84`/);
      assert.equal(server.process.exitCode, null, `the server exited: ${server.stderr}`);
    }

    for (const [index, { name, text, code }] of hostile.entries()) {
      it(`${name}: reports ${code}, as cnn check does, and keeps serving`, async () => {
        const uri = await server.open(`hostile-${index}.cnn`, text);
        const diagnostics = await server.diagnosticsFor(uri);
        assert.ok(
          diagnostics.some((d) => d.code === code),
          diagnostics.map((d) => d.code).join(),
        );
        assert.ok(!diagnostics.some((d) => d.code === 'internal-error'));
        assert.deepEqual(summarize(diagnostics), expectedDiagnostics(text));
        // Every feature answers on the hostile document itself, at its start, its middle and its end.
        const lines = text.split('\n');
        const end = { line: lines.length - 1, character: 0 };
        for (const position of [{ line: 2, character: 3 }, { line: Math.floor(lines.length / 2), character: 1 }, end]) {
          const at = { textDocument: { uri }, position };
          for (const [method, params] of [
            ['textDocument/hover', at],
            ['textDocument/completion', at],
            ['textDocument/signatureHelp', at],
            ['textDocument/definition', at],
            ['textDocument/references', { ...at, context: { includeDeclaration: true } }],
            ['textDocument/prepareRename', at],
            ['textDocument/codeAction', { textDocument: { uri }, range: { start: position, end: position }, context: { diagnostics: [] } }],
          ] as const) {
            await server.request(method, params).catch((error: { code: number; message: string }) => assert.equal(error.code, -32803, `${method}: ${error.message}`));
          }
        }
        for (const method of [
          'textDocument/inlayHint',
          'textDocument/semanticTokens/full',
          'textDocument/documentSymbol',
          'textDocument/foldingRange',
          'textDocument/codeLens',
          'textDocument/formatting',
          'cnnLens/networkSummary',
        ]) {
          await server.request(method, { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end }, options: { tabSize: 2, insertSpaces: true } });
        }
        await stillServes(`after-hostile-${index}.cnn`);
      });
    }

    it('gives a network stopped by too-large unknown totals in its summary, code lens and table, not the sums before the stop', async () => {
      // A conv of 448 parameters, then a chain too deep to follow: the network's totals are unknown, not 448.
      const text = `network N {\n  input(3x8x8)\n  conv(16, 3)\n  D0\n}\n${Array.from({ length: 829 }, (_, i) => `block D${i} { D${i + 1} }`).join('\n')}\nblock D829 { relu }\n`;
      const uri = await server.open('stopped-totals.cnn', text);
      assert.deepEqual(
        (await server.diagnosticsFor(uri)).map((d) => d.code),
        ['too-large'],
      );
      const summary = await server.request<NetworkSummaryResult>('cnnLens/networkSummary', { textDocument: { uri } });
      const [stopped] = summary.networks;
      assert.deepEqual(
        [stopped.trainableParams, stopped.nonTrainableParams, stopped.macs, stopped.activations, stopped.activationBytes, stopped.receptiveField, stopped.output, stopped.errors],
        [null, null, null, null, null, null, null, 1],
      );
      assert.match(stopped.table, /^Total params: unknown \(the analysis stopped part-way: see the too-large error\)$/m);
      assert.doesNotMatch(stopped.table, /^Total params: 448$/m);
      const lenses = await server.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri } });
      assert.deepEqual(
        lenses.map((lens) => lens.command?.title),
        ['totals unknown (the analysis stopped part-way)', '1 error', 'Open preview'],
      );
    });

    it('takes the totals of a network from the plain analysis where only the analysis with graphs ran out of budget', async () => {
      // A million 1x1 convs: the plain analysis extrapolates the repeats; the one with graphs records layer by layer and stops.
      const text = 'network Deep {\n  input(3x8x8)\n  repeat(1000) {\n    repeat(1000) {\n      conv(3, 1)\n    }\n  }\n}\n';
      const uri = await server.open('graph-stopped.cnn', text);
      assert.deepEqual(await server.diagnosticsFor(uri), []);
      const summary = await server.request<NetworkSummaryResult>('cnnLens/networkSummary', { textDocument: { uri }, table: false, activeOnly: true });
      const [deep] = summary.networks;
      // 3·3 + 3 = 12 parameters per conv, a million times, as the code lens says; no training memory without the whole graph.
      assert.deepEqual([deep.trainableParams, deep.output, deep.memory], [12_000_000, '3x8x8', null]);
      const lenses = await server.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri } });
      assert.equal(lenses[0].command?.title, '12,000,000 params (12,000,000 trainable / 0 non-trainable)');
    });

    it('opens a document without text, or with a number as text, as empty and keeps serving', async () => {
      for (const [name, text] of [
        ['no-text.cnn', undefined],
        ['number-text.cnn', 42],
      ] as const) {
        const uri = `file:///virtual/${name}`;
        await server.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'cnn', version: 1, ...(text === undefined ? {} : { text }) } });
        await server.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: 7 }] });
        const symbols = await server.request<unknown[]>('textDocument/documentSymbol', { textDocument: { uri } });
        assert.deepEqual(symbols, []);
      }
      await stillServes('after-no-text.cnn');
    });

    it('analyses new text sent under a version number it has seen before', async () => {
      const uri = await server.open('reused-version.cnn', lenet);
      assert.deepEqual(await server.diagnosticsFor(uri), []);
      const broken = lenet.replace('conv(6, 5)', 'conv(6, 5) -> 6x9x9');
      // Version 1 again, with other text.
      await server.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 1 }, contentChanges: [{ text: broken }] });
      const symbols = await server.request<{ name: string }[]>('textDocument/documentSymbol', { textDocument: { uri } });
      assert.ok(symbols.length > 0);
      for (;;) {
        const last = server.publications(uri).at(-1)!;
        if (last.diagnostics.length) {
          assert.deepEqual(summarize(last.diagnostics), expectedDiagnostics(broken));
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    });

    it('answers a request cancelled while queued with RequestCancelled', async () => {
      const big = 'network Big {\n  input(3x64x64)\n' + '  conv(8, 3, padding=1)\n  relu\n'.repeat(5000) + '}\n';
      const busy = await server.open('busy.cnn', big);
      await server.diagnosticsFor(busy);
      const small = await server.open('small.cnn', lenet);
      await server.diagnosticsFor(small);
      // New text for the big document, then a request that must analyse it now, then one that is cancelled behind it.
      await server.replaceText(busy, big.replace('relu', 'gelu'));
      const slow = server.request('textDocument/semanticTokens/full', { textDocument: { uri: busy } });
      const source = new CancellationTokenSource();
      const cancelled = server.connection.sendRequest('textDocument/hover', { textDocument: { uri: small }, position: positionOf(lenet, 'dense(84)') }, source.token);
      source.cancel();
      await assert.rejects(cancelled, (error: { code: number }) => error.code === -32800);
      await slow;
    });
  });
});
