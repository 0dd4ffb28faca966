/** Offsets to LSP positions, which every range in the core is built from. */
import { strict as assert } from 'node:assert';
import { parse } from '../../src/core';
import { LineIndex } from '../../src/core/syntax/lineIndex';

describe('line index', () => {
  it('maps offsets to 0-based lines and characters, in any order of lookup', () => {
    const text = 'ab\ncde\n\nf';
    const index = new LineIndex(text);
    // Every offset, forwards then backwards, against a count made by walking the text.
    const expected = [...text].map((_, offset) => {
      const before = text.slice(0, offset);
      return { line: before.split('\n').length - 1, character: offset - (before.lastIndexOf('\n') + 1) };
    });
    for (let offset = 0; offset < text.length; offset++) assert.deepEqual(index.position(offset), expected[offset], `offset ${offset}`);
    for (let offset = text.length - 1; offset >= 0; offset--) assert.deepEqual(index.position(offset), expected[offset], `offset ${offset}`);
    assert.deepEqual(index.position(text.length), { line: 3, character: 1 }, 'the end of the text');
  });

  it('gives a block comment over several lines its end on the last line, after the */', () => {
    const text = 'network N {\n  /* one\n  two */ input(3x8x8)\n}';
    const [comment] = parse(text).file.comments;
    assert.deepEqual(comment.range, { start: { line: 1, character: 2 }, end: { line: 2, character: 8 } });
  });

  it('places a statement after a CRLF line break on its own line', () => {
    const text = 'network N {\r\n  input(3x8x8)\r\n  relu\r\n}';
    const statements = parse(text).file.networks[0].body;
    assert.deepEqual(
      statements.map((s) => s.range.start),
      [
        { line: 1, character: 2 },
        { line: 2, character: 2 },
      ],
    );
  });
});
