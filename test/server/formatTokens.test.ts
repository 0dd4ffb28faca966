/**
 * Formatting changes no token (issue 16): after formatting, the lexer reads
 * the same tokens and the same errors, so a BOM, U+3000 or U+2028 that the
 * lexer reports stays reported, in every line-ending style.
 */
import { strict as assert } from 'node:assert';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../src/core';
import { referenceLexer } from '../../src/core/syntax/referenceLexer';
import { formatText } from '../../src/server/formatting';
import { dataDir, examplesDir, readText } from '../helpers';

/** The lexer's reading of a text: each token (newlines as one kind, whatever their style) and each error's characters. */
function reading(text: string): string[] {
  const lexed = referenceLexer().tokenize(text);
  const tokens = lexed.tokens.map((t) => (t.tokenType.name === 'Newline' ? 'Newline' : `${t.tokenType.name} ${t.image}`));
  const comments = (lexed.groups.comments ?? []).map((t) => `Comment ${t.image.replace(/[ \t]+$/gm, '')}`);
  const errors = lexed.errors.map((e) => `Error ${JSON.stringify(text.substr(e.offset, e.length))}`);
  return [...tokens, ...comments, ...errors];
}

const options = { tabSize: 2, insertSpaces: true };

describe('formatting keeps every token', () => {
  const texts: [string, string][] = [
    ...readdirSync(examplesDir)
      .filter((f) => f.endsWith('.cnn'))
      .map((f): [string, string] => [f, readText(join(examplesDir, f))]),
    ...readdirSync(join(dataDir, 'diagnostics'))
      .filter((f) => f.endsWith('.cnn'))
      .map((f): [string, string] => [f, readText(join(dataDir, 'diagnostics', f))]),
    ['a BOM, U+3000 and U+2028', '\ufeffnetwork N {\n  input(3x8x8)\u3000\n\u3000 relu\n  relu \u2028\n\u2028conv(4, 3)\n}\n'],
  ];
  for (const [name, text] of texts) {
    for (const eol of ['\n', '\r\n', '\r']) {
      it(`${name} with ${JSON.stringify(eol)} line breaks`, () => {
        const input = text.replace(/\r\n|\r|\n/g, eol);
        const formatted = formatText(input, options);
        assert.deepEqual(reading(formatted), reading(input));
        assert.equal(formatText(formatted, options), formatted, 'formatting is idempotent');
        const codes = (t: string) => analyze(t).diagnostics.map((d) => `${d.code}@${d.range.start.line}`);
        assert.deepEqual(codes(formatted), codes(input));
      });
    }
  }

  it('keeps the BOM and the Unicode spaces the lexer reports', () => {
    const text = '\ufeffnetwork N {\n  input(3x8x8)\u3000\n  relu\u2028\n}\n';
    const formatted = formatText(text, options);
    assert.ok(formatted.startsWith('\ufeff'));
    assert.ok(formatted.includes('\u3000') && formatted.includes('\u2028'));
    assert.deepEqual(
      analyze(formatted).diagnostics.map((d) => d.code),
      ['syntax', 'syntax'],
    );
  });
});
