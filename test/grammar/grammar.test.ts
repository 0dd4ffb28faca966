/** The grammar for people is generated from the parser; this fails when the committed files are stale. */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { grammarFiles } from '../../src/tools/grammar';

describe('grammars/', () => {
  for (const [path, content] of Object.entries(grammarFiles())) {
    it(`${path} matches the parser (run npm run grammar if not)`, () => {
      assert.equal(readFileSync(path, 'utf8'), content);
    });
  }

  it('names every rule of the language', () => {
    const ebnf = grammarFiles()['grammars/cnn.ebnf'];
    for (const rule of ['network ::=', 'blockDefinition ::=', 'repeatStatement ::=', 'residualStatement ::=', 'concatStatement ::=', 'argumentList ::=', 'shapeSpec ::=']) {
      assert.ok(ebnf.includes(rule), rule);
    }
  });
});
