/** The token stream as parallel lists (tokenList.ts), which the lexer fills and the repairs copy and extend. */
import { strict as assert } from 'node:assert';
import { analyze, parse, type Ast } from '../../src/core';
import { scan } from '../../src/core/syntax/scan';
import { TokenList, tokensOf } from '../../src/core/syntax/tokenList';
import * as t from '../../src/core/syntax/tokens';

describe('token lists', () => {
  it('keeps every token when it grows past its room, and gives chevrotain tokens with their offsets', () => {
    const list = new TokenList(16);
    for (let i = 0; i < 100; i++) list.push(i % 2 ? t.Comma : t.NumberLiteral, i % 2 ? ',' : String(i), 2 * i, 2 * i);
    assert.equal(list.length, 100);
    const tokens = tokensOf(list, 98);
    assert.deepEqual(
      tokens.map((token) => [token.tokenType.name, token.image, token.startOffset, token.endOffset, token.tokenTypeIdx]),
      [
        ['NumberLiteral', '98', 196, 196, t.NumberLiteral.tokenTypeIdx],
        ['Comma', ',', 198, 198, t.Comma.tokenTypeIdx],
      ],
    );
    list.pop();
    assert.equal(list.length, 99);
    assert.equal(list.types[99], undefined, 'nothing is read past the end after a pop');
    const copy = list.copy(10, 13);
    assert.deepEqual([copy.length, copy.images.slice(0, copy.length), [...copy.starts.subarray(0, 3)]], [3, ['10', ',', '12'], [20, 22, 24]]);
  });

  it('lexes a statement into its types, texts and offsets (a line break, a shape, an arrow)', () => {
    const { tokens } = scan('conv(8, 3)\n-> 8x6x6');
    assert.deepEqual(
      tokensOf(tokens).map((token) => `${token.tokenType.name}@${token.startOffset}-${token.endOffset}:${token.image}`),
      ['Identifier@0-3:conv', 'LParen@4-4:(', 'NumberLiteral@5-5:8', 'Comma@6-6:,', 'NumberLiteral@8-8:3', 'RParen@9-9:)', 'Newline@10-10:\n', 'Arrow@11-12:->', 'ShapeLiteral@14-18:8x6x6'],
    );
  });

  it('reads a file that ends 40 bodies deep as if each were closed, the repair adding 40 braces to its copy of the list', () => {
    const text = 'network N {\n  input(3x8x8)\n' + '  repeat(1) {\n'.repeat(40) + '  relu';
    const { file, diagnostics } = parse(text);
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.message.slice(0, 14), d.range.start.line]),
      [['syntax', "Missing '}': t", 0]],
    );
    // The network holds its input and a repeat; each repeat holds the next one, the innermost relu.
    let body = file.networks[0].body;
    for (let depth = 0; depth < 40; depth++) {
      const repeat = body[body.length - 1].body as Ast.RepeatNode;
      assert.equal(repeat.kind, 'repeat', `a repeat at depth ${depth}`);
      body = repeat.body;
    }
    assert.deepEqual(
      body.map((statement) => statement.body.kind === 'call' && statement.body.name),
      ['relu'],
    );
    assert.deepEqual(analyze(text).networks[0].output, [3, 8, 8]);
  });
});
