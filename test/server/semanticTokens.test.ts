/**
 * Semantic tokens (issue 16: a megabyte file's tokens were a second pass over
 * the names index and a sort): the one-walk encoding gives, on every example,
 * every golden file and thousands of seeded random edits of them (broken ones
 * included), exactly the tokens that the names index (names.ts, which
 * definition, references and rename read) implies, sorted and encoded as
 * LSP's SemanticTokensBuilder does. A small file is checked token by token.
 */
import { strict as assert } from 'node:assert';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { findOp, parse, type Ast } from '../../src/core';
import { indexNames } from '../../src/server/names';
import { semanticTokenData, semanticTokensLegend } from '../../src/server/semanticTokens';
import { forEachStatement } from '../../src/server/syntax';
import { dataDir, examplesDir, readText } from '../helpers';
import { mulberry32 } from '../../webview/src/mulberry32';

type Range = Ast.Statement['range'];

/** The tokens the names index implies: call names and keyword arguments, then every symbol's definition and references, sorted and encoded. */
function tokensFromNameIndex(file: Ast.SourceFile): number[] {
  const type = (name: string) => semanticTokensLegend.tokenTypes.indexOf(name);
  const tokens: { range: Range; type: number; modifiers: number }[] = [];
  const blockNames = new Set(file.blocks.map((b) => b.name));
  forEachStatement(file, (statement) => {
    const body = statement.body;
    if (body.kind !== 'call') return;
    if (findOp(body.name)) tokens.push({ range: body.nameRange, type: type('function'), modifiers: 2 });
    else if (blockNames.has(body.name)) tokens.push({ range: body.nameRange, type: type('class'), modifiers: 0 });
    for (const argument of body.args) if (argument.keyRange) tokens.push({ range: argument.keyRange, type: type('property'), modifiers: 0 });
  });
  for (const symbol of indexNames(file)) {
    const kind = type(symbol.kind === 'block' ? 'class' : symbol.kind === 'parameter' ? 'parameter' : 'variable');
    if (symbol.definition) tokens.push({ range: symbol.definition, type: kind, modifiers: 1 });
    if (symbol.kind !== 'block') for (const range of symbol.references) tokens.push({ range, type: kind, modifiers: 0 });
  }
  tokens.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  const data: number[] = [];
  let last: Range | undefined;
  for (const { range, type: tokenType, modifiers } of tokens) {
    if (range.start.line !== range.end.line) continue;
    if (last && last.start.line === range.start.line && range.start.character < last.end.character) continue;
    const line = last ? range.start.line - last.start.line : range.start.line;
    data.push(line, last && line === 0 ? range.start.character - last.start.character : range.start.character, range.end.character - range.start.character, tokenType, modifiers);
    last = range;
  }
  return data;
}

/** One random edit: a character inserted, replaced or removed, a line duplicated or dropped, or a name swapped for another of the file's. */
function edit(text: string, next: () => number): string {
  const pick = <T>(items: T[]): T => items[Math.floor(next() * items.length)];
  const at = Math.floor(next() * (text.length + 1));
  const lines = text.split('\n');
  const line = Math.floor(next() * lines.length);
  switch (Math.floor(next() * 7)) {
    case 0:
      return text.slice(0, at) + pick(['(', ')', '{', '}', ',', ';', ':', '=', '\n', ' x: ', 'add(x)', 'c', '+']) + text.slice(at);
    case 1:
      return text.slice(0, at) + text.slice(at + 1 + Math.floor(next() * 8));
    case 2:
      lines.splice(line, 0, lines[line]);
      return lines.join('\n');
    case 3:
      lines.splice(line, 1);
      return lines.join('\n');
    case 4: {
      const names = [...text.matchAll(/[A-Za-z_]\w*/g)];
      if (!names.length) return text;
      const found = pick(names);
      return text.slice(0, found.index) + pick(names)[0] + text.slice(found.index! + found[0].length);
    }
    case 5:
      // Declarations with repeated names: a block defined twice, a parameter repeated, a default naming the one before.
      lines.splice(line, 0, pick(['block B(c) { relu }', 'block D(a, a = a, b = a + 1) { conv(a, b); D(b, a=2) }', 'network M { input(3x8x8); y: relu; add(y, y) }']));
      return lines.join('\n');
    default:
      return text.slice(0, at) + pick([' x: relu; add(x, y); ', ' repeat(c) { conv(c + 1, k) } ', ' B(4, stride=2) ', ' upsample(like=x) ', ' -> 8x?x? ']) + text.slice(at);
  }
}

describe('semantic tokens', () => {
  const files = [examplesDir, join(dataDir, 'diagnostics')].flatMap((dir) =>
    readdirSync(dir)
      .filter((name) => name.endsWith('.cnn'))
      .map((name) => readText(join(dir, name))),
  );

  it('are those the names index implies, on every example and golden file', () => {
    assert.ok(files.length > 30, `${files.length} files`);
    for (const text of files) {
      const file = parse(text).file;
      assert.deepEqual([...semanticTokenData(file)], tokensFromNameIndex(file));
    }
  });

  it('are those the names index implies over 1,000 seeded random edits, broken files included', () => {
    const next = mulberry32(16_016);
    let broken = 0;
    for (let round = 0; round < 1000; round++) {
      let text = files[Math.floor(next() * files.length)];
      for (let edits = 1 + Math.floor(next() * 4); edits > 0; edits--) text = edit(text, next);
      const parsed = parse(text);
      if (parsed.diagnostics.length) broken++;
      assert.deepEqual([...semanticTokenData(parsed.file)], tokensFromNameIndex(parsed.file), `round ${round}:\n${text}`);
    }
    // Both kinds were exercised: files that parse and files with syntax errors.
    assert.ok(broken > 100 && broken < 900, `${broken} broken files of 1,000`);
  });

  it('name each kind of symbol where it stands', () => {
    const text = ['block B(c, k = c) {', '  conv(c, k)', '}', 'network N {', '  input(3x8x8)', '  x: B(4, k=3)', '  add(x)', '  repeat(2) { relu }', '}'].join('\n');
    const data = semanticTokenData(parse(text).file);
    // Decoded back to absolute positions: [line, character, length, type, modifiers].
    const decoded: [number, number, number, string, string[]][] = [];
    let line = 0;
    let character = 0;
    for (let i = 0; i < data.length; i += 5) {
      character = data[i] === 0 ? character + data[i + 1] : data[i + 1];
      line += data[i];
      const modifiers = semanticTokensLegend.tokenModifiers.filter((_, bit) => data[i + 4] & (1 << bit));
      decoded.push([line, character, data[i + 2], semanticTokensLegend.tokenTypes[data[i + 3]], modifiers]);
    }
    assert.deepEqual(decoded, [
      [0, 6, 1, 'class', ['declaration']],
      [0, 8, 1, 'parameter', ['declaration']],
      [0, 11, 1, 'parameter', ['declaration']],
      [0, 15, 1, 'parameter', []],
      [1, 2, 4, 'function', ['defaultLibrary']],
      [1, 7, 1, 'parameter', []],
      [1, 10, 1, 'parameter', []],
      [5, 2, 1, 'variable', ['declaration']],
      [5, 5, 1, 'class', []],
      [5, 10, 1, 'property', []],
      [6, 2, 3, 'function', ['defaultLibrary']],
      [6, 6, 1, 'variable', []],
      [7, 14, 4, 'function', ['defaultLibrary']],
    ]);
  });
});
