/**
 * The cap on what one file's outline, folding ranges, code lenses and inlay
 * hints hold (`cnnLens.maxItemsComputed`, issue 16: a megabyte file's whole
 * outline is 36 MB of JSON), through a real LSP client over stdio: a cut
 * outline keeps every declaration and the first statements in order, lenses
 * come for whole networks only, the user is told once per file, and the
 * setting raises the cap. And inlay hints and semantic tokens stop at the
 * column where VS Code stops drawing a line (renderedColumns.ts).
 */
import { strict as assert } from 'node:assert';
import type { CodeLens, DocumentSymbol, FoldingRange, InlayHint } from 'vscode-languageserver-protocol';
import { TestServer } from './lspClient';

/** Two blocks, then a network of 10,002 statements, one per line from line 3. */
const outlined =
  'block Stem(c) { conv(c, 3, padding=1); relu }\nblock Pair(c) { Stem(c); Stem(c) }\nnetwork Big {\n  input(3x16x16)\n  Pair(8)\n' + '  conv(8, 3, padding=1)\n  relu\n'.repeat(5000) + '}\n';

/** 1,000 small networks; every hundredth asserts a wrong shape (one error). */
const networks = Array.from({ length: 1000 }, (_, i) => `network N${i} { input(3x8x8); conv(4, 3)${i % 100 === 0 ? ' -> 5x6x6' : ''} }\n`).join('');

const symbolCount = (symbols: DocumentSymbol[]): number => symbols.reduce((sum, symbol) => sum + 1 + symbolCount(symbol.children ?? []), 0);

describe('the cap on outline symbols, folding ranges, code lenses and inlay hints (cnnLens.maxItemsComputed)', function () {
  this.timeout(120000);
  let server: TestServer;
  let maxItemsComputed: number | undefined;
  const configure = (cap: number | undefined) => {
    maxItemsComputed = cap;
    return server.connection.sendNotification('workspace/didChangeConfiguration', { settings: { cnnLens: { diagnostics: { debounceMs: 0 }, maxItemsComputed } } });
  };
  before(async () => {
    server = new TestServer({ diagnostics: { debounceMs: 0 } });
    await server.initialize();
  });
  after(() => server.stop());

  it('cuts the outline breadth first at 5,000 symbols, keeping every declaration, and says so once', async () => {
    const uri = await server.open('outlined.cnn', outlined);
    await server.diagnosticsFor(uri);
    const document = { textDocument: { uri } };
    const symbols = await server.request<DocumentSymbol[]>('textDocument/documentSymbol', document);
    assert.equal(symbolCount(symbols), 5000);
    assert.deepEqual(
      symbols.map((s) => [s.name, s.children?.map((c) => c.name).slice(0, 3)]),
      [
        ['Stem', ['c', 'conv', 'relu']],
        ['Pair', ['c', 'Stem', 'Stem']],
        ['Big', ['input', 'Pair', 'conv']],
      ],
    );
    // 5,000 less the three declarations and their six children: the network's first 4,991 statements, in order, one per line.
    const big = symbols[2].children!;
    assert.equal(big.length, 4991);
    assert.ok(big.every((statement, index) => statement.range.start.line === 3 + index));
    assert.equal(big[4990].detail, '8x16x16');
    // Asked again, and for the folding ranges too: one message for the file.
    await server.request('textDocument/documentSymbol', document);
    await server.request('textDocument/foldingRange', document);
    const told = server.messages.filter((m) => m.message.includes('outlined.cnn'));
    assert.deepEqual(told, [
      {
        type: 3,
        message:
          'CNN Lens shows the first 5,000 outline symbols of outlined.cnn, for speed (its folding ranges, code lenses and inlay hints stop at the same number); the setting cnnLens.maxItemsComputed raises the limit.',
      },
    ]);

    await configure(20000);
    try {
      const whole = await server.request<DocumentSymbol[]>('textDocument/documentSymbol', document);
      assert.equal(whole[2].children!.length, 10002);
      assert.equal(symbolCount(whole), 3 + 6 + 10002);
    } finally {
      await configure(undefined);
    }
  });

  it('gives code lenses for whole networks only, each network counting its own errors', async () => {
    const uri = await server.open('networks.cnn', networks);
    await server.diagnosticsFor(uri);
    const document = { textDocument: { uri } };
    const cut = await server.request<CodeLens[]>('textDocument/codeLens', document);
    await configure(100000);
    let all: CodeLens[];
    try {
      all = await server.request<CodeLens[]>('textDocument/codeLens', document);
    } finally {
      await configure(undefined);
    }
    const networkOf = (lens: CodeLens) => lens.command!.arguments![1] as string;
    assert.equal(new Set(all.map(networkOf)).size, 1000);
    // Whole networks: the cut list is a prefix of the whole one that ends where the next network's lenses begin.
    assert.ok(cut.length <= 5000 && cut.length > 5000 - 10);
    assert.deepEqual(cut, all.slice(0, cut.length));
    assert.notEqual(networkOf(all[cut.length]), networkOf(all[cut.length - 1]));
    // The error lens stands on exactly the networks whose assertion is wrong.
    const withErrors = all.filter((lens) => lens.command!.title === '1 error').map(networkOf);
    assert.deepEqual(
      withErrors,
      Array.from({ length: 10 }, (_, i) => `N${i * 100}`),
    );
    assert.deepEqual(
      server.messages.filter((m) => m.message.includes('networks.cnn')).map((m) => m.message.slice(0, m.message.indexOf(', for speed'))),
      ['CNN Lens shows the first 5,000 code lenses of networks.cnn'],
    );
  });

  it('cuts folding ranges and inlay hints at 5,000, in source order', async () => {
    const folded = 'network Folded {\n  input(3x8x8)\n' + '  /* a\n  comment */\n'.repeat(6000) + '  relu\n}\n';
    const foldedUri = await server.open('folded.cnn', folded);
    await server.diagnosticsFor(foldedUri);
    const ranges = await server.request<FoldingRange[]>('textDocument/foldingRange', { textDocument: { uri: foldedUri } });
    assert.equal(ranges.length, 5000);
    assert.deepEqual(ranges.slice(0, 3), [
      { startLine: 0, endLine: 12002 },
      { startLine: 2, endLine: 3, kind: 'comment' },
      { startLine: 4, endLine: 5, kind: 'comment' },
    ]);

    // 6,000 relus on six lines of 6,000 characters (no hint stops at the column where VS Code stops drawing a line).
    const line = 'network Line { input(8x8x8); ' + Array.from({ length: 6 }, () => 'relu; '.repeat(1000)).join('\n') + '}';
    const lineUri = await server.open('line.cnn', line);
    await server.diagnosticsFor(lineUri);
    const whole = { start: { line: 0, character: 0 }, end: { line: 6, character: 0 } };
    const hints = await server.request<InlayHint[]>('textDocument/inlayHint', { textDocument: { uri: lineUri }, range: whole });
    assert.equal(hints.length, 5000);
    const firstRelu = line.indexOf('relu');
    // The 5,000th relu is the last of the fifth line, which starts at character 0.
    assert.deepEqual([hints[0].position, hints[0].label, hints[4999].position], [{ line: 0, character: firstRelu + 4 }, '→ 8x8x8', { line: 4, character: 999 * 6 + 4 }]);
    // The file's outline (6,002 symbols) is cut too: the file already had its message.
    assert.equal((await server.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: lineUri } }))[0].children!.length, 4999);
    assert.deepEqual(
      server.messages.filter((m) => /of (folded|line)\.cnn/.test(m.message)).map((m) => m.message.slice(0, m.message.indexOf(', for speed'))),
      ['CNN Lens shows the first 5,000 folding ranges of folded.cnn', 'CNN Lens shows the first 5,000 inlay hints of line.cnn'],
    );
  });

  it('gives a line inlay hints and semantic tokens up to column 10,000 only, where VS Code stops drawing it', async () => {
    // One line of 18,030 characters (3,000 relus), then a short network on the next line.
    const long = 'network Long { input(8x8x8); ' + 'relu; '.repeat(3000) + '}\nnetwork Short { input(8x8x8); relu }\n';
    const uri = await server.open('long-line.cnn', long);
    assert.deepEqual(await server.diagnosticsFor(uri), []);
    const firstLine = long.slice(0, long.indexOf('\n'));
    const relus = [...firstLine.matchAll(/relu/g)].map((match) => match.index!);
    const hints = await server.request<InlayHint[]>('textDocument/inlayHint', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 2, character: 0 } } });
    // A hint stands at a statement's end: those of the relus ending before column 10,000, then the short network's relu.
    const hinted = relus.filter((at) => at + 4 < 10_000);
    assert.ok(hinted.length > 1600 && hinted.length < relus.length, String(hinted.length));
    assert.deepEqual(
      hints.map((hint) => [hint.position.line, hint.position.character]),
      [...hinted.map((at) => [0, at + 4]), [1, 'network Short { input(8x8x8); relu'.length]],
    );
    const { data } = await server.request<{ data: number[] }>('textDocument/semanticTokens/full', { textDocument: { uri } });
    const starts: [number, number][] = [];
    for (let i = 0, line = 0, character = 0; i < data.length; i += 5) {
      line += data[i];
      character = data[i] === 0 ? character + data[i + 1] : data[i + 1];
      starts.push([line, character]);
    }
    // The relus starting before column 10,000 are coloured as ops; nothing of the first line past it is.
    const firstLineStarts = starts.filter(([line]) => line === 0).map(([, character]) => character);
    for (const at of relus.filter((at) => at < 10_000)) assert.ok(firstLineStarts.includes(at), `relu at ${at}`);
    assert.ok(Math.max(...firstLineStarts) < 10_000, String(Math.max(...firstLineStarts)));
    assert.ok(
      starts.some(([line, character]) => line === 1 && character === 'network Short { input(8x8x8); '.length),
      'the short line keeps its relu',
    );
  });
});
