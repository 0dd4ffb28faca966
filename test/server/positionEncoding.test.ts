/**
 * UTF-8 positions (issue 16), through a real LSP client over stdio: a client
 * that offers `utf-8` gets it, and every position in and out counts UTF-8
 * bytes. The expected columns come from Node's own UTF-8 encoder
 * (Buffer.byteLength), not from the server's conversion.
 */
import { strict as assert } from 'node:assert';
import type { CodeAction, Diagnostic, InitializeResult, SemanticTokens } from 'vscode-languageserver-protocol';
import { TestServer } from './lspClient';

// U+3000 (three bytes in UTF-8, one UTF-16 unit) is reported by the lexer; the rest of the line is still analysed.
const convLine = '  conv(6,\u30005, stride=1) -> 6x30x30';
const text = `network N {\n  input(1x32x32)\n${convLine}\n  relu # ünïcödé 😀 after\n}\n`;
const line = 2;
/** The UTF-8 column of a UTF-16 column on the conv line. */
const bytes = (utf16: number) => Buffer.byteLength(convLine.slice(0, utf16), 'utf8');

describe('language server: UTF-8 positions', function () {
  this.timeout(60_000);
  let server: TestServer;
  afterEach(async () => {
    await server.stop();
  });

  it('keeps UTF-16 when the client offers only UTF-16', async () => {
    server = new TestServer();
    const result = (await server.initialize({ positionEncodings: ['utf-16'] })) as InitializeResult;
    assert.equal(result.capabilities.positionEncoding, 'utf-16');
  });

  it('counts UTF-8 bytes in diagnostics, code actions, semantic tokens and incremental changes when the client offers UTF-8', async () => {
    server = new TestServer({ diagnostics: { debounceMs: 0 } });
    const result = (await server.initialize({ positionEncodings: ['utf-8', 'utf-16'] })) as InitializeResult;
    assert.equal(result.capabilities.positionEncoding, 'utf-8');
    const uri = await server.open('utf8.cnn', text);
    const diagnostics = await server.diagnosticsFor(uri);
    const byCode = (code: string) => diagnostics.find((d) => d.code === code) as Diagnostic;
    const space = convLine.indexOf('\u3000');
    assert.deepEqual(byCode('syntax').range, { start: { line, character: bytes(space) }, end: { line, character: bytes(space + 1) } });
    const assertion = convLine.indexOf('6x30x30');
    const mismatch = byCode('shape-mismatch');
    assert.deepEqual(mismatch.range, { start: { line, character: bytes(assertion) }, end: { line, character: bytes(assertion + 7) } });
    assert.equal(mismatch.range.start.character, assertion + 2, 'two bytes more than UTF-16 units: U+3000 is 3 bytes, 1 unit');

    // The quick fixes' edits come back in UTF-8 too: the assertion itself, and padding=1 inserted before ")".
    const actions = await server.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: mismatch.range, context: { diagnostics: [mismatch] } });
    const edits = actions.flatMap((a) => Object.values(a.edit?.changes ?? {}).flat());
    const close = convLine.indexOf(')');
    assert.ok(
      edits.some((e) => e.newText === '6x28x28' && e.range.start.character === bytes(assertion)),
      JSON.stringify(edits),
    );
    assert.ok(
      edits.some((e) => e.newText.includes('padding=1') && e.range.start.character === bytes(close)),
      JSON.stringify(edits),
    );

    // Semantic tokens: `stride` (a property) starts after U+3000.
    const tokens = await server.request<SemanticTokens>('textDocument/semanticTokens/full', { textDocument: { uri } });
    const starts: { line: number; start: number; length: number }[] = [];
    let at = { line: 0, start: 0 };
    for (let i = 0; i < tokens.data.length; i += 5) {
      at = { line: at.line + tokens.data[i], start: tokens.data[i] === 0 ? at.start + tokens.data[i + 1] : tokens.data[i + 1] };
      starts.push({ ...at, length: tokens.data[i + 2] });
    }
    assert.ok(
      starts.some((t) => t.line === line && t.start === bytes(convLine.indexOf('stride')) && t.length === 6),
      JSON.stringify(starts),
    );

    // An incremental change whose range counts bytes: the assertion replaced by what conv gives clears the mismatch.
    await server.sendChanges(uri, [{ range: mismatch.range, text: '6x28x28' }], text.replace('6x30x30', '6x28x28'));
    const after = await server.diagnosticsFor(uri);
    assert.deepEqual(
      after.map((d) => d.code),
      ['syntax'],
    );

    // A hover on relu, whose line has multi-byte characters only after it, still finds relu.
    const hover = await server.request<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri }, position: { line: 3, character: 3 } });
    assert.match(hover?.contents.value ?? '', /relu/);
  });
});
