/**
 * The editor loop of issue 14 through a real LSP client over stdio:
 * completion ranked by context with snippets, syntax errors that say what is
 * wrong and keep the rest analysed, the outline of every statement, references,
 * workspace symbols, "fix all", hovers with the facts before the reference.
 * Cursor positions are marked `|` in the texts.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import type { CodeAction, CompletionItem, DocumentSymbol, Hover, InlayHint, Location, MarkupContent, SymbolInformation } from 'vscode-languageserver-protocol';
import { allOpNames, findOp } from '../../src/core';
import type { NetworkSummaryResult } from '../../src/protocol/messages';
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
      assert.deepEqual(words.sort(), ['"causal"', '"full"', '"same"', '"valid"']);
    });

    it('offers the labels in scope in add, concat and multiply, after ( and after ,', async () => {
      const body = 'network N {\n  input(8x8x8)\n  a: conv(8, 3, padding=1)\n  b: relu\n  conv(8, 1)\n';
      for (const call of ['add(|)', 'concat(a, |)', 'multiply(|']) {
        const labels = (await completeAt(`${body}  ${call}\n}\n`)).map((i) => i.label);
        assert.deepEqual(labels.sort(), ['a', 'b'], call);
      }
    });
  });

  describe('syntax errors that say what is wrong', () => {
    const base = `block Down(c, stride = 2) {
  conv(c, 3, stride=stride, padding=1)
  relu
}
network N {
  input(3x32x32)
  conv(16, 3, padding=1, bias=false)
  batchnorm
  residual { conv(16, 3, padding=1) } shortcut { identity }
  concat { branch { conv(8, 1) } branch { conv(8, 3, padding=1) } }
  repeat(2) { relu }
  maxpool(2) -> 16x16x16
  Down(32)
  conv(32,
       3)
  flatten
  dense(10)
}
`;

    async function hintsOf(uri: string): Promise<string[]> {
      const hints = await server.request<InlayHint[]>('textDocument/inlayHint', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 100, character: 0 } } });
      return hints.map((h) => `${h.position.line}:${String(h.label)}`);
    }

    it('the base text is clean (every row below starts from it)', async () => {
      const uri = await server.open('typo-base.cnn', base);
      assert.deepEqual(await server.diagnosticsFor(uri), []);
    });

    it('conv(64, 3, padding=1 bias=false): one "missing \',\'" at the gap, a fix that inserts it, and the rest analysed', async () => {
      const typo = base.replace('padding=1, bias=false', 'padding=1 bias=false');
      const uri = await server.open('missing-comma.cnn', typo);
      const diagnostics = await server.diagnosticsFor(uri);
      assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics));
      assert.equal(diagnostics[0].message, "Missing ',' between arguments.");
      assert.deepEqual(diagnostics[0].range.start, positionOf(typo, '1 bias', 1));
      const [action] = await server.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: diagnostics[0].range, context: { diagnostics } });
      assert.equal(action.title, "Insert ','");
      assert.equal(applyTextEdits(typo, action.edit!.changes![uri]), base);
      // The inlay hints of the whole network stay, with the same shapes.
      const baseUri = await server.open('missing-comma-base.cnn', base);
      assert.deepEqual(await hintsOf(uri), await hintsOf(baseUri));
    });

    /**
     * [what, the correct text, the typo, the message, whether one quick fix
     * restores the correct text, whether the shapes after it can be known]
     */
    const typos: [string, string, string, RegExp, boolean, boolean?][] = [
      ['missing comma between keywords', 'padding=1, bias=false', 'padding=1 bias=false', /^Missing ',' between arguments/, true],
      ['missing comma between positionals', 'conv(16, 3, padding=1, bias', 'conv(16 3, padding=1, bias', /^Missing ',' between arguments/, true],
      ['missing comma at the end of a line', 'conv(32,\n       3)', 'conv(32\n       3)', /^Missing ',' between arguments/, true],
      ['unclosed empty paren before the next line', '  batchnorm\n', '  batchnorm(\n', /^Missing '\)'/, false],
      ['unclosed paren at the end of a line', 'Down(32)\n', 'Down(32\n', /^Missing '\)'/, true],
      ['unclosed paren on the last statement', 'dense(10)\n}', 'dense(10\n}', /^Missing '\)'/, true],
      ['missing } at the end of the file', 'dense(10)\n}\n', 'dense(10)\n', /^Missing '\}'/, true],
      ['= for ->', 'maxpool(2) -> 16x16x16', 'maxpool(2) = 16x16x16', /'->', not '='/, true],
      ['* for x in a shape', 'maxpool(2) -> 16x16x16', 'maxpool(2) -> 16*16*16', /join their dimensions with 'x'/, true],
      ['shape written with spaces', 'input(3x32x32)', 'input(3 x 32 x 32)', /without spaces: 3x32x32/, true],
      ['trailing comma', 'conv(8, 1)', 'conv(8, 1,)', /trailing ','/, true],
      ['one ) too many', 'conv(8, 1)', 'conv(8, 1))', /closes nothing/, true],
      ['netwrok', 'network N', 'netwrok N', /did you mean 'network'/, true],
      ['blokc', 'block Down', 'blokc Down', /did you mean 'block'/, true],
      ['repaet', 'repeat(2)', 'repaet(2)', /did you mean 'repeat'/, true],
      ['residaul', 'residual {', 'residaul {', /did you mean 'residual'/, true],
      ['shrotcut', 'shortcut {', 'shrotcut {', /did you mean 'shortcut'/, true],
      ['concta', 'concat {', 'conact {', /did you mean 'concat'/, true],
      ['brnach', 'branch { conv(8, 1)', 'brnach { conv(8, 1)', /did you mean 'branch'/, true],
      // An unknown op's output is unknown, so nothing after it can have a shape.
      ['misspelt op', '  batchnorm\n', '  batchnrom\n', /did you mean batchnorm/i, true, false],
      ['misspelt argument', 'stride=stride', 'strdie=stride', /stride/, true],
    ];
    for (const [what, good, bad, message, fixable, shapesAfter = true] of typos) {
      it(`${what}: one diagnostic at the slip${fixable ? ', a quick fix that restores the text' : ''}, the rest still analysed`, async () => {
        assert.ok(base.includes(good), `row ${what}: the correct text is not in the base`);
        const typo = base.replace(good, bad);
        const uri = await server.open(`typo-${what.replace(/\W+/g, '-')}.cnn`, typo);
        const diagnostics = await server.diagnosticsFor(uri);
        assert.equal(diagnostics.length, 1, `${what}: ${JSON.stringify(diagnostics.map((d) => d.message))}`);
        const [found] = diagnostics;
        assert.match(found.message, message);
        // At the slip: on the changed text, or at the gap just after it.
        const start = base.indexOf(good);
        const at = typo.split('\n').slice(0, found.range.start.line).join('\n').length + (found.range.start.line ? 1 : 0) + found.range.start.character;
        const slipAt = what.startsWith('missing }') ? base.indexOf('{', base.indexOf('network N')) : start;
        assert.ok(at >= slipAt && at <= Math.max(start + bad.length, slipAt + 1), `${what}: diagnostic at ${JSON.stringify(found.range)}, slip at offset ${slipAt}`);
        if (fixable) {
          const actions = await server.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: found.range, context: { diagnostics } });
          assert.ok(actions.length >= 1, `${what}: no quick fix`);
          assert.equal(applyTextEdits(typo, actions[0].edit!.changes![uri]), base, `${what}: "${actions[0].title}"`);
        }
        // The rest of the file is analysed: the network's output is still known.
        if (!shapesAfter) return;
        const hints = await hintsOf(uri);
        assert.ok(
          hints.some((h) => h === `${positionOf(typo, 'dense(10').line}:→ 10`),
          `${what}: hints ${hints.join(', ')}`,
        );
      });
    }
  });

  describe('outline and navigation', () => {
    const resnet18 = readText(join(examplesDir, 'resnet18.cnn'));
    const unet = readText(join(examplesDir, 'unet.cnn'));

    /** Every symbol with its children, flattened with its path of names. */
    function flatten(symbols: DocumentSymbol[], path: string[] = []): { path: string[]; symbol: DocumentSymbol }[] {
      return symbols.flatMap((s) => [{ path: [...path, s.name], symbol: s }, ...flatten(s.children ?? [], [...path, s.name])]);
    }

    it("lists the network's statements with their output shapes, block calls nested under repeats", async () => {
      const uri = await server.open('outline-resnet.cnn', resnet18);
      const symbols = await server.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri } });
      const network = symbols.find((s) => s.name === 'ResNet18')!;
      const names = network.children!.map((c) => c.name);
      assert.equal(names[0], 'input');
      assert.ok(names.includes('repeat(2)'), names.join(', '));
      const firstRepeat = network.children!.find((c) => c.name === 'repeat(2)')!;
      // repeat(2) { BasicBlock(64) } -> 64x56x56 (the assertion in the file).
      assert.equal(firstRepeat.detail, '64x56x56');
      assert.deepEqual(
        firstRepeat.children!.map((c) => [c.name, c.detail]),
        [['BasicBlock', '64x56x56']],
      );
      // The head: global pooling to 512, the classifier to 1000 (ResNet-18's published output).
      const last = network.children![network.children!.length - 1];
      assert.deepEqual([last.name, last.detail], ['dense', '1000']);
      // Residuals nest their body and shortcut inside the blocks.
      const down = symbols.find((s) => s.name === 'DownBasicBlock')!;
      const residual = flatten([down]).find((e) => e.symbol.name === 'residual')!;
      assert.ok(residual.symbol.children!.some((c) => c.name === 'shortcut' && c.children!.some((g) => g.name === 'conv')));
      // Every symbol's selection lies inside its range, inside its parent's range (VS Code drops the outline otherwise).
      const inside = (inner: { start: { line: number; character: number }; end: { line: number; character: number } }, outer: typeof inner) =>
        (inner.start.line > outer.start.line || (inner.start.line === outer.start.line && inner.start.character >= outer.start.character)) &&
        (inner.end.line < outer.end.line || (inner.end.line === outer.end.line && inner.end.character <= outer.end.character));
      const check = (list: DocumentSymbol[], parent?: DocumentSymbol) => {
        for (const s of list) {
          assert.ok(inside(s.selectionRange, s.range), `${s.name}: selection outside range`);
          if (parent) assert.ok(inside(s.range, parent.range), `${s.name}: outside ${parent.name}`);
          check(s.children ?? [], s);
        }
      };
      check(symbols);
    });

    it('names labelled statements by their label, with the shape', async () => {
      const uri = await server.open('outline-unet.cnn', unet);
      const symbols = await server.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri } });
      const network = symbols.find((s) => s.name === 'UNet')!;
      const enc2 = network.children!.find((c) => c.name === 'enc2')!;
      assert.equal(enc2.detail, '64x32x32');
      assert.deepEqual(enc2.selectionRange.start, positionOf(unet, 'enc2:'));
    });

    it('finds all references of a label', async () => {
      const uri = await server.open('refs-label.cnn', unet);
      const refs = await server.request<Location[]>('textDocument/references', { textDocument: { uri }, position: positionOf(unet, 'enc1:'), context: { includeDeclaration: true } });
      const texts = refs.map((r) => `${r.range.start.line}:${textAt(unet, r.range)}`);
      assert.deepEqual(texts, [`${positionOf(unet, 'enc1:').line}:enc1`, `${positionOf(unet, 'concat(enc1)').line}:enc1`]);
    });

    it('finds workspace symbols across open .cnn documents', async () => {
      await server.open('ws-unet.cnn', unet);
      await server.open('ws-resnet.cnn', resnet18);
      const found = await server.request<SymbolInformation[]>('workspace/symbol', { query: 'dbb' });
      const names = found.map((s) => `${s.name}@${s.location.uri.split('/').pop()}`);
      assert.ok(names.includes('DownBasicBlock@ws-resnet.cnn'), names.join(', '));
      assert.ok(!names.some((n) => n.startsWith('DoubleConv')), 'DoubleConv has one b, not two');
      const labels = await server.request<SymbolInformation[]>('workspace/symbol', { query: 'enc3' });
      assert.ok(labels.some((s) => s.name === 'enc3' && s.containerName === 'UNet' && s.location.uri.endsWith('ws-unet.cnn')));
    });
  });

  describe('hover', () => {
    const lenet = readText(join(examplesDir, 'lenet5.cnn'));
    const resnet18 = readText(join(examplesDir, 'resnet18.cnn'));

    async function hoverAt(name: string, text: string, position: { line: number; character: number }): Promise<string> {
      const uri = await server.open(name, text);
      const found = await server.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position });
      assert.ok(found, 'expected a hover');
      return (found.contents as MarkupContent).value;
    }

    it('on an op name: the computed facts first in a table (formula, params, MACs, field size/jump/start, the sentence), the reference after a rule', async () => {
      const text = await hoverAt('hover-order.cnn', lenet, positionOf(lenet, 'conv(16, 5)', 1));
      const sections = text.split('\n\n---\n\n');
      assert.equal(sections.length, 2, text);
      const [facts, reference] = sections;
      assert.match(facts, /^\*\*conv\*\*: `6x14x14` → `16x10x10`\n/);
      // conv(16, 5) on 6x14x14: floor((14 + 0 - 4 - 1)/1 + 1) = 10; 6·16·25 + 16 = 2,416 parameters; 16·10·10 outputs × 6·25 = 240,000 MACs.
      // Field: 5x5 conv, 2x2 pool, 5x5 conv: 6 + 4·2 = 14, jump 2, centre 2.5 + 2·2 = 6.5.
      const rows = [
        '| Output | `16x10x10` |',
        '|:--|:--|',
        '| H size | `floor((14 + 2*0 - 1*(5-1) - 1)/1 + 1) = 10` |',
        '| W size | `floor((14 + 2*0 - 1*(5-1) - 1)/1 + 1) = 10` |',
        '| Parameters | 2,416 trainable, 0 non-trainable |',
        '| MACs | 240,000 (240.00 K) |',
        '| Receptive field | size 14x14, jump 2x2, start (6.5, 6.5) |',
      ];
      assert.ok(facts.includes(rows.join('\n')), facts);
      assert.ok(facts.includes('Each output pixel sees 14x14 input pixels; neighbouring outputs are 2 pixels apart; the first is centred on input pixel (6.5, 6.5).'), facts);
      assert.match(reference, /^```cnn\nconv\(out, kernel/);
      assert.match(reference, /`stride` \(default `1`\)/);
    });

    it('away from the name: the facts alone, no reference', async () => {
      const text = await hoverAt('hover-facts-only.cnn', lenet, positionOf(lenet, 'conv(16, 5)', 6));
      assert.ok(!text.includes('---') && !text.includes('```cnn'), text);
      assert.ok(text.includes('| Output | `16x10x10` |'), text);
    });

    it("on a block call: the block's totals, and each call's output when it is called more than once", async () => {
      const text = await hoverAt('hover-block.cnn', resnet18, positionOf(resnet18, '\n  BasicBlock(128)', 4));
      assert.match(text, /^\*\*block BasicBlock\*\* \(totals of its body\): `128x28x28` → `128x28x28`/);
      // Two 3x3 convolutions 128 → 128 without bias (2·147,456) and two batch norms (2·256 affine, 2·256 running).
      assert.ok(text.includes('| Parameters | 295,424 trainable, 512 non-trainable |'), text);
      // Each convolution: 128·28·28 outputs × 128·9 = 115,605,504 MACs.
      assert.ok(text.includes('| MACs | 231,211,008 (231.21 M) |'), text);
      const line = (marker: string) => positionOf(resnet18, marker).line + 1;
      const calls = [
        `- line ${line('BasicBlock(64)')}: \`64x56x56\` → \`64x56x56\``,
        `- line ${line('\n  BasicBlock(128)') + 1}: \`128x28x28\` → \`128x28x28\``,
        `- line ${line('\n  BasicBlock(256)') + 1}: \`256x14x14\` → \`256x14x14\``,
        `- line ${line('\n  BasicBlock(512)') + 1}: \`512x7x7\` → \`512x7x7\``,
      ];
      assert.ok(text.includes(`Every call of BasicBlock in this file:\n\n${calls.join('\n')}`), text);
    });

    it('lists no calls for a block called once', async () => {
      const once = 'block Stem(c) {\n  conv(c, 3, padding=1)\n  relu\n}\nnetwork N {\n  input(3x32x32)\n  Stem(16)\n}\n';
      const text = await hoverAt('hover-block-once.cnn', once, positionOf(once, 'Stem(16)', 1));
      assert.match(text, /^\*\*block Stem\*\* \(totals of its body\): `3x32x32` → `16x32x32`/);
      // 3·16·9 + 16 = 448 parameters.
      assert.ok(text.includes('| Parameters | 448 trainable, 0 non-trainable |'), text);
      assert.ok(!text.includes('Every call'), text);
    });
  });

  describe('projection shortcut for a residual mismatch at a block call', () => {
    /** The quick fixes offered at the first diagnostic, and the text after applying the first. */
    async function fixAtFirst(name: string, text: string): Promise<{ titles: string[]; fixed?: string; diagnostics: number }> {
      const uri = await server.open(name, text);
      const diagnostics = await server.diagnosticsFor(uri);
      assert.ok(diagnostics.length >= 1 && diagnostics[0].code === 'merge-mismatch', JSON.stringify(diagnostics));
      const actions = await server.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: diagnostics[0].range, context: { diagnostics: [diagnostics[0]] } });
      return { titles: actions.map((a) => a.title), fixed: actions[0]?.edit ? applyTextEdits(text, actions[0].edit.changes![uri]) : undefined, diagnostics: diagnostics.length };
    }

    async function problemsOf(name: string, text: string) {
      return server.diagnosticsFor(await server.open(name, text));
    }

    it("writes the shortcut over the block's parameters, so that every call holds (three calls, three sizes)", async () => {
      const text = `block Down(c, stride = 2) {
  residual {
    conv(c, 3, stride=stride, padding=1, bias=false)
    batchnorm
    relu
    conv(c, 3, padding=1, bias=false)
    batchnorm
  }
  relu
}
network N {
  input(3x32x32)
  conv(16, 3, padding=1)
  Down(32)
  Down(64)
  Down(128, stride=1)
}
`;
      const { titles, fixed, diagnostics } = await fixAtFirst('projection-params.cnn', text);
      // The first call fails; the calls after it have no known input, so they wait (errors do not cascade).
      assert.equal(diagnostics, 1);
      assert.deepEqual(titles, ['Add shortcut { conv(c, 1, stride=stride, bias=false); batchnorm } to block Down']);
      assert.ok(fixed!.includes('    batchnorm\n  } shortcut { conv(c, 1, stride=stride, bias=false); batchnorm }\n  relu'), fixed);
      // Every call is repaired, and nothing else is reported.
      assert.deepEqual(await problemsOf('projection-params-fixed.cnn', fixed!), []);
      const summary = await server.request<NetworkSummaryResult>('cnnLens/networkSummary', { textDocument: { uri: await server.open('projection-params-summary.cnn', fixed!) } });
      // 16x32x32 → 32x16x16 → 64x8x8 → 128x8x8.
      assert.equal(summary.networks[0].output, '128x8x8');
    });

    it("follows the channels and the stride through a block called inside the residual (ResNet's BasicBlock)", async () => {
      const resnet18 = readText(join(examplesDir, 'resnet18.cnn'));
      // Take the projection away from DownBasicBlock: its three calls now add 64 to 128 channels, and so on.
      const broken = resnet18.replace(/ shortcut \{\n {4}conv\(c, 1, stride=stride, bias=false\)\n {4}batchnorm\n {2}\}/, '');
      assert.notEqual(broken, resnet18);
      const { titles, fixed, diagnostics } = await fixAtFirst('projection-resnet.cnn', broken);
      assert.equal(diagnostics, 1);
      assert.deepEqual(titles, ['Add shortcut { conv(c, 1, stride=stride, bias=false); batchnorm } to block DownBasicBlock']);
      assert.deepEqual(await problemsOf('projection-resnet-fixed.cnn', fixed!), []);
      // torchvision's resnet18 again: 11,689,512 trainable parameters.
      const summary = await server.request<NetworkSummaryResult>('cnnLens/networkSummary', { textDocument: { uri: await server.open('projection-resnet-summary.cnn', fixed!) } });
      assert.equal(summary.networks[0].trainableParams, 11_689_512);
    });

    it('writes the numbers when the body does not name the channels and the block is called once', async () => {
      const text = 'block Widen {\n  residual { depthwise_conv(3, multiplier=2, padding=1) }\n}\nnetwork N {\n  input(16x8x8)\n  Widen\n}\n';
      const { titles, fixed } = await fixAtFirst('projection-literal.cnn', text);
      assert.deepEqual(titles, ['Add shortcut { conv(32, 1, bias=false); batchnorm } to block Widen']);
      assert.deepEqual(await problemsOf('projection-literal-fixed.cnn', fixed!), []);
    });

    it('offers nothing when no one shortcut fits every call (the numbers differ and the body does not name them)', async () => {
      const text = 'block Widen {\n  residual { depthwise_conv(3, multiplier=2, padding=1) }\n}\nnetwork N {\n  input(16x8x8)\n  Widen\n  Widen\n}\n';
      // conv(32, 1) would repair the first call (16 channels to 32) and break the second (32 to 64): not offered.
      const { titles } = await fixAtFirst('projection-none.cnn', text);
      assert.deepEqual(titles, []);
    });
  });

  describe('summary table with a source line per row', () => {
    it("maps every row of LeNet-5's table to its statement's line, and nothing else", async () => {
      const lenet = readText(join(examplesDir, 'lenet5.cnn'));
      const uri = await server.open('summary-lines.cnn', lenet);
      const summary = await server.request<NetworkSummaryResult>('cnnLens/networkSummary', { textDocument: { uri } });
      const [network] = summary.networks;
      const table = network.table.split('\n');
      assert.equal(network.tableLines.length, table.length);
      const rows = table.flatMap((text, index) => (network.tableLines[index] === null ? [] : [{ text, line: network.tableLines[index]! }]));
      // input plus the 12 statements of the network, each once, in source order.
      const statements = lenet.split('\n').flatMap((text, line) => (/^ {2}[a-z]/.test(text) ? [{ text: text.trim(), line }] : []));
      assert.equal(rows.length, 13);
      assert.deepEqual(
        rows.map((r) => r.line),
        statements.map((s) => s.line),
      );
      for (const [i, row] of rows.entries()) {
        const written = statements[i].text.split(/\s{2,}|\s*->|\s*#/)[0];
        assert.ok(row.text.startsWith(written), `${row.text} shows ${written}`);
        // The Line column says the same line, 1-based.
        assert.match(row.text, new RegExp(`\\s${row.line + 1}\\s`));
      }
      assert.match(table[network.tableLines.indexOf(positionOf(lenet, 'conv(16, 5)').line)], /^conv\(16, 5\)\s+9\s+16x10x10\s+2,416\s+240,000/);
    });
  });

  describe('fix all', () => {
    it('applies every independent unambiguous fix at once (source.fixAll), and the file is clean after', async () => {
      const good = 'network N {\n  input(3x32x32)\n  conv(16, 3, padding=1, bias=false)\n  maxpool(2) -> 16x16x16\n  flatten\n  dense(10)\n}\n';
      const typo = good.replace('padding=1, bias', 'padding=1 bias').replace('-> 16x16x16', '= 16x16x16').replace('dense(10)', 'dense(10,)');
      const uri = await server.open('fix-all.cnn', typo);
      assert.equal((await server.diagnosticsFor(uri)).length, 3);
      const actions = await server.request<CodeAction[]>('textDocument/codeAction', {
        textDocument: { uri },
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
        context: { diagnostics: [], only: ['source.fixAll'] },
      });
      assert.equal(actions.length, 1);
      assert.equal(actions[0].kind, 'source.fixAll');
      assert.equal(applyTextEdits(typo, actions[0].edit!.changes![uri]), good);
      // Not in the light bulb: a plain request at the first line offers no "fix all".
      const plain = await server.request<CodeAction[]>('textDocument/codeAction', {
        textDocument: { uri },
        range: { start: { line: 2, character: 0 }, end: { line: 2, character: 40 } },
        context: { diagnostics: [] },
      });
      assert.ok(plain.length >= 1 && plain.every((a) => a.kind === 'quickfix'));
    });
  });
});
