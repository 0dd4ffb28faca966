/** The grammar for people is generated from the parser; this fails when the committed files are stale. */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { allOpNames } from '../../src/core/ops/registry';
import { grammarFiles, textMateGrammarPath } from '../../src/tools/grammar';

describe('generated grammars (grammars/, the TextMate op list)', () => {
  for (const [path, content] of Object.entries(grammarFiles())) {
    it(`${path} is up to date (run npm run grammar if not)`, () => {
      assert.equal(readFileSync(path, 'utf8'), content);
    });
  }

  it('names every rule of the language', () => {
    const ebnf = grammarFiles()['grammars/cnn.ebnf'];
    for (const rule of ['network ::=', 'blockDefinition ::=', 'repeatStatement ::=', 'residualStatement ::=', 'concatStatement ::=', 'argumentList ::=', 'shapeSpec ::=']) {
      assert.ok(ebnf.includes(rule), rule);
    }
  });

  it('colours every op of the registry, and only whole op names, as an op in the TextMate grammar', () => {
    const grammar = JSON.parse(readFileSync(textMateGrammarPath, 'utf8')) as { repository: { op: { match: string } } };
    const op = new RegExp(`^(?:${grammar.repository.op.match})$`);
    assert.deepEqual(
      allOpNames().filter((name) => !op.test(name)),
      [],
    );
    // The ops that the hand-kept list once lacked, and words that only start like an op.
    for (const name of ['depthwise_conv2d', 'separable_conv3d', 'instancenorm', 'swish', 'softplus']) assert.ok(op.test(name), name);
    for (const word of ['convolution', 'relu7', 'Conv', 'my_relu']) assert.ok(!op.test(word), word);
  });
});
