/**
 * Semantic tokens, inlay hints, the outline, folding ranges, code lenses and
 * code actions on a document whose analysis is large enough to stay in its
 * analysis worker (issue 16): the worker answers them (code actions, from the
 * diagnostics alone where none touches the range),
 * and the answers are those of the text the editor holds, through a real LSP
 * client over stdio, while the document is being typed in.
 */
import { strict as assert } from 'node:assert';
import { CancellationTokenSource } from 'vscode-jsonrpc';
import type { CodeAction, CodeLens, DocumentSymbol, FoldingRange, InlayHint, Range, SemanticTokens, TextEdit } from 'vscode-languageserver-protocol';
import { semanticTokensLegend } from '../../src/server/semanticTokens';
import { TestServer } from './lspClient';

/** 10,001 statements: far past what the worker keeps to itself (4,000 results). */
const big = 'network Big {\n  input(3x64x64)\n' + '  conv(8, 3, padding=1)\n  relu\n'.repeat(5000) + '}\n';

interface DecodedToken {
  line: number;
  character: number;
  length: number;
  type: string;
}

/** LSP's relative five-integer encoding, decoded to absolute positions. */
function decode(data: number[]): DecodedToken[] {
  const tokens: DecodedToken[] = [];
  let line = 0;
  let character = 0;
  for (let i = 0; i < data.length; i += 5) {
    line += data[i];
    character = data[i] === 0 ? character + data[i + 1] : data[i + 1];
    tokens.push({ line, character, length: data[i + 2], type: semanticTokensLegend.tokenTypes[data[i + 3]] });
  }
  return tokens;
}

describe('editor features on a 10,000-statement document (answered in its worker)', function () {
  this.timeout(120000);
  let server: TestServer;
  before(async () => {
    // The cap on outline symbols (5,000 by default, see resultLimit.test.ts) raised, so that the whole outline comes from the worker.
    server = new TestServer({ diagnostics: { debounceMs: 0 }, inlayHints: { shapes: true, params: true }, maxItemsComputed: 20000 });
    await server.initialize();
  });
  after(() => server.stop());

  it('colours every op and hints the visible range, following each edit', async () => {
    const uri = await server.open('large-tokens.cnn', big);
    assert.deepEqual(await server.diagnosticsFor(uri), []);
    const tokens = decode((await server.request<SemanticTokens>('textDocument/semanticTokens/full', { textDocument: { uri } })).data);
    // Per pair of lines a conv (a built-in op) with its keyword argument `padding`, and a relu; `input` is the grammar's.
    assert.equal(tokens.length, 15000);
    assert.deepEqual(tokens.slice(0, 3), [
      { line: 2, character: 2, length: 4, type: 'function' },
      { line: 2, character: 13, length: 7, type: 'property' },
      { line: 3, character: 2, length: 4, type: 'function' },
    ]);
    assert.deepEqual(tokens[14999], { line: 10001, character: 2, length: 4, type: 'function' });

    // Lines 2 to 5: two 3x3 convolutions from 3 and then 8 channels to 8 (8·3·9 + 8 = 224 and 8·8·9 + 8 = 584 parameters).
    const range = { start: { line: 2, character: 0 }, end: { line: 5, character: 0 } };
    const hints = await server.request<InlayHint[]>('textDocument/inlayHint', { textDocument: { uri }, range });
    assert.deepEqual(
      hints.map((h) => [h.position.line, h.label]),
      [
        [2, '→ 8x64x64  224 params'],
        [3, '→ 8x64x64'],
        [4, '→ 8x64x64  584 params'],
      ],
    );

    // Typing: the third conv (line 6) becomes a strided 16-channel one, then a label is added before it; each answer is of the text sent last.
    const strided = big.replace(
      '  conv(8, 3, padding=1)\n  relu\n  conv(8, 3, padding=1)\n  relu\n  conv(8, 3, padding=1)',
      '  conv(8, 3, padding=1)\n  relu\n  conv(8, 3, padding=1)\n  relu\n  conv(16, 3, padding=1, stride=2)',
    );
    await server.replaceText(uri, strided);
    const labelled = strided.replace('  conv(16, 3', '  down: conv(16, 3');
    const stale = server.request<InlayHint[]>('textDocument/inlayHint', { textDocument: { uri }, range: { start: { line: 6, character: 0 }, end: { line: 8, character: 0 } } });
    await server.replaceText(uri, labelled);
    const later = server.request<InlayHint[]>('textDocument/inlayHint', { textDocument: { uri }, range: { start: { line: 6, character: 0 }, end: { line: 8, character: 0 } } });
    // 16·8·9 + 16 = 1,168 parameters; 64 → 32 with stride 2; the relu after it and the next conv (8·16·9 + 8 = 1,160) follow the new shape.
    const expected = [
      [6, '→ 16x32x32  1,168 params'],
      [7, '→ 16x32x32'],
    ];
    for (const answer of [await stale, await later]) {
      assert.deepEqual(
        answer.map((h) => [h.position.line, h.label]),
        expected,
      );
    }
    const next = await server.request<InlayHint[]>('textDocument/inlayHint', { textDocument: { uri }, range: { start: { line: 8, character: 0 }, end: { line: 9, character: 0 } } });
    assert.deepEqual(
      next.map((h) => h.label),
      ['→ 8x32x32  1,160 params'],
    );
    const labelledTokens = decode((await server.request<SemanticTokens>('textDocument/semanticTokens/full', { textDocument: { uri } })).data);
    // The label's declaration is a variable at column 2 of line 6, the conv moves to column 8, and `stride` is one more keyword.
    assert.equal(labelledTokens.length, 15002);
    assert.deepEqual(
      labelledTokens.filter((t) => t.line === 6),
      [
        { line: 6, character: 2, length: 4, type: 'variable' },
        { line: 6, character: 8, length: 4, type: 'function' },
        { line: 6, character: 20, length: 7, type: 'property' },
        { line: 6, character: 31, length: 6, type: 'property' },
      ],
    );
    assert.deepEqual(await server.diagnosticsFor(uri), []);
  });

  it('outlines, folds and puts code lenses on it, and offers a quick fix only where a diagnostic is', async () => {
    // The last relu asserts 9 channels; it keeps the 8 of the conv before it.
    const lines = big.split('\n');
    const asserted = lines.length - 3;
    assert.equal(lines[asserted], '  relu');
    const wrong = [...lines.slice(0, asserted), '  relu -> 9x64x64', ...lines.slice(asserted + 1)].join('\n');
    const uri = await server.open('large-outline.cnn', wrong);
    const diagnostics = await server.diagnosticsFor(uri);
    assert.deepEqual(
      diagnostics.map((d) => d.range.start.line),
      [asserted],
    );
    const document = { textDocument: { uri } };
    const [network] = await server.request<DocumentSymbol[]>('textDocument/documentSymbol', document);
    // The input and 10,000 layers, each with its output shape.
    assert.equal(network.name, 'Big');
    assert.equal(network.children?.length, 10001);
    assert.deepEqual([network.children![1].name, network.children![1].detail, network.children![10000].range.start.line], ['conv', '8x64x64', asserted]);
    // The network folds from its first line to the line before its closing brace.
    assert.deepEqual(await server.request<FoldingRange[]>('textDocument/foldingRange', document), [{ startLine: 0, endLine: asserted }]);
    // 8·3·9 + 8 = 224 parameters for the first conv, 8·8·9 + 8 = 584 for each of the other 4,999.
    const lenses = await server.request<CodeLens[]>('textDocument/codeLens', document);
    assert.equal(lenses[0].command?.title, `${(224 + 4999 * 584).toLocaleString('en-US')} params (${(224 + 4999 * 584).toLocaleString('en-US')} trainable / 0 non-trainable)`);
    assert.ok(lenses.some((lens) => lens.command?.title === '1 error'));
    const actionsAt = (range: Range) => server.request<CodeAction[]>('textDocument/codeAction', { ...document, range, context: { diagnostics: [], only: ['quickfix'] } });
    assert.deepEqual(await actionsAt({ start: { line: 2, character: 2 }, end: { line: 2, character: 2 } }), []);
    const [fix] = await actionsAt(diagnostics[0].range);
    const edits = fix.edit?.changes?.[uri] as TextEdit[];
    assert.deepEqual(
      edits.map((edit) => [edit.range.start.line, edit.newText]),
      [[asserted, '8x64x64']],
    );
  });

  it('answers semantic tokens cancelled while the analysis they wait for runs with RequestCancelled', async () => {
    const uri = await server.open('large-cancel.cnn', big);
    await server.diagnosticsFor(uri);
    await server.replaceText(uri, big.replace('relu', 'gelu'));
    const source = new CancellationTokenSource();
    const cancelled = server.connection.sendRequest('textDocument/semanticTokens/full', { textDocument: { uri } }, source.token);
    source.cancel();
    await assert.rejects(cancelled, (error: { code: number }) => error.code === -32800);
    // The server goes on: the next request is answered from the new text (a gelu where the first relu was).
    const tokens = decode((await server.request<SemanticTokens>('textDocument/semanticTokens/full', { textDocument: { uri } })).data);
    assert.deepEqual(tokens[2], { line: 3, character: 2, length: 4, type: 'function' });
    assert.equal(tokens.length, 15000);
  });
});
