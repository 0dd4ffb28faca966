/**
 * The language server through a real LSP client over stdio: the same bytes an
 * editor would exchange with `cnn-language-server --stdio`.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import type {
  CodeAction,
  CodeLens,
  CompletionItem,
  CompletionList,
  Diagnostic,
  DocumentSymbol,
  FoldingRange,
  Hover,
  InlayHint,
  InitializeResult,
  Location,
  SemanticTokens,
  SignatureHelp,
  TextEdit,
  WorkspaceEdit,
} from 'vscode-languageserver-protocol';
import type { NetworkSummaryResult } from '../../src/protocol/messages';
import { dataDir, examplesDir, readText } from '../helpers';
import { applyTextEdits, positionOf, TestServer, textAt } from './lspClient';

const lenet = readText(join(examplesDir, 'lenet5.cnn'));
const resnet18 = readText(join(examplesDir, 'resnet18.cnn'));
const unet = readText(join(examplesDir, 'unet.cnn'));

function hoverText(hover: Hover | null): string {
  assert.ok(hover, 'expected a hover');
  const contents = hover.contents as { value: string };
  return contents.value;
}

function items(result: CompletionItem[] | CompletionList | null): string[] {
  const list = Array.isArray(result) ? result : (result?.items ?? []);
  return list.map((i) => i.label);
}

describe('language server over stdio', function () {
  let server: TestServer;

  before(async () => {
    server = new TestServer({ diagnostics: { debounceMs: 30 } });
    const result = (await server.initialize()) as InitializeResult;
    assert.ok(result.capabilities.hoverProvider);
    assert.ok(result.capabilities.inlayHintProvider);
    assert.ok(result.capabilities.semanticTokensProvider);
  });

  after(async () => {
    await server?.stop();
  });

  describe('diagnostics', () => {
    it('reports a failing assertion with its code, range, severity and the formula', async () => {
      const text = readText(join(dataDir, 'diagnostics', 'shape-mismatch.cnn'));
      const uri = await server.open('shape-mismatch.cnn', text);
      const diagnostics = await server.diagnosticsFor(uri);
      assert.equal(diagnostics.length, 1);
      const [d] = diagnostics;
      assert.equal(d.code, 'shape-mismatch');
      assert.equal(d.severity, 1);
      assert.equal(d.source, 'cnn');
      assert.deepEqual(d.range.start, { line: 2, character: 17 });
      assert.equal(textAt(text, d.range), '32x28x28');
      assert.match(d.message, /Expected 32x28x28 but conv gives 32x26x26: floor\(\(28 \+ 2\*0 - 1\*\(3-1\) - 1\)\/1 \+ 1\) = 26/);
    });

    it('points related information at the line inside the block', async () => {
      const text = readText(join(dataDir, 'diagnostics', 'block-call-site.cnn'));
      const uri = await server.open('block-call-site.cnn', text);
      const [d] = (await server.diagnosticsFor(uri)).filter((x) => x.code === 'shape-mismatch');
      assert.equal(d.range.start.line, 11);
      assert.ok(d.relatedInformation?.length);
      assert.ok(d.relatedInformation.some((r) => r.location.uri === uri && r.location.range.start.line === 3));
    });

    it('clears diagnostics after the error is fixed, and publishes nothing for a stale version', async () => {
      const text = readText(join(dataDir, 'diagnostics', 'shape-mismatch.cnn'));
      const uri = await server.open('stale.cnn', text);
      assert.equal((await server.diagnosticsFor(uri)).length, 1);
      // Two edits back to back: the first version is stale before its debounce ends.
      await server.replaceText(uri, text.replace('conv(32, 3)', 'conv(32, 5)'));
      const staleVersion = server.version(uri);
      await server.replaceText(uri, text.replace('-> 32x28x28', '-> 32x26x26'));
      assert.deepEqual(await server.diagnosticsFor(uri), []);
      assert.equal(server.publications(uri).filter((p) => p.version === staleVersion).length, 0);
    });
  });

  describe('hover', () => {
    it('shows shapes, the filled-in formula, params, MACs and the receptive field sentence', async () => {
      const uri = await server.open('lenet-hover.cnn', lenet);
      const text = hoverText(await server.request<Hover>('textDocument/hover', { textDocument: { uri }, position: positionOf(lenet, 'conv(6, 5)', 7) }));
      assert.match(text, /`1x32x32` → `6x28x28`/);
      assert.ok(text.includes('floor((32 + 2*0 - 1*(5-1) - 1)/1 + 1) = 28'), text);
      assert.match(text, /\| Parameters \| 156 trainable, 0 non-trainable \|/);
      assert.match(text, /\| MACs \| 117,600 /);
      // LeNet's first 5x5 convolution has no padding: unit 0 centres on input pixel (2, 2).
      assert.ok(text.includes('Each output pixel sees 5x5 input pixels; neighbouring outputs are 1 pixel apart; the first is centred on input pixel (2, 2).'), text);
      assert.ok(text.includes('| Receptive field | size 5x5, jump 1x1, start (2, 2) |'), text);
    });

    it('accumulates the receptive field through pooling', async () => {
      const uri = await server.open('lenet-hover2.cnn', lenet);
      const text = hoverText(await server.request<Hover>('textDocument/hover', { textDocument: { uri }, position: positionOf(lenet, 'conv(16, 5)', 8) }));
      // 5x5 conv, 2x2 pool (6, jump 2), 5x5 conv: 6 + 4*2 = 14; the final 2x2 pool makes it 16.
      // Starts: 2 after the conv, 2.5 after the pool, 2.5 + 2·2 = 6.5 after the second conv.
      assert.ok(text.includes('Each output pixel sees 14x14 input pixels; neighbouring outputs are 2 pixels apart; the first is centred on input pixel (6.5, 6.5).'), text);
      assert.match(text, /2,416 trainable/);
    });

    it('says when the first window centres in the padding, and names a squeeze-excitation gate', async () => {
      const text = 'network P {\n  input(1x32x32)\n  conv(8, 3, padding=1)\n  conv(8, 3, stride=2, padding=2)\n  x: identity\n  adaptive_avgpool(1)\n  multiply(x)\n}\n';
      const uri = await server.open('padding-hover.cnn', text);
      const second = hoverText(await server.request<Hover>('textDocument/hover', { textDocument: { uri }, position: positionOf(text, 'conv(8, 3, stride', 3) }));
      // Start 0 after the first conv; the second pads 2 but its 3-tap window centres 1 in: 0 + (1 - 2)·1 = −1.
      assert.ok(second.includes('the first is centred on input pixel (\u22121, \u22121), in the padding.'), second);
      const gate = hoverText(await server.request<Hover>('textDocument/hover', { textDocument: { uri }, position: positionOf(text, 'multiply', 6) }));
      assert.ok(gate.includes('Through the gate `multiply(x) at line 7`, each output pixel depends on the whole input. Without the gate, each output pixel sees 5x5 input pixels'), gate);
    });

    it('documents the op under the cursor with its signature', async () => {
      const uri = await server.open('lenet-hover3.cnn', lenet);
      const text = hoverText(await server.request<Hover>('textDocument/hover', { textDocument: { uri }, position: positionOf(lenet, 'avgpool(2)', 2) }));
      assert.match(text, /avgpool\(kernel/);
      assert.match(text, /stride=/);
    });

    it('gives a block call its totals', async () => {
      const uri = await server.open('resnet-hover.cnn', resnet18);
      const text = hoverText(await server.request<Hover>('textDocument/hover', { textDocument: { uri }, position: positionOf(resnet18, 'DownBasicBlock(128)', 3) }));
      assert.match(text, /block DownBasicBlock/);
      assert.match(text, /`64x56x56` → `128x28x28`/);
      // 3x3 convs 64→128 and 128→128, a 1x1 projection, three batchnorms (affine 256 each, running stats 256 each).
      assert.match(text, /230,144 trainable, 768 non-trainable/);
    });
  });

  describe('inlay hints', () => {
    it('shows the output shape after each statement, except where an assertion already says it', async () => {
      const uri = await server.open('lenet-hints.cnn', lenet);
      const hints = await server.request<InlayHint[]>('textDocument/inlayHint', {
        textDocument: { uri },
        range: { start: { line: 0, character: 0 }, end: { line: 100, character: 0 } },
      });
      const byLine = new Map(hints.map((h) => [h.position.line, String(h.label)]));
      const line = (marker: string) => positionOf(lenet, marker).line;
      assert.equal(byLine.get(line('tanh')), '→ 6x28x28');
      assert.equal(byLine.get(line('dense(120)')), '→ 120');
      assert.equal(byLine.get(line('dense(10)')), '→ 10');
      assert.equal(byLine.has(line('conv(6, 5)')), false);
      assert.equal(byLine.has(line('input(1x32x32)')), false);
    });

    it('lists every distinct shape of a statement inside a block', async () => {
      const uri = await server.open('resnet-hints.cnn', resnet18);
      const hints = await server.request<InlayHint[]>('textDocument/inlayHint', {
        textDocument: { uri },
        range: { start: { line: 0, character: 0 }, end: { line: 200, character: 0 } },
      });
      const first = hints.find((h) => h.position.line === positionOf(resnet18, 'conv(c, 3, stride=stride').line);
      assert.equal(first?.label, '→ 64x56x56 | 128x28x28 | 256x14x14 | …');
    });
  });

  describe('completion and signature help', () => {
    it('offers ops, blocks and keywords at the start of a statement', async () => {
      const text = resnet18.replace('  relu\n}\n\n# The first', '  relu\n  \n}\n\n# The first');
      const uri = await server.open('complete-ops.cnn', text);
      const position = { line: positionOf(text, '  relu\n  \n}').line + 1, character: 2 };
      const result = await server.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri }, position });
      const labels = items(result);
      for (const name of ['conv', 'maxpool', 'batchnorm', 'dense', 'BasicBlock', 'DownBasicBlock', 'repeat', 'residual']) assert.ok(labels.includes(name), name);
      const conv = result.find((i) => i.label === 'conv')!;
      assert.match(String(conv.detail), /^conv\(out, kernel, .*stride=1/);
    });

    it('offers the keyword arguments of the op under the cursor, and the padding words', async () => {
      const text = 'network N {\n  input(3x32x32)\n  conv(16, 3, \n}\n';
      const uri = await server.open('complete-args.cnn', text);
      const labels = items(await server.request('textDocument/completion', { textDocument: { uri }, position: { line: 2, character: 14 } }));
      for (const key of ['stride=', 'padding=', 'dilation=', 'groups=', 'bias=']) assert.ok(labels.includes(key), key);
      assert.equal(labels.includes('out='), false, 'the positional out is given already');

      await server.replaceText(uri, 'network N {\n  input(3x32x32)\n  conv(16, 3, padding=\n}\n');
      const words = items(await server.request('textDocument/completion', { textDocument: { uri }, position: { line: 2, character: 22 } }));
      assert.deepEqual(words, ['"valid"', '"same"', '"full"', '"causal"']);
    });

    it("offers the labels in scope after upsample's like=, and the v1.1 ops", async () => {
      const text = 'network N {\n  image: input(8x8x8)\n  maxpool(2)\n  upsample(like=\n}\n';
      const uri = await server.open('complete-like.cnn', text);
      const labels = items(await server.request('textDocument/completion', { textDocument: { uri }, position: { line: 3, character: 16 } }));
      assert.deepEqual(labels, ['image']);
      await server.replaceText(uri, 'network N {\n  input(8x8x8)\n  \n}\n');
      const ops = items(await server.request('textDocument/completion', { textDocument: { uri }, position: { line: 2, character: 2 } }));
      for (const name of ['slice', 'channel_shuffle', 'pixel_shuffle', 'layer_scale']) assert.ok(ops.includes(name), name);
    });

    it('offers the labels in scope inside add(...)', async () => {
      const text = 'network N {\n  input(8x8x8)\n  skip: conv(8, 3, padding=1)\n  relu\n  add(\n}\n';
      const uri = await server.open('complete-labels.cnn', text);
      const labels = items(await server.request('textDocument/completion', { textDocument: { uri }, position: { line: 4, character: 6 } }));
      assert.deepEqual(labels, ['skip']);
    });

    it('highlights the argument being typed', async () => {
      const text = 'network N {\n  input(3x32x32)\n  maxpool(3, \n}\n';
      const uri = await server.open('signature.cnn', text);
      const help = await server.request<SignatureHelp>('textDocument/signatureHelp', { textDocument: { uri }, position: { line: 2, character: 13 } });
      assert.match(help.signatures[0].label, /^maxpool\(kernel, stride=/);
      assert.equal(help.activeParameter, 1);
      const [start, end] = help.signatures[0].parameters![1].label as [number, number];
      assert.equal(help.signatures[0].label.slice(start, end), 'stride');
    });
  });

  describe('navigation and rename', () => {
    it('goes from a block call to its definition and finds every call', async () => {
      const uri = await server.open('nav.cnn', resnet18);
      const location = await server.request<Location>('textDocument/definition', { textDocument: { uri }, position: positionOf(resnet18, 'BasicBlock(64)', 1) });
      assert.equal(location.range.start.line, positionOf(resnet18, 'block BasicBlock').line);
      const refs = await server.request<Location[]>('textDocument/references', { textDocument: { uri }, position: positionOf(resnet18, 'BasicBlock(64)', 1), context: { includeDeclaration: true } });
      // The definition, the call in repeat, and three more calls.
      assert.equal(refs.length, 5);
    });

    it('renames a block at its definition and every call, and the file still analyses cleanly', async () => {
      const uri = await server.open('rename.cnn', resnet18);
      const edit = await server.request<WorkspaceEdit>('textDocument/rename', { textDocument: { uri }, position: positionOf(resnet18, 'BasicBranch(c, stride', 1), newName: 'TwoConvs' });
      const edits = edit.changes![uri];
      assert.equal(edits.length, 3);
      const renamed = await server.applyEdits(uri, edits);
      assert.equal(renamed.includes('BasicBranch'), false);
      assert.equal(renamed.match(/TwoConvs/g)?.length, 3);
      assert.deepEqual(await server.diagnosticsFor(uri), []);
    });

    it('renames a block parameter and a label only within their scope', async () => {
      const uri = await server.open('rename-param.cnn', resnet18);
      const edit = await server.request<WorkspaceEdit>('textDocument/rename', { textDocument: { uri }, position: positionOf(resnet18, 'block DownBasicBlock(c', 21), newName: 'channels' });
      const renamed = applyTextEdits(resnet18, edit.changes![uri]);
      assert.ok(renamed.includes('block DownBasicBlock(channels, stride = 2)'));
      assert.ok(renamed.includes('BasicBranch(channels, stride)'));
      assert.ok(renamed.includes('conv(channels, 1, stride=stride, bias=false)'));
      // The c of the other blocks is another parameter.
      assert.ok(renamed.includes('block BasicBlock(c)'));

      const unetUri = await server.open('rename-label.cnn', unet);
      const labelEdit = await server.request<WorkspaceEdit>('textDocument/rename', { textDocument: { uri: unetUri }, position: positionOf(unet, 'enc1:'), newName: 'level1' });
      const relabelled = applyTextEdits(unet, labelEdit.changes![unetUri]);
      assert.equal(relabelled.includes('enc1'), false);
      await server.replaceText(unetUri, relabelled);
      assert.deepEqual(await server.diagnosticsFor(unetUri), []);
    });

    it('refuses a rename to a keyword', async () => {
      const uri = await server.open('rename-bad.cnn', resnet18);
      await assert.rejects(server.request('textDocument/rename', { textDocument: { uri }, position: positionOf(resnet18, 'BasicBranch(c, stride', 1), newName: 'repeat' }), /keyword/);
    });

    it('outlines networks, blocks, parameters and labels', async () => {
      const uri = await server.open('symbols.cnn', unet);
      const symbols = await server.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri } });
      const network = symbols.find((s) => s.kind === 5);
      assert.ok(network);
      assert.ok(network.children!.some((c) => c.name === 'enc1' && c.detail === '32x64x64'));
      assert.ok(symbols.some((s) => s.name === 'DoubleConv' && s.kind === 12));
    });
  });

  describe('formatting', () => {
    const messy = [
      '# A header comment',
      'block B(c,stride = 1) {   # trailing comment',
      '        conv(c ,3,stride=stride,padding=1)',
      '/* a block comment',
      '      keeps   its inside */',
      '',
      '',
      '  relu',
      '}',
      'network N {',
      'input(3x32x32)',
      '    B(8) -> 8x32x32  # shape, "quoted, text"',
      '    residual {   B(8)',
      '    }   shortcut {',
      '        conv(8, 1)',
      '    }',
      '  dense(10,',
      '        bias=false)',
      '}',
    ].join('\n');

    it('normalises indentation and commas, keeps every comment, and is idempotent', async () => {
      const uri = await server.open('format.cnn', messy);
      const options = { tabSize: 2, insertSpaces: true };
      const edits = await server.request<TextEdit[]>('textDocument/formatting', { textDocument: { uri }, options });
      const formatted = await server.applyEdits(uri, edits);
      assert.equal(
        formatted,
        [
          '# A header comment',
          'block B(c, stride = 1) {   # trailing comment',
          '  conv(c, 3, stride=stride, padding=1)',
          '  /* a block comment',
          '      keeps   its inside */',
          '',
          '',
          '  relu',
          '}',
          'network N {',
          '  input(3x32x32)',
          '  B(8) -> 8x32x32  # shape, "quoted, text"',
          '  residual {   B(8)',
          '  }   shortcut {',
          '    conv(8, 1)',
          '  }',
          '  dense(10,',
          '        bias=false)',
          '}',
          '',
        ].join('\n'),
      );
      assert.deepEqual(await server.request('textDocument/formatting', { textDocument: { uri }, options }), []);
    });

    it('leaves every example file unchanged', async () => {
      for (const name of ['lenet5.cnn', 'resnet18.cnn', 'resnet50.cnn', 'unet.cnn', 'vgg16.cnn', 'alexnet.cnn']) {
        const original = readText(join(examplesDir, name));
        const uri = await server.open(`format-${name}`, original);
        const options = { tabSize: 2, insertSpaces: true };
        assert.deepEqual(await server.request<TextEdit[]>('textDocument/formatting', { textDocument: { uri }, options }), [], name);
        assert.deepEqual(await server.diagnosticsFor(uri), [], name);
      }
    });
  });

  describe('code actions', () => {
    it('repairs a failing assertion: the diagnostic disappears', async () => {
      const text = readText(join(dataDir, 'diagnostics', 'shape-mismatch.cnn'));
      const uri = await server.open('fix-assertion.cnn', text);
      const [diagnostic] = await server.diagnosticsFor(uri);
      const actions = await server.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: diagnostic.range, context: { diagnostics: [diagnostic], only: ['quickfix'] } });
      // padding=1 would also reach 32x28x28, but then flatten's -> 21632 fails: a fix that adds an error is not offered.
      assert.deepEqual(
        actions.map((a) => a.title),
        ['Change the assertion to -> 32x26x26'],
      );
      for (const action of actions) assert.equal(action.kind, 'quickfix');
      const replace = actions.find((a) => a.edit!.changes![uri].some((e) => e.newText === '32x26x26'));
      assert.ok(replace, JSON.stringify(actions.map((a) => a.title)));
      await server.applyEdits(uri, replace.edit!.changes![uri]);
      assert.deepEqual(await server.diagnosticsFor(uri), []);
    });

    it('offers "did you mean" for an unknown op', async () => {
      const text = 'network N {\n  input(3x32x32)\n  covn(8, 3)\n}\n';
      const uri = await server.open('fix-typo.cnn', text);
      const [diagnostic] = await server.diagnosticsFor(uri);
      assert.equal(diagnostic.code, 'unknown-op');
      const actions = await server.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: diagnostic.range, context: { diagnostics: [diagnostic] } });
      const fix = actions.find((a) => a.edit!.changes![uri].some((e) => e.newText === 'conv'));
      assert.ok(fix, JSON.stringify(actions.map((a) => a.title)));
      await server.applyEdits(uri, fix.edit!.changes![uri]);
      assert.deepEqual(await server.diagnosticsFor(uri), []);
    });
  });

  describe('network totals', () => {
    it('answers cnnLens/networkSummary with the published ResNet-18 size', async () => {
      const uri = await server.open('summary.cnn', resnet18);
      const summary = await server.request<NetworkSummaryResult>('cnnLens/networkSummary', { textDocument: { uri }, position: positionOf(resnet18, 'global_avgpool') });
      assert.equal(summary.active, 0);
      const [network] = summary.networks;
      assert.equal(network.name, 'ResNet18');
      assert.equal(network.trainableParams, 11_689_512);
      assert.equal(network.input, '3x224x224');
      assert.equal(network.output, '1000');
      assert.equal(network.errors, 0);
      assert.equal(network.activationBytes, network.activations! * 4);
    });

    it('puts totals and an Open preview lens on each network', async () => {
      const uri = await server.open('lens.cnn', lenet);
      const lenses = await server.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri } });
      const titles = lenses.map((l) => l.command!.title);
      assert.ok(titles.includes('61,706 params (61,706 trainable / 0 non-trainable)'), JSON.stringify(titles));
      assert.ok(titles.some((t) => t.endsWith('activations (batch 1)')));
      assert.ok(titles.includes('receptive field 16x16'), JSON.stringify(titles));
      assert.ok(lenses.some((l) => l.command!.command === 'cnnLens.openPreview' && l.command!.arguments![1] === 'LeNet5'));
    });

    it('gives semantic tokens and folding ranges', async () => {
      const uri = await server.open('tokens.cnn', resnet18);
      const tokens = await server.request<SemanticTokens>('textDocument/semanticTokens/full', { textDocument: { uri } });
      assert.ok(tokens.data.length > 0 && tokens.data.length % 5 === 0);
      const folds = await server.request<FoldingRange[]>('textDocument/foldingRange', { textDocument: { uri } });
      const network = positionOf(resnet18, 'network ResNet18').line;
      assert.ok(folds.some((f) => f.startLine === network));
      assert.ok(folds.some((f) => f.kind === 'comment' && f.startLine === 0 && f.endLine === 2));
    });
  });

  describe('robustness', () => {
    it('answers an unknown request with MethodNotFound', async () => {
      await assert.rejects(server.request('cnnLens/noSuchThing', {}), (error: { code: number }) => error.code === -32601);
    });

    it('handles a document of 10,000 statements', async () => {
      const text = 'network Big {\n  input(3x64x64)\n' + '  conv(8, 3, padding=1)\n  relu\n'.repeat(5000) + '  conv(8, 3) -> 8x64x64\n}\n';
      const uri = await server.open('huge.cnn', text);
      const diagnostics = await server.diagnosticsFor(uri);
      assert.equal(diagnostics.length, 1);
      assert.equal(diagnostics[0].code, 'shape-mismatch');
      assert.equal(diagnostics[0].range.start.line, 10002);
      const summary = await server.request<NetworkSummaryResult>('cnnLens/networkSummary', { textDocument: { uri } });
      assert.equal(summary.networks[0].trainableParams, 224 + 5000 * 584);
    });

    it('keeps working after garbage and syntax errors', async () => {
      const uri = await server.open('recover.cnn', 'network N {\n  input(3x32x32)\n  conv(8, 3\n  ))) %%% \u0000\n');
      const broken: Diagnostic[] = await server.diagnosticsFor(uri);
      assert.ok(broken.some((d) => d.code === 'syntax'));
      await server.replaceText(uri, lenet);
      assert.deepEqual(await server.diagnosticsFor(uri), []);
      const text = hoverText(await server.request<Hover>('textDocument/hover', { textDocument: { uri }, position: positionOf(lenet, 'dense(84)') }));
      assert.match(text, /`120` → `84`/);
    });

    it('survives a malformed message on stdin', async () => {
      // Valid framing around content that is not JSON, then a normal request.
      const garbage = '{"jsonrpc": "2.0", "id": 1, "method": oops';
      server.process.stdin!.write(`Content-Length: ${Buffer.byteLength(garbage)}\r\n\r\n${garbage}`);
      const uri = await server.open('after-garbage.cnn', lenet);
      assert.deepEqual(await server.diagnosticsFor(uri), []);
    });
  });
});
