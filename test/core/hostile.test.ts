/**
 * Hostile input: every reproduction of issue 16 that crashed or froze the
 * core. Each must analyse without throwing, without an internal error, and
 * with the diagnostic that names the bound it hit. Time is bounded by the
 * test timeout, never by a timed assertion.
 */
import { strict as assert } from 'node:assert';
import { analyze, renderNetworkSummary, toJsonReport, type Analysis } from '../../src/core';
import { megabyteFiles } from '../megabyteFiles';

function codes(analysis: Analysis): string[] {
  return analysis.diagnostics.map((d) => d.code);
}

/** Analyses and checks what every hostile input must give: no throw, no internal error. */
function analyzeSafely(text: string): Analysis {
  const analysis = analyze(text);
  const internal = analysis.diagnostics.find((d) => d.code === 'internal-error');
  assert.equal(internal, undefined, internal?.message);
  return analysis;
}

const network = (body: string) => `network N {\n  input(3x8x8)\n${body}\n}\n`;

describe('hostile input (issue 16)', function () {
  this.timeout(120_000);

  describe('nesting is bounded by a diagnostic, not by the stack', () => {
    for (const pairs of [495, 1000, 100_000]) {
      it(`${pairs} nested parentheses in an argument`, () => {
        const text = network(`  conv(${'('.repeat(pairs)}4${')'.repeat(pairs)}, 3)`);
        const analysis = analyzeSafely(text);
        const deep = analysis.diagnostics.find((d) => /nests deeper than 64 levels/.test(d.message));
        assert.ok(deep, codes(analysis).join());
        // The 65th parenthesis: `conv(` is the network's brace plus one, so 63 more inside it.
        assert.deepEqual(deep.range.start, { line: 2, character: 7 + 62 });
      });
    }

    it('330 nested repeat(2) { … }', () => {
      const analysis = analyzeSafely(network(`${'repeat(2) {\n'.repeat(330)}relu\n${'}\n'.repeat(330)}`));
      assert.ok(analysis.diagnostics.some((d) => d.code === 'syntax' && /nests deeper than 64 levels/.test(d.message)));
    });

    it('nesting just inside the bound analyses normally', () => {
      // 62 repeats inside the network's braces: 63 levels, one below the bound; each keeps the shape.
      const analysis = analyzeSafely(network(`${'repeat(1) {\n'.repeat(62)}relu\n${'}\n'.repeat(62)}`));
      assert.deepEqual(analysis.diagnostics, []);
      assert.deepEqual(analysis.networks[0].output, [3, 8, 8]);
    });

    it('a sum of 2,557 terms is too deep; a sum of 200 terms is evaluated', () => {
      const long = analyzeSafely(network(`  conv(${'1+'.repeat(2556)}4, 3)`));
      assert.ok(long.diagnostics.some((d) => d.code === 'syntax' && /expression nests deeper than 256 levels/.test(d.message)));
      const fine = analyzeSafely(network(`  conv(${'1+'.repeat(199)}1, 3)`));
      assert.deepEqual(fine.diagnostics, []);
      assert.deepEqual(fine.networks[0].output, [200, 6, 6]);
    });

    it('a chain of 829 blocks stops with too-large, and the network is unknown past it', () => {
      const blocks = Array.from({ length: 829 }, (_, i) => `block D${i} { D${i + 1} }`).join('\n');
      const text = `network N {\n  input(3x8x8)\n  conv(16, 3)\n  D0\n}\n${blocks}\nblock D829 { relu }\n`;
      const analysis = analyzeSafely(text);
      const stop = analysis.diagnostics.find((d) => d.code === 'too-large');
      assert.ok(stop && /deeper than 256 levels/.test(stop.message), codes(analysis).join());
      assert.equal(stop.range.start.line, 3);
      const [result] = analysis.networks;
      assert.equal(result.output, null);
      const [json] = toJsonReport('chain.cnn', analysis).networks;
      assert.deepEqual([json.output, json.params, json.macs, json.activations], [null, null, null, null]);
      // The summary table says so too, rather than the conv's 448 parameters before the stop.
      const table = renderNetworkSummary(result, text.split('\n'), 1);
      assert.match(table, /^Total params: unknown/m);
      assert.match(table, /^Total MACs: unknown$/m);
      assert.doesNotMatch(table, /^Total params: 448$/m);
    });

    it('a chain of 200 blocks is evaluated to its end', () => {
      const blocks = Array.from({ length: 200 }, (_, i) => `block D${i} { D${i + 1} }`).join('\n');
      const analysis = analyzeSafely(`network N {\n  input(3x8x8)\n  D0\n}\n${blocks}\nblock D200 { conv(4, 3) }\n`);
      assert.deepEqual(analysis.diagnostics, []);
      assert.deepEqual(analysis.networks[0].output, [4, 6, 6]);
      assert.equal(analysis.networks[0].params.trainable, 3 * 9 * 4 + 4);
    });
  });

  it('200,000 labels and then add(l0)', () => {
    const labels = Array.from({ length: 200_000 }, (_, i) => `l${i}: relu`).join('\n');
    const analysis = analyzeSafely(network(`${labels}\nadd(l0)`));
    assert.deepEqual(analysis.diagnostics, []);
    assert.deepEqual(analysis.networks[0].output, [3, 8, 8]);
  });

  it('16,000 undefined labels and a few suggestions, not 16,000 searches of 16,000 labels', () => {
    const lines = Array.from({ length: 16_000 }, (_, i) => `l${i}: relu\nadd(m${i}x)`).join('\n');
    const analysis = analyzeSafely(network(lines));
    assert.equal(analysis.diagnostics.filter((d) => d.code === 'undefined-label').length, 16_000);
  });

  it('a cycle of 5,000 blocks and a chain of 10,000 blocks are checked in linear time', () => {
    const cycle = Array.from({ length: 5000 }, (_, i) => `block C${i} { C${(i + 1) % 5000} }`).join('\n');
    const cyclic = analyzeSafely(`${cycle}\nnetwork N { input(3x8x8); C0 }\n`);
    const recursive = cyclic.diagnostics.filter((d) => d.code === 'recursive-block');
    // Every call in the cycle closes it.
    assert.equal(recursive.length, 5000);
    assert.match(recursive[0].message, /Block C1 calls itself \(C1 → … → C0 → C1, a cycle through 5000 blocks\)/);
    const chain = Array.from({ length: 10_000 }, (_, i) => `block D${i} { D${i + 1} }`).join('\n');
    const straight = analyzeSafely(`${chain}\nblock D10000 { relu }\n`);
    assert.deepEqual(codes(straight), []);
  });

  it('a short cycle is still described in full', () => {
    const analysis = analyzeSafely('block A { B }\nblock B { C }\nblock C { A }\nblock S { S }\n');
    assert.deepEqual(
      analysis.diagnostics.map((d) => d.message.replace(/; blocks cannot.*/, '')),
      ['Block B calls itself (B → C → A → B)', 'Block C calls itself (C → A → B → C)', 'Block A calls itself (A → B → C → A)', 'Block S calls itself (S → S)'],
    );
  });

  it('30,000 arguments in one call', () => {
    const analysis = analyzeSafely(network(`  relu(${Array.from({ length: 30_000 }, (_, i) => `k${i}=${i}`).join(', ')})`));
    assert.equal(analysis.diagnostics.filter((d) => d.code === 'unknown-arg').length, 30_000);
  });

  it('a fan-out of blocks whose leaf merges a thousand labels stops with too-large', () => {
    const leaf = `block L0 { x: identity; add(${Array(1000).fill('x').join(', ')}) }`;
    const levels = Array.from({ length: 16 }, (_, i) => `block L${i + 1} { L${i}; L${i} }`);
    const analysis = analyzeSafely([leaf, ...levels, 'network N { input(3x8x8); L16 }'].join('\n'));
    assert.ok(
      analysis.diagnostics.some((d) => d.code === 'too-large' && /steps/.test(d.message)),
      codes(analysis).join(),
    );
    assert.equal(analysis.networks[0].output, null);
  });

  it('a 40-level fan-out of empty blocks stops with too-large', () => {
    const levels = Array.from({ length: 40 }, (_, i) => `block F${i + 1} { F${i}; F${i} }`);
    const analysis = analyzeSafely(['block F0 { }', ...levels, 'network N { input(3x8x8); F40 }'].join('\n'));
    assert.ok(analysis.diagnostics.some((d) => d.code === 'too-large'));
  });

  it('nested repeats whose body fails stop after the failing pass', () => {
    const analysis = analyzeSafely(network('  repeat(10000) { repeat(10000) { conv(4, 9) } }'));
    assert.deepEqual(codes(analysis), ['nonpositive-size']);
  });

  it('a trailing comma in a tuple reports where the value is missing', () => {
    const text = network('  conv(4, 3, stride=(1,))');
    const analysis = analyzeSafely(text);
    assert.ok(analysis.diagnostics.length > 0);
    for (const d of analysis.diagnostics) assert.equal(d.range.start.line, 2, `${d.code} ${d.message} at line ${d.range.start.line}`);
  });

  it('counts lines at every LSP line break: \\r\\n, \\n and a lone \\r', () => {
    for (const eol of ['\n', '\r\n', '\r']) {
      const text = ['network N {', '  input(3x8x8)', '  conv(4, 3) -> 4x8x8', '}', ''].join(eol);
      const analysis = analyzeSafely(text);
      assert.equal(analysis.diagnostics.length, 1, JSON.stringify(eol));
      assert.deepEqual(analysis.diagnostics[0].range, { start: { line: 2, character: 16 }, end: { line: 2, character: 21 } }, JSON.stringify(eol));
    }
  });

  it('a file of thousands of syntax errors is read in bounded work, never past the stack', () => {
    // 131,072 lines of `) ( } {`: each line breaks the body it is in; error recovery used to be quadratic here.
    const analysis = analyzeSafely(network(') ( } {\n'.repeat(131_072)));
    assert.ok(analysis.diagnostics.length > 0 && analysis.diagnostics.every((d) => d.code === 'syntax'));
  });

  it('forty broken lines still leave the rest of the file read: later statements, blocks and networks', () => {
    const text = `network N {\n  input(3x8x8)\n${'  conv(3, 3, padding=1))\n  relu\n'.repeat(40)}  conv(4, 3) -> 9x9x9\n}\nnetwork M { input(3x8x8); conv(2, 3) -> 2x2x2 }\n`;
    const analysis = analyzeSafely(text);
    assert.equal(analysis.diagnostics.filter((d) => d.code === 'syntax').length, 40);
    assert.deepEqual(
      analysis.diagnostics.filter((d) => d.code === 'shape-mismatch').map((d) => d.range.start.line),
      [82, 84],
    );
    assert.deepEqual(
      analysis.networks.map((n) => n.output),
      [
        [4, 6, 6],
        [2, 6, 6],
      ],
    );
  });

  describe('1 MB files in the shapes that were slow analyse to the result their shape implies (the bench times them)', () => {
    const [long, oneLine, labels, fanOut, nested] = megabyteFiles();
    // conv(16, 3, padding=1) on 16 channels: 16·16·3·3 weights and 16 biases; batchnorm: 2C trainable, 2C running statistics.
    const conv = 16 * 16 * 9 + 16;

    it(long.name, () => {
      const analysis = analyzeSafely(long.text);
      assert.deepEqual(analysis.diagnostics, []);
      const [result] = analysis.networks;
      assert.equal(result.statements.length, 1 + 3 * long.repeats);
      assert.deepEqual([result.output, result.params], [[16, 32, 32], { trainable: long.repeats * (conv + 32), nonTrainable: long.repeats * 32 }]);
      assert.ok(long.text.split('\n').length > 50_000 && long.text.length <= 1_000_000);
    });

    it(oneLine.name, () => {
      const analysis = analyzeSafely(oneLine.text);
      assert.deepEqual(analysis.diagnostics, []);
      const [result] = analysis.networks;
      assert.deepEqual([result.statements.length, result.output, result.params.trainable], [1 + 2 * oneLine.repeats, [16, 32, 32], oneLine.repeats * conv]);
      assert.ok(!oneLine.text.includes('\n'));
    });

    it(labels.name, () => {
      const analysis = analyzeSafely(labels.text);
      assert.deepEqual(analysis.diagnostics, []);
      const [result] = analysis.networks;
      // Each add(x) adds x (the relu's output) to itself: the shape stays.
      assert.deepEqual([result.statements.length, result.output], [1 + 2 * labels.repeats, [16, 8, 8]]);
    });

    it(fanOut.name, () => {
      const analysis = analyzeSafely(fanOut.text);
      assert.deepEqual(codes(analysis), ['too-large']);
      assert.match(analysis.diagnostics[0].message, /costs more than [\d,]+ steps/);
      assert.equal(analysis.networks[0].output, null);
      assert.equal(analysis.file.comments.length, fanOut.repeats);
    });

    it(nested.name, () => {
      const analysis = analyzeSafely(nested.text);
      // Each line is a relu run 2^60 times: the shape is known, the activation count is past exact arithmetic.
      assert.deepEqual(codes(analysis), ['too-large']);
      assert.match(analysis.diagnostics[0].message, /counts past 2\^53/);
      const [result] = analysis.networks;
      assert.deepEqual([result.statements.length, result.output, result.activations], [1 + nested.repeats, [3, 8, 8], nested.repeats * 2 ** 60 * 3 * 8 * 8]);
    });
  });

  describe('1 MB networks with one syntax error in the middle give its diagnostic, keep every statement, and count up to the error (windows.ts; the bench times them)', () => {
    const [, , , , , oneLineBroken, longBroken] = megabyteFiles();
    const conv = 16 * 16 * 9 + 16;
    /** The line and character of `offset` in `text`. */
    const positionOf = (text: string, offset: number) => {
      const before = text.slice(0, offset);
      return { line: before.split('\n').length - 1, character: offset - (before.lastIndexOf('\n') + 1) };
    };
    /** The two diagnostics `conv(16, 3, padding=)` gets: the missing value (at its key) and the parser's error at the ')'. */
    const expectedDiagnostics = (text: string) => {
      const at = text.indexOf('padding=)');
      assert.equal(text.indexOf('padding=)', at + 1), -1, 'one broken statement');
      return [
        { code: 'bad-value', start: positionOf(text, at), message: 'A value is missing here.' },
        { code: 'syntax', start: positionOf(text, at + 'padding='.length), message: "Expected a value (a number, a shape such as 3x224x224, a string, a name, 'true', 'false') but found ')'." },
      ];
    };

    for (const { file, statementsPerUnit, trainablePerUnit, nonTrainablePerUnit } of [
      { file: oneLineBroken, statementsPerUnit: 2, trainablePerUnit: conv, nonTrainablePerUnit: 0 },
      // conv, then batchnorm with 2C trainable and 2C running statistics.
      { file: longBroken, statementsPerUnit: 3, trainablePerUnit: conv + 32, nonTrainablePerUnit: 32 },
    ]) {
      it(file.name, () => {
        const analysis = analyzeSafely(file.text);
        assert.deepEqual(
          analysis.diagnostics.map((d) => ({ code: d.code, start: d.range.start, message: d.message })),
          expectedDiagnostics(file.text),
        );
        const [result] = analysis.networks;
        // Every statement is kept; the broken conv fails, so the shape is unknown from there on and only the units before it count.
        assert.equal(result.statements.length, 1 + statementsPerUnit * file.repeats);
        assert.equal(result.output, null);
        assert.deepEqual(result.params, { trainable: file.brokenAt! * trainablePerUnit, nonTrainable: file.brokenAt! * nonTrainablePerUnit });
        assert.deepEqual(result.statements[1 + statementsPerUnit * (file.brokenAt! - 1)].outShape, [16, 32, 32]);
        assert.equal(result.statements[1 + statementsPerUnit * file.brokenAt!].outShape, null);
      });
    }
  });

  it('a 1 MB sum as one argument is too deep to evaluate: its diagnostic covers the whole sum, and the conv it belongs to gets a missing value', () => {
    const sum = megabyteFiles().find((file) => file.name.startsWith('one sum'))!;
    const analysis = analyzeSafely(sum.text);
    const first = sum.text.indexOf('1+');
    const last = sum.text.lastIndexOf('1, 3)');
    assert.deepEqual(
      analysis.diagnostics.map((d) => [d.code, d.range.start.character, d.range.end.character]),
      [
        ['syntax', first, last + 1],
        ['bad-value', first, last + 1],
      ],
    );
    assert.match(analysis.diagnostics[0].message, /nests deeper than 256 levels/);
    // Both statements are kept: input, and the conv whose channel count is missing.
    assert.equal(analysis.networks[0].statements.length, 2);
  });

  it('turns a fault inside the analysis into an internal-error diagnostic instead of throwing', () => {
    const analysis = analyze(undefined as unknown as string);
    assert.deepEqual(codes(analysis), ['internal-error']);
    assert.match(analysis.diagnostics[0].message, /CNN Lens failed while analysing this file \(TypeError: analyze\(\) needs text, not undefined\)/);
    assert.equal(analysis.diagnostics[0].severity, 'error');
  });
});
