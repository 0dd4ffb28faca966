/**
 * Incremental analysis (issue 16): over thousands of random edits of real
 * files, seeded so a failure repeats, the analysis that reuses unchanged
 * declarations serialises exactly as a fresh `analyze` of the same text, with
 * and without graphs; and it really reuses (an edit of one network leaves the
 * others unevaluated, a comment edit evaluates nothing). The same holds with
 * networks parsed in pieces of a few lines and evaluated from their first
 * changed statement on, and an edit near the end of a 10,000-statement
 * network evaluates only what follows it.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { analyze, IncrementalAnalysis, IncrementalParser, type Analysis, type Diagnostic, type NetworkListener, type Range } from '../../src/core';
import { splitChunks } from '../../src/core/syntax/chunks';
import { splitNetwork } from '../../src/core/syntax/networkPieces';
import { examplesDir, readText, unbuiltCalls } from '../helpers';
import { jsonDifference } from '../jsonDifference';
// The panel's seeded generator, so the storm is the same on every run.
import { mulberry32 } from '../../webview/src/mulberry32';

/**
 * Fails unless the two analyses serialise to the same JSON text (maps as their entries, every field included), and
 * names the first difference. The texts are compared without being written (jsonDifference): writing a few hundred
 * kilobytes twice per edit took most of the time of the edit storms below.
 */
function assertSameAnalysis(actual: Analysis, expected: Analysis, message = 'the analyses differ'): void {
  const difference = jsonDifference(actual, expected);
  if (difference !== undefined) assert.fail(`${message}\n${difference}`);
}

const statements = [
  '  relu',
  '  conv(8, 3, padding=1)',
  '  batchnorm',
  '  maxpool(2)',
  '  x: identity',
  '  add(x)',
  '  B(4)',
  '  repeat(2) { relu }',
  '  flatten',
  '  dense(10)',
  '  -> 8x?x?',
  '  conv(4, 1)',
];
const declarations = [
  'block B(c) { residual { conv(c, 3, padding=1); batchnorm } }',
  'block C(c = 2) { conv(c, 1); relu }',
  'network Extra {\n  input(3x16x16)\n  C(4)\n  B(4)\n}',
  'network Small { input(1x8x8); conv(2, 3); relu }',
];

/** One random edit of `text`: mostly ones that keep it parsing, some that break it. */
function edit(text: string, next: () => number): string {
  const pick = <T>(items: T[]): T => items[Math.floor(next() * items.length)];
  const lines = text.split('\n');
  const line = Math.floor(next() * (lines.length + 1));
  switch (Math.floor(next() * 9)) {
    case 0: {
      // Another number where one was.
      const numbers = [...text.matchAll(/\d+/g)];
      if (!numbers.length) return text;
      const found = pick(numbers);
      return text.slice(0, found.index) + String(1 + Math.floor(next() * 64)) + text.slice(found.index + found[0].length);
    }
    case 1:
      lines.splice(line, 0, pick(statements));
      return lines.join('\n');
    case 2:
      lines.splice(Math.min(line, lines.length - 1), 1);
      return lines.join('\n');
    case 3:
      lines.splice(line, 0, pick(['# a comment', '', '/* block comment */', '  # indented comment']));
      return lines.join('\n');
    case 4:
      return `${text}\n# ${'x'.repeat(Math.floor(next() * 5))}`;
    case 5: {
      const at = Math.floor(next() * text.length);
      return text.slice(0, at) + pick(['(', ')', '{', '}', 'x', ',', '\n', '']) + text.slice(at + 1);
    }
    case 6:
      lines.splice(line, 0, pick(declarations));
      return lines.join('\n');
    case 7: {
      // A typing burst at the end of one line.
      const at = Math.min(line, lines.length - 1);
      lines[at] += pick([' # typing', ';', ' relu', '']);
      return lines.join('\n');
    }
    default: {
      const at = Math.min(line, lines.length - 1);
      lines.splice(at, 0, lines[at]);
      return lines.join('\n');
    }
  }
}

/**
 * Texts typed from `original`, one per call: mostly one random edit of the last, sometimes the original again; and
 * when the last was `broken` (a syntax error), mostly the text before it (undone), as when typing, so that most parse.
 */
function typing(original: string, next: () => number): (broken: boolean) => string {
  let text = original;
  let previous = original;
  return (broken) => {
    const before = text;
    text = next() < 0.03 ? original : broken && next() < 0.7 ? previous : edit(text, next);
    previous = before;
    return text;
  };
}

describe('incremental analysis', () => {
  const files = ['lenet5.cnn', 'resnet18.cnn', 'mobilenet_v2.cnn', 'unet.cnn', 'tcn.cnn'].map((name) => readText(join(examplesDir, name)));
  const multi = [declarations[0], declarations[1], files[0], declarations[2], 'network Uses { input(4x8x8); B(4); C(2) -> 2x8x8 }', declarations[3], ''].join('\n\n');

  it('equals a fresh analysis over 2,100 random edits (seeded), and reuses', function () {
    this.timeout(600_000);
    const next = mulberry32(16);
    let replayed = 0;
    let keptParses = 0;
    let brokenButReused = 0;
    for (const [index, original] of [...files, multi].entries()) {
      const plain = new IncrementalAnalysis();
      const graphs = new IncrementalAnalysis({ graph: true });
      const typed = typing(original, next);
      for (let step = 0; step < 350; step++) {
        const text = typed(plain.reuse.syntaxErrors === true);
        const reused = plain.analyze(text);
        assertSameAnalysis(reused, analyze(text), `file ${index}, step ${step}: the incremental analysis differs from a fresh one for:\n${text}`);
        replayed += plain.reuse.replayed;
        keptParses += plain.reuse.keptParses;
        if (plain.reuse.syntaxErrors && !plain.reuse.fresh) brokenButReused++;
        if (step % 10 === 0) {
          assertSameAnalysis(graphs.analyze(text), analyze(text, { graph: true }), `file ${index}, step ${step} (with graphs)`);
        }
      }
    }
    // Reuse must really happen, or the test proves nothing about it.
    assert.ok(replayed > 400, `only ${replayed} networks were replayed`);
    assert.ok(keptParses > 2000, `only ${keptParses} declarations kept their parse`);
    // And with a syntax error: the declarations before it (and after it, when it is confined) kept.
    assert.ok(brokenButReused > 100, `only ${brokenButReused} versions with a syntax error reused anything`);
  });

  it('equals a fresh analysis with networks parsed in pieces and resumed after their unchanged statements (2,100 seeded edits)', function () {
    this.timeout(600_000);
    const next = mulberry32(1616);
    let resumed = 0;
    let keptParses = 0;
    let brokenButReused = 0;
    // Pieces of 4 lines, so that the networks of the real files are cut into pieces too.
    for (const [index, original] of [...files, multi].entries()) {
      const plain = new IncrementalAnalysis({ linesPerPiece: 4 });
      const typed = typing(original, next);
      for (let step = 0; step < 350; step++) {
        const text = typed(plain.reuse.syntaxErrors === true);
        assertSameAnalysis(plain.analyze(text), analyze(text), `file ${index}, step ${step}: the analysis in pieces differs from a fresh one for:\n${text}`);
        resumed += plain.reuse.resumedStatements;
        keptParses += plain.reuse.keptParses;
        if (plain.reuse.syntaxErrors && plain.reuse.resumedStatements > 0) brokenButReused++;
      }
    }
    assert.ok(resumed > 1000, `only ${resumed} statements were resumed`);
    // Including with a syntax error inside a network, confined to its piece.
    assert.ok(brokenButReused > 20, `only ${brokenButReused} versions with a syntax error resumed a network`);
    assert.ok(keptParses > 5000, `only ${keptParses} declarations or pieces kept their parse`);
  });

  it('evaluates only what follows an edit near the end of a 10,000-statement network', () => {
    const pairs = (count: number) => '  conv(8, 3, padding=1)\n  relu\n'.repeat(count);
    const big = (channels: number) => `network Big {\n  input(3x64x64)\n${pairs(4990)}  conv(${channels}, 3, padding=1)\n  relu\n${pairs(9)}}\n`;
    const incremental = new IncrementalAnalysis();
    incremental.analyze(big(8));
    const analysis = incremental.analyze(big(16));
    // The edited conv is statement 9,981 (line 9,982): the 128-line piece around it alone is parsed again, and
    // the statements before that piece are resumed, not evaluated.
    const edited = 1 + 2 * 4990;
    assert.equal(incremental.reuse.parsed, 1);
    assert.ok(incremental.reuse.resumedStatements <= edited && incremental.reuse.resumedStatements > edited - 128, `${incremental.reuse.resumedStatements} statements resumed`);
    assertSameAnalysis(analysis, analyze(big(16)));
    // 16 channels after the edited conv, 8 again after the next one: 10,001 statements in all.
    assert.equal(analysis.networks[0].statements.length, 10001);
    assert.deepEqual(analysis.networks[0].statements[edited].outShape, [16, 64, 64]);
    assert.deepEqual(analysis.networks[0].output, [8, 64, 64]);
    // Typing an unfinished call there: the error is confined to its piece, so the other pieces keep their parses
    // (one piece, and the check with the piece after it, are parsed) and the statements before it are resumed.
    const unfinished = big(8).replace(`${pairs(9)}}`, `  conv(16, 3\n${pairs(8)}}`);
    const withError = incremental.analyze(unfinished);
    assertSameAnalysis(withError, analyze(unfinished));
    assert.deepEqual(
      withError.diagnostics.map((d) => [d.code, d.range.start.line]),
      [['syntax', 2 + 2 * 4991]],
    );
    assert.deepEqual([incremental.reuse.fresh, incremental.reuse.parsed], [false, 2]);
    assert.ok(incremental.reuse.resumedStatements > edited - 128, `${incremental.reuse.resumedStatements} statements resumed`);
  });

  it('equals a fresh analysis when a block is called more often than hovers keep instances: replayed, resumed and edited', () => {
    // Past a statement's first 32 instances a network's trace records no more, and a replayed call builds its
    // body's results when read: the hovers' instances and every call's results must still be a fresh analysis's.
    const calls = (count: number, call = 'B(4)') => `  ${call}\n`.repeat(count);
    const text = (last: string, many = true) =>
      `block A(c) { conv(c, 1); relu }\nblock B(c) { A(c); A(c); conv(c, 3, padding=1) }\nnetwork N {\n  input(4x40x40)\n${many ? `${calls(150)}${calls(1, 'B(2)')}${calls(149)}` : calls(300, 'relu')}  ${last}\n}\nnetwork M {\n  input(4x40x40)\n${calls(60)}}\n`;
    const incremental = new IncrementalAnalysis();
    // The last version leaves N one call (its other lines relu, so M stays where it was): M, replayed, must bring the
    // instances its trace recorded when N's calls had kept them all.
    const versions = [text('B(4)'), `${text('B(4)')}# a comment\n`, text('B(8)'), text('B(8)').replace(/B\(4\)\n\}\n$/, 'B(2)\n}\n'), text('B(8)', false).replace(/B\(4\)\n\}\n$/, 'B(2)\n}\n')];
    const reused: string[] = [];
    for (const version of versions) {
      const analysis = incremental.analyze(version);
      // Read before the comparison reads every call's body.
      const lazy = unbuiltCalls(analysis);
      assertSameAnalysis(analysis, analyze(version), `the incremental analysis differs from a fresh one for:\n${version}`);
      reused.push(`replayed ${incremental.reuse.replayed}, resumed ${incremental.reuse.resumedStatements}`);
      if (version === versions[0]) assert.ok(lazy > 250, `only ${lazy} calls left their bodies unbuilt`);
      const conv = analysis.file.blocks[0].body[0];
      assert.equal(analysis.instances.get(conv)!.length, 32);
    }
    // First analysed afresh; a comment replays both networks; an edit at the end of N resumes N's 256 statements
    // before its last piece and replays M; one in M replays N; N cut to one call replays M.
    assert.deepEqual(reused, ['replayed 0, resumed 0', 'replayed 2, resumed 0', 'replayed 1, resumed 256', 'replayed 1, resumed 0', 'replayed 1, resumed 0']);
  });

  it('parses only the piece Enter was pressed in: the pieces after it move down with their parses', () => {
    // Numbered channels, so that no two pieces have the same text (a moved piece cannot borrow another's parse).
    const statementsOf = (from: number, count: number) => Array.from({ length: count }, (_, i) => `  conv(${1 + ((from + i) % 50)}, 1)\n  relu\n`).join('');
    const withBlankLines = (blank: number) => `network Big {\n  input(3x64x64)\n${statementsOf(0, 2500)}${'\n'.repeat(blank)}${statementsOf(2500, 2499)}}\n`;
    const incremental = new IncrementalAnalysis();
    incremental.analyze(withBlankLines(0));
    for (const blank of [1, 2, 1]) {
      const text = withBlankLines(blank);
      const analysis = incremental.analyze(text);
      assertSameAnalysis(analysis, analyze(text), `${blank} blank lines`);
      // One piece parsed again (the one with the blank lines); the 78 pieces of 128 statements are kept, those after it moved.
      assert.deepEqual([incremental.reuse.parsed, incremental.reuse.keptParses], [1, 78], `${blank} blank lines`);
      // The last statement is the relu of pair 4,998 (lines 2 + 2i and 3 + 2i before the blank lines), after a conv of 1 + 4,998 % 50 channels.
      const last = analysis.networks[0].statements[9998];
      assert.deepEqual([last.range.start.line, analysis.networks[0].output], [3 + 2 * 4998 + blank, [1 + (4998 % 50), 64, 64]]);
    }
  });

  it('keeps a call split over lines at the same indentation inside one piece (no whole parse)', () => {
    const network = (channels: number) => `network Split {\n  input(3x16x16)\n${Array.from({ length: 40 }, (_, i) => `  conv(${i === 20 ? channels : 3}, 3,\n  padding=1)\n  relu\n`).join('')}}\n`;
    const incremental = new IncrementalAnalysis({ linesPerPiece: 4 });
    incremental.analyze(network(3));
    const text = network(5);
    assertSameAnalysis(incremental.analyze(text), analyze(text));
    // Each piece holds whole calls, so all but the edited one keep their parse.
    assert.equal(incremental.reuse.parsed, 1);
    assert.ok(incremental.reuse.keptParses >= 19, `${incremental.reuse.keptParses} pieces kept`);
    assert.ok(splitNetwork({ text: text.slice(0, -1), firstLine: 0 }, 4)!.pieces.every((piece) => !/^\s*padding/.test(piece.text)));
  });

  it('evaluates only the network an edit touches, and nothing for a comment', () => {
    const incremental = new IncrementalAnalysis();
    incremental.analyze(multi);
    assert.equal(incremental.reuse.evaluated, 4);
    incremental.analyze(`${multi}\n# a comment`);
    assert.deepEqual({ ...incremental.reuse }, { parsed: 1, keptParses: 11, evaluated: 0, replayed: 4, resumedStatements: 0, fresh: false });
    // Network Small is the last declaration: changing its conv re-parses and re-evaluates it alone.
    const edited = multi.replace('conv(2, 3)', 'conv(3, 3)');
    const analysis = incremental.analyze(edited);
    assert.equal(incremental.reuse.evaluated, 1);
    assert.equal(incremental.reuse.replayed, 3);
    assert.deepEqual(analysis.networks.find((n) => n.name === 'Small')?.output, [3, 6, 6]);
    // Changing block C re-evaluates the networks that call it (Extra and Uses), not the others.
    incremental.analyze(edited.replace('block C(c = 2) { conv(c, 1); relu }', 'block C(c = 2) { conv(c, 1); gelu }'));
    assert.equal(incremental.reuse.evaluated, 2);
    // A syntax error in the last declaration: the others keep their parses and their evaluations.
    incremental.analyze(edited);
    const broken = `${edited}\nnetwork Broken { input(3x8x8); conv(`;
    const withError = incremental.analyze(broken);
    assert.deepEqual([incremental.reuse.fresh, incremental.reuse.syntaxErrors, incremental.reuse.replayed], [false, true, 4]);
    assertSameAnalysis(withError, analyze(broken));
    // An error confined to block C (an unclosed call, its line ending the block): only block C is parsed again, with
    // the check that the next declaration still reads cleanly; the diagnostics are a fresh analysis's.
    incremental.analyze(edited);
    const inBlock = edited.replace('block C(c = 2) { conv(c, 1); relu }', 'block C(c = 2) { conv(c, 1; relu }');
    const confined = incremental.analyze(inBlock);
    assertSameAnalysis(confined, analyze(inBlock));
    assert.ok(confined.diagnostics.some((d) => d.code === 'syntax'));
    assert.deepEqual([incremental.reuse.fresh, incremental.reuse.parsed], [false, 3]);
    // Typing elsewhere while the error stays: nothing is parsed but the comment's chunk.
    incremental.analyze(`${inBlock}\n# typing`);
    assert.deepEqual([incremental.reuse.fresh, incremental.reuse.syntaxErrors, incremental.reuse.parsed], [false, true, 1]);
    // An error in the first declaration: the whole file afresh.
    incremental.analyze(`network Broken { input(3x8x8); conv(\n${edited}`);
    assert.equal(incremental.reuse.fresh, true);
  });

  it('equals a fresh analysis when the plain analysis and the one with graphs share a parser, as in a server worker (700 seeded edits)', function () {
    this.timeout(300_000);
    const next = mulberry32(22);
    let takenWhole = 0;
    for (const [index, original] of [files[0], files[1], multi].entries()) {
      // Pieces of four lines: the long networks of these files are parsed in pieces, which the two analyses share too.
      const parser = new IncrementalParser(4);
      const plain = new IncrementalAnalysis({ parser });
      const graphs = new IncrementalAnalysis({ graph: true, parser });
      const typed = typing(original, next);
      for (let step = 0; step < 230; step++) {
        const text = typed(plain.reuse.syntaxErrors === true);
        // Mostly the plain analysis first, as the server runs them; sometimes the one with graphs, or only one of them.
        const order = next();
        const first = order < 0.8 ? plain : graphs;
        const second = first === plain ? graphs : plain;
        assertSameAnalysis(first.analyze(text), analyze(text, { graph: first === graphs }), `file ${index}, step ${step}: the first analysis`);
        if (order > 0.9) continue;
        assertSameAnalysis(second.analyze(text), analyze(text, { graph: second === graphs }), `file ${index}, step ${step}: the second analysis`);
        // The second analysis of a text takes the first's parse whole: nothing parsed, every declaration kept.
        if (!second.reuse.fresh) {
          assert.equal(second.reuse.parsed, 0, `file ${index}, step ${step}: the second analysis parsed again`);
          takenWhole++;
        }
      }
    }
    assert.ok(takenWhole > 350, `only ${takenWhole} second analyses took the first's parse`);
  });

  it("tells each network's listener what the whole analysis will say of it, evaluated or replayed", () => {
    const incremental = new IncrementalAnalysis({ graph: true });
    const edited = multi.replace('conv(2, 3)', 'conv(3, 3)').replace('-> 2x8x8', '-> 3x8x8');
    for (const text of [multi, edited, `${edited}\nnetwork Broken { input(3x8x8); conv(`]) {
      for (const run of [(listener: NetworkListener) => analyze(text, { graph: true, onNetwork: listener }), (listener: NetworkListener) => incremental.analyze(text, listener)]) {
        const seen: { network: string; graph: string; errors: string }[] = [];
        let file: unknown;
        const analysis = run((index, network, graph, progress) => {
          assert.equal(progress.networks.length, index + 1, 'the networks so far end with this one');
          assert.equal(progress.networks[index], network);
          assert.equal(progress.graphs?.[index], graph);
          file ??= progress.file;
          seen.push({ network: JSON.stringify(network), graph: JSON.stringify(graph), errors: JSON.stringify(errorsInside(progress.diagnostics(), network.declaration.range)) });
        });
        assert.equal(file, analysis.file, 'the listener sees the whole parse');
        assert.equal(seen.length, analysis.networks.length);
        assert.ok(analysis.networks.length >= 4);
        analysis.networks.forEach((network, index) => {
          assert.deepEqual(
            seen[index],
            { network: JSON.stringify(network), graph: JSON.stringify(analysis.graphs?.[index]), errors: JSON.stringify(errorsInside(analysis.diagnostics, network.declaration.range)) },
            `network ${network.name}`,
          );
        });
      }
    }
    // In the edited text, network Uses asserts 3x8x8 where C(2) gives 2x8x8: an error of its own, which its listener saw.
    const edit = analyze(edited);
    const uses = edit.networks.find((n) => n.name === 'Uses')!;
    assert.equal(errorsInside(edit.diagnostics, uses.declaration.range).length, 1);
  });

  it('cuts a file into declarations and the lines between them, losing nothing', () => {
    const text = '# head\r\nblock A { relu }\n\n/* network Fake { */\nnetwork N {\n  input(3x8x8) # }\n  "{"\n}\r# tail';
    const chunks = splitChunks(text);
    assert.equal(chunks.map((c) => c.text).join(''), text);
    assert.deepEqual(
      chunks.map((c) => [c.firstLine, c.text.split(/\r\n?|\n/)[0]]),
      [
        [0, '# head'],
        [1, 'block A { relu }'],
        [2, ''],
        [4, 'network N {'],
        [8, '# tail'],
      ],
    );
  });
});

/** The error diagnostics inside a range (a network's declaration). */
function errorsInside(diagnostics: Diagnostic[], range: Range): Diagnostic[] {
  const at = (p: { line: number; character: number }) => p.line * 1e6 + p.character;
  return diagnostics.filter((d) => d.severity === 'error' && at(d.range.start) >= at(range.start) && at(d.range.start) <= at(range.end));
}
