/** The lexical and structural rules of LANGUAGE.md, each on the smallest input that shows it. */
import { strict as assert } from 'node:assert';
import { analyze, parse } from '../../src/core';

function shapesOf(text: string): (number[] | null)[] {
  const analysis = analyze(text);
  assert.deepEqual(
    analysis.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message),
    [],
  );
  return analysis.networks[0].statements.map((s) => s.outShape);
}

describe('parser and lexical rules', () => {
  it('ends statements at newlines, semicolons and the closing brace', () => {
    assert.deepEqual(shapesOf('network N { input(3x8x8); conv(4, 3); relu }'), [
      [3, 8, 8],
      [4, 6, 6],
      [4, 6, 6],
    ]);
  });

  it('ignores newlines inside parentheses', () => {
    assert.deepEqual(shapesOf('network N {\n input(3x8x8)\n conv(4,\n   3,\n   padding=1)\n}'), [
      [3, 8, 8],
      [4, 8, 8],
    ]);
  });

  it('accepts shortcut on the line after the residual body', () => {
    const text = 'network N {\n input(8x8x8)\n residual {\n  conv(16, 3, stride=2, padding=1)\n }\n shortcut { conv(16, 1, stride=2) }\n}';
    assert.deepEqual(shapesOf(text)[1], [16, 4, 4]);
  });

  it("checks an assertion written after a compound statement's closing brace", () => {
    const analysis = analyze('network N {\n input(8x8x8)\n repeat(2) { conv(8, 3, padding=1) } -> 8x8x9\n}');
    assert.equal(analysis.diagnostics[0].code, 'shape-mismatch');
  });

  it('skips # and /* */ comments, and treats // as floor division', () => {
    assert.deepEqual(shapesOf('# header\nnetwork N { /* a\nblock\ncomment */ input(3x8x8)\n conv(16 // 3, 1) # five\n}')[1], [5, 8, 8]);
  });

  it('reads numbers, strings in either quotes, booleans, tuples and shape literals', () => {
    assert.deepEqual(shapesOf("network N { input(3x9x9); conv(2, (1, 3), padding='same', bias=false); dropout(5e-1) }")[1], [2, 9, 9]);
  });

  it('gives * / // precedence over + and -, left to right, with unary minus and parentheses', () => {
    // Each case is the output channels of a conv, so the number is the value of the expression.
    const cases: [string, number][] = [
      ['2 + 3 * 4', 14],
      ['20 - 6 - 4', 10],
      ['2 * 3 + 4 * 5', 26],
      ['100 // 7 // 2', 7],
      ['(2 + 3) * 4', 20],
      ['10 - -2 * 3', 16],
      ['-2 * -3 + 1', 7],
      ['2 * (3 + 4) // 3 - 1', 3],
    ];
    for (const [expression, channels] of cases) assert.deepEqual(shapesOf(`network N { input(3x8x8); conv(${expression}, 1) }`)[1], [channels, 8, 8], expression);
  });

  it('pairs each key with the value after it, and keeps a key whose value is missing', () => {
    const argsOf = (text: string) => {
      const statement = parse(`network N { input(3x8x8); ${text} }`).file.networks[0].body[1];
      assert.equal(statement.body.kind, 'call');
      return statement.body.kind === 'call' ? statement.body.args.map((a) => [a.key ?? null, a.value.kind === 'number' ? a.value.value : a.value.kind]) : [];
    };
    assert.deepEqual(argsOf('conv(4, kernel=3, padding=(1 + 1) * 2)'), [
      [null, 4],
      ['kernel', 3],
      ['padding', 'binary'],
    ]);
    assert.deepEqual(argsOf('conv(out=, 3)'), [
      ['out', 'missing'],
      [null, 3],
    ]);
    assert.deepEqual(argsOf('conv(4, stride=)'), [
      [null, 4],
      ['stride', 'missing'],
    ]);
  });

  it('accepts ? in assertions', () => {
    assert.deepEqual(shapesOf('network N { input(3x9x9); conv(2, 3) -> 2x?x? }')[1], [2, 7, 7]);
  });

  it('keeps keywords apart from longer identifiers', () => {
    const parsed = parse('block networks(inputs) { conv(inputs, 1) }');
    assert.deepEqual(parsed.diagnostics, []);
    assert.equal(parsed.file.blocks[0].name, 'networks');
  });

  it('gives 0-based LSP ranges', () => {
    const analysis = analyze('network N {\n  input(3x8x8)\n  covn(1, 1)\n}');
    assert.deepEqual(analysis.diagnostics[0].range, { start: { line: 2, character: 2 }, end: { line: 2, character: 6 } });
  });

  it('recovers after a syntax error and still analyses the next network', () => {
    const analysis = analyze('network A { input(3x8x8)\n conv(4, 3 relu\n}\nnetwork B { input(1x4x4)\n flatten -> 15 }');
    assert.ok(analysis.diagnostics.some((d) => d.code === 'syntax'));
    assert.ok(analysis.diagnostics.some((d) => d.code === 'shape-mismatch' && d.message.includes('gives 16')));
  });

  it('reports an unclosed block comment and an unterminated string without losing earlier networks', () => {
    const analysis = analyze('network A { input(3x8x8); conv(4, 3, padding="same) }\nnetwork B { input(1x4x4) }\n/* never closed');
    assert.ok(analysis.diagnostics.filter((d) => d.code === 'syntax').length >= 2);
    assert.equal(analysis.networks[0].name, 'A');
  });

  it('binds block parameters, defaults that use earlier parameters, and keyword arguments', () => {
    const text = 'block B(c, mid = c // 4, s = 1) { conv(mid, 1); conv(c, 3, stride=s, padding=1) }\nnetwork N { input(64x8x8); B(128, s=2) }';
    const analysis = analyze(text);
    assert.deepEqual(analysis.networks[0].statements[1].outShape, [128, 4, 4]);
    assert.equal(analysis.networks[0].params.trainable, 64 * 32 + 32 + 32 * 9 * 128 + 128);
  });

  it('scopes labels to their body and rebinds them on each repeat pass', () => {
    const text = 'network N { input(8x8x8)\n repeat(3) { x: identity; conv(8, 3, padding=1); add(x) }\n}';
    assert.deepEqual(shapesOf(text)[1], [8, 8, 8]);
    const outside = analyze('network N { input(8x8x8)\n residual { x: identity; conv(8, 1) }\n add(x)\n}');
    assert.equal(outside.diagnostics[0].code, 'undefined-label');
  });

  it('orders concat channels as written and broadcasts multiply', () => {
    const text = 'network N { input(8x8x8)\n a: conv(4, 1)\n b: conv(2, 1)\n concat(a)\n g: global_avgpool\n reshape(6x1x1)\n multiply(b) }';
    const analysis = analyze(text);
    const statements = analysis.networks[0].statements;
    assert.deepEqual(statements[3].outShape, [6, 8, 8]);
    assert.equal(analysis.diagnostics[0]?.code, 'merge-mismatch'); // 6x1x1 against 2x8x8 cannot broadcast
  });
});
