/**
 * The editor loop of issue 14 through a real LSP client over stdio:
 * completion ranked by context with snippets, syntax errors that say what is
 * wrong and keep the rest analysed, the outline of every statement, references,
 * workspace symbols and "fix all". Cursor positions are marked `|` in the texts.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import type { CodeAction, CompletionItem, Diagnostic, DocumentSymbol, InlayHint, Location, SymbolInformation } from 'vscode-languageserver-protocol';
import { allOpNames, findOp } from '../../src/core';
import { examplesDir, readText } from '../helpers';
import { applyTextEdits, positionOf, TestServer, textAt } from './lspClient';

/** The text without its `|` cursor mark, and the mark's position. */
function marked(textWithCursor: string): { text: string; position: { line: number; character: number } } {
  const position = positionOf(textWithCursor, '|');
  return { text: textWithCursor.replace('|', ''), position };
}

/** Items in the order an editor shows them for an empty prefix: by sortText, then label. */
function ranked(items: CompletionItem[]): CompletionItem[] {
  return [...items].sort((a, b) => (a.sortText ?? a.label).localeCompare(b.sortText ?? b.label) || a.label.localeCompare(b.label));
}

describe('editor loop (issue 14)', function () {
  this.timeout(60_000);
  let server: TestServer;
  let documents = 0;

  before(async () => {
    server = new TestServer({ diagnostics: { debounceMs: 5 } });
    await server.initialize();
  });

  after(async () => {
    await server?.stop();
  });

  async function completeAt(textWithCursor: string): Promise<CompletionItem[]> {
    const { text, position } = marked(textWithCursor);
    const uri = await server.open(`complete-${documents++}.cnn`, text);
    return server.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri }, position });
  }

  describe('completion', () => {
    const spatial = 'network N {\n  input(3x32x32)\n  conv(16, 3, padding=1)\n  |\n}\n';
    const flat = 'network N {\n  input(3x32x32)\n  conv(16, 3, padding=1)\n  flatten\n  |\n}\n';

    it('lists each name once (one concat)', async () => {
      const labels = (await completeAt(spatial)).map((i) => i.label);
      assert.equal(labels.filter((l) => l === 'concat').length, 1);
      assert.equal(new Set(labels).size, labels.length, `duplicates: ${labels.filter((l, i) => labels.indexOf(l) !== i)}`);
    });

    it('ranks convolution and pooling first after a CxHxW tensor, and conv before concat', async () => {
      const order = ranked(await completeAt(spatial)).map((i) => i.label);
      assert.deepEqual(order.slice(0, 2), ['conv', 'maxpool']);
      for (const name of order.slice(0, 6)) assert.match(findOp(name)?.family ?? 'none', /^(convolution|pooling)$/, `${name} in the first six`);
      assert.ok(order.indexOf('conv') < order.indexOf('concat'));
      assert.ok(order.indexOf('conv') < order.indexOf('dense'));
    });

    it('ranks dense first after a flatten', async () => {
      const order = ranked(await completeAt(flat)).map((i) => i.label);
      assert.equal(order[0], 'dense');
      assert.ok(order.indexOf('dense') < order.indexOf('conv'));
    });

    it('inserts snippets with a placeholder per required argument, for every op that has one', async () => {
      const items = await completeAt(spatial);
      const byLabel = new Map(items.map((i) => [i.label, i]));
      assert.equal(byLabel.get('conv')!.insertText, 'conv(${1:out}, ${2:kernel})');
      assert.equal(byLabel.get('conv')!.insertTextFormat, 2);
      assert.equal(byLabel.get('dense')!.insertText, 'dense(${1:units})');
      assert.equal(byLabel.get('maxpool')!.insertText, 'maxpool(${1:kernel})');
      assert.equal(byLabel.get('add')!.insertText, 'add(${1:label})');
      // Nothing is required: the bare name (dropout's p defaults to 0.5).
      assert.equal(byLabel.get('relu')!.insertText, 'relu');
      assert.equal(byLabel.get('dropout')!.insertText, 'dropout');
      for (const name of allOpNames()) {
        const op = findOp(name)!;
        const required = op.signature.labels ? ['label'] : op.signature.positional.filter((a) => a.defaultText === undefined).map((a) => a.name);
        const expected = required.length ? `${name}(${required.map((a, i) => `\${${i + 1}:${a}}`).join(', ')})` : name;
        assert.equal(byLabel.get(name)?.insertText, expected, name);
      }
      assert.equal(byLabel.get('repeat')!.insertText, 'repeat(${1:2}) {\n\t$0\n}');
    });

    it('offers block calls with their required parameters, and block names', async () => {
      const items = await completeAt('block Down(c, stride = 2) {\n  conv(c, 3, stride=stride)\n}\nnetwork N {\n  input(3x32x32)\n  |\n}\n');
      const down = items.find((i) => i.label === 'Down')!;
      assert.equal(down.insertText, 'Down(${1:c})');
      assert.equal(down.detail, 'block Down(c, stride)');
    });

    it('offers argument names after ( and , and the padding words', async () => {
      const afterParen = (await completeAt('network N {\n  input(3x32x32)\n  conv(|\n}\n')).map((i) => i.label);
      for (const key of ['out=', 'kernel=', 'stride=', 'padding=']) assert.ok(afterParen.includes(key), key);
      const afterComma = (await completeAt('network N {\n  input(3x32x32)\n  conv(16, 3, stride=2, |\n}\n')).map((i) => i.label);
      assert.ok(afterComma.includes('padding='));
      assert.equal(afterComma.includes('stride='), false, 'stride is given');
      const words = (await completeAt('network N {\n  input(3x32x32)\n  conv(16, 3, padding=|)\n}\n')).map((i) => i.label);
      assert.deepEqual(words.sort(), ['"full"', '"same"', '"valid"']);
    });

    it('offers the labels in scope in add, concat and multiply, after ( and after ,', async () => {
      const body = 'network N {\n  input(8x8x8)\n  a: conv(8, 3, padding=1)\n  b: relu\n  conv(8, 1)\n';
      for (const call of ['add(|)', 'concat(a, |)', 'multiply(|']) {
        const labels = (await completeAt(`${body}  ${call}\n}\n`)).map((i) => i.label);
        assert.deepEqual(labels.sort(), ['a', 'b'], call);
      }
    });
  });
});
