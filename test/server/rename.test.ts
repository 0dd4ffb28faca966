/**
 * Rename never changes what a network means (issue 16): a parameter's keyword
 * arguments at call sites follow it, collisions are refused with a message,
 * and renaming every symbol of every example and golden file leaves its
 * analysis as it was.
 */
import { strict as assert } from 'node:assert';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkspaceEdit } from 'vscode-languageserver-protocol';
import { analyze, parse, type Analysis } from '../../src/core';
import { indexNames } from '../../src/server/names';
import { dataDir, examplesDir, readText } from '../helpers';
import { applyTextEdits, positionOf, TestServer } from './lspClient';

/** What renaming must keep: every network's shapes and counts, and where each diagnostic is. */
function meaning(analysis: Analysis): unknown {
  return {
    networks: analysis.networks.map((n) => ({
      output: n.output,
      params: n.params,
      macs: n.macs,
      activations: n.activations,
      statements: n.statements.map((s) => [s.outShape, s.params, s.macs]),
    })),
    diagnostics: analysis.diagnostics.map((d) => `${d.code}@${d.range.start.line}`),
  };
}

describe('rename keeps meaning', function () {
  this.timeout(300_000);
  let server: TestServer;

  before(async () => {
    server = new TestServer();
    await server.initialize();
  });

  after(async () => {
    await server?.stop();
  });

  const down = [
    'block Down(c, stride = 2) {',
    '  conv(c, 3, stride=stride, padding=1)',
    '}',
    'network N {',
    '  input(3x16x16)',
    '  Down(16, stride=1) -> 16x16x16',
    '  a: conv(12, 1)',
    '  b: conv(16, 1)',
    '  concat(a) -> 28x16x16',
    '}',
    'block Other(k) { relu }',
    '',
  ].join('\n');

  it('renames a block parameter at its keyword arguments too, so a call keeps its value', async () => {
    const uri = await server.open('keyword.cnn', down);
    const prepared = await server.request<{ placeholder: string }>('textDocument/prepareRename', { textDocument: { uri }, position: positionOf(down, 'stride=1', 1) });
    assert.equal(prepared.placeholder, 'stride');
    const edit = await server.request<WorkspaceEdit>('textDocument/rename', { textDocument: { uri }, position: positionOf(down, 'stride = 2', 1), newName: 'step' });
    const renamed = applyTextEdits(down, edit.changes![uri]);
    assert.ok(renamed.includes('block Down(c, step = 2)'));
    assert.ok(renamed.includes('conv(c, 3, stride=step, padding=1)'), 'the op keyword stays');
    assert.ok(renamed.includes('Down(16, step=1) -> 16x16x16'));
    assert.deepEqual(analyze(renamed).diagnostics, []);
    assert.deepEqual(meaning(analyze(renamed)), meaning(analyze(down)));
  });

  describe('keeps the -> assertions aligned', () => {
    const resnet18 = readText(join(examplesDir, 'resnet18.cnn'));
    /** The columns of the `->` on the lines that have one (ResNet-18's are all at one column). */
    const arrowColumns = (text: string) => [
      ...new Set(
        text
          .split('\n')
          .filter((l) => l.includes('->') && !l.trimStart().startsWith('#'))
          .map((l) => l.indexOf('->')),
      ),
    ];

    for (const { what, newName } of [
      { what: 'a longer name that still fits before the column', newName: 'PlainBlock' },
      { what: 'a shorter name', newName: 'BB' },
      { what: 'a name too long for the column: every aligned line moves', newName: 'BasicBlockWithAnIdentityShortcutAndAVeryLongName' },
    ]) {
      it(`renaming BasicBlock to ${newName} (${what})`, async () => {
        assert.deepEqual(arrowColumns(resnet18), [49]);
        const uri = await server.open(`align-${newName}.cnn`, resnet18);
        const edit = await server.request<WorkspaceEdit>('textDocument/rename', { textDocument: { uri }, position: positionOf(resnet18, 'block BasicBlock', 6), newName });
        const renamed = applyTextEdits(resnet18, edit.changes![uri]);
        assert.ok(renamed.includes(`  repeat(2) { ${newName}(64) }`), renamed);
        assert.ok(!/\bBasicBlock\(/.test(renamed), 'every call renamed');
        const columns = arrowColumns(renamed);
        assert.equal(columns.length, 1, `one column for every ->: ${columns}`);
        // The column stays where it was unless the longest renamed line needs more (one space before ->).
        const needed = '  repeat(2) { '.length + newName.length + '(64) }'.length + 1;
        assert.equal(columns[0], Math.max(49, needed));
        // Only spaces changed besides the name: the analysis is the same.
        assert.deepEqual(meaning(analyze(renamed)), meaning(analyze(resnet18)));
        assert.equal(renamed.replace(new RegExp(newName, 'g'), 'BasicBlock').replace(/ +->/g, ' ->'), resnet18.replace(/ +->/g, ' ->'));
      });
    }
  });

  for (const { what, marker, newName, message } of [
    { what: 'a block onto another block', marker: 'block Down', newName: 'Other', message: /A block named Other already exists/ },
    { what: 'a label onto an earlier label', marker: 'b: conv', newName: 'a', message: /already has a label a; renaming onto it would change what add, concat or multiply refer to/ },
    { what: 'a parameter onto another parameter', marker: 'Down(c', newName: 'stride', message: /Block Down already has a parameter stride/ },
  ]) {
    it(`refuses to rename ${what}`, async () => {
      const uri = await server.open(`collision-${newName}.cnn`, down);
      const offset = marker.startsWith('block ') ? 6 : marker === 'Down(c' ? 5 : 0;
      await assert.rejects(server.request('textDocument/rename', { textDocument: { uri }, position: positionOf(down, marker, offset), newName }), (error: { code: number; message: string }) => {
        assert.equal(error.code, -32803);
        assert.match(error.message, message);
        return true;
      });
    });
  }

  it('says why an op cannot be renamed', async () => {
    const uri = await server.open('op.cnn', down);
    await assert.rejects(server.request('textDocument/prepareRename', { textDocument: { uri }, position: positionOf(down, 'conv(12', 1) }), /conv is an op of the language/);
  });

  const files = [
    ...readdirSync(examplesDir)
      .filter((f) => f.endsWith('.cnn'))
      .map((f) => join(examplesDir, f)),
    ...readdirSync(join(dataDir, 'diagnostics'))
      .filter((f) => f.endsWith('.cnn'))
      .map((f) => join(dataDir, 'diagnostics', f)),
  ];
  for (const path of files) {
    it(`renaming every symbol of ${path.slice(path.lastIndexOf('/') + 1)} leaves its analysis as it was`, async () => {
      const text = readText(path);
      const before = meaning(analyze(text));
      const uri = await server.open(`all-${path.replace(/\W/g, '_')}`, text);
      const symbols = indexNames(parse(text).file).filter((s) => s.definition);
      let renamed = 0;
      for (const [index, symbol] of symbols.entries()) {
        const newName = `${symbol.kind === 'block' ? 'R' : 'r'}enamed_${index}`;
        let edit: WorkspaceEdit;
        try {
          edit = await server.request<WorkspaceEdit>('textDocument/rename', { textDocument: { uri }, position: symbol.definition!.start, newName });
        } catch (error) {
          // Only a duplicated definition may refuse a fresh name.
          assert.match((error as Error).message, /defined more than once/, `${symbol.kind} ${symbol.name}`);
          continue;
        }
        const after = applyTextEdits(text, edit.changes![uri]);
        assert.deepEqual(meaning(analyze(after)), before, `renaming ${symbol.kind} ${symbol.name} to ${newName}`);
        renamed++;
      }
      assert.ok(renamed > 0 || symbols.length === 0);
    });
  }
});
