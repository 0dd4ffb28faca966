/**
 * The fast syntax path (issue 16: a megabyte file must analyse in under 2 s)
 * against chevrotain, which stays the definition of the language: the hand
 * lexer (scan.ts) gives chevrotain's lexer's tokens, comments and errors, and
 * `parse`, which reads valid files with validParser.ts, gives exactly what
 * chevrotain's parse gives (AST, ranges, diagnostics and their order) on
 * every example, every golden file, seeded edits of them (valid and broken),
 * and the inputs where buildAst.ts's order matters.
 */
import { strict as assert } from 'node:assert';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { IToken } from 'chevrotain';
import { parse, parseWithChevrotain, readsDirectly } from '../../src/core/syntax/parse';
import { errorParser } from '../../src/core/syntax/parser';
import { defaultWindowSizes, type WindowSizes } from '../../src/core/syntax/windows';
import { megabyteFiles } from '../megabyteFiles';
import { scan } from '../../src/core/syntax/scan';
import { tokensOf } from '../../src/core/syntax/tokenList';
import { referenceLexer } from '../../src/core/syntax/referenceLexer';
import { mulberry32 } from '../../webview/src/mulberry32';
import { dataDir, examplesDir, readText } from '../helpers';

const corpus = [
  ...readdirSync(examplesDir)
    .filter((name) => name.endsWith('.cnn'))
    .map((name) => join(examplesDir, name)),
  ...readdirSync(join(dataDir, 'diagnostics'))
    .filter((name) => name.endsWith('.cnn'))
    .map((name) => join(dataDir, 'diagnostics', name)),
].map((path) => ({ path, text: readText(path) }));

/** A token as the parser sees it: its type, where it starts, its text and chevrotain's type index. */
const describe1 = (token: IToken) => `${token.tokenType.name}@${token.startOffset}:${JSON.stringify(token.image)}#${token.tokenTypeIdx}`;

function lexedByBoth(text: string): { chevrotain: string[]; scanned: string[] } {
  const lexed = referenceLexer().tokenize(text);
  const scanned = scan(text);
  const errors = (list: { offset: number; length: number }[]) => list.map((error) => `error@${error.offset}+${error.length}`);
  return {
    chevrotain: [...lexed.tokens.map(describe1), '|', ...(lexed.groups.comments ?? []).map(describe1), '|', ...errors(lexed.errors)],
    scanned: [...tokensOf(scanned.tokens).map(describe1), '|', ...scanned.comments.map(describe1), '|', ...errors(scanned.errors)],
  };
}

/** Random edits of real files: pieces of the language inserted, characters deleted, text copied from elsewhere. */
function edited(text: string, next: () => number): string {
  const pieces = [
    '(',
    ')',
    '{',
    '}',
    ',',
    '=',
    '-',
    '+',
    '*',
    '//',
    '/',
    ':',
    ';',
    '\n',
    '->',
    'x',
    '3',
    '2x4',
    '?',
    'relu',
    'f(1)',
    '(1, 2)',
    '-(2)',
    'repeat(2) {',
    'residual {',
    'shortcut',
    'concat',
    'branch {',
    'true',
    '"s"',
    ' ',
    'block B(c=1) {',
    'network N {',
    '\r\n',
    '\r',
    '#c\n',
    '/* c */',
  ];
  for (let edits = 1 + Math.floor(next() * 3); edits > 0; edits--) {
    const at = Math.floor(next() * text.length);
    const kind = next();
    if (kind < 0.4) text = text.slice(0, at) + pieces[Math.floor(next() * pieces.length)] + text.slice(at);
    else if (kind < 0.7) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(next() * 5));
    else {
      const from = Math.floor(next() * text.length);
      text = text.slice(0, at) + text.slice(from, from + 30) + text.slice(at);
    }
  }
  return text;
}

/**
 * Asserts that `parse` gives chevrotain's result, and that it reads the text
 * without chevrotain exactly when chevrotain finds no error in it (a fast path
 * that gave up too often would be right but slow). Returns whether it did.
 */
function assertSameParse(text: string, what: string): boolean {
  const expected = parseWithChevrotain(text);
  // Typo repairs report a syntax diagnostic and hand the parser valid tokens, so the parser's own errors are what decide.
  const parserErrors = errorParser()!.errors.length;
  assert.equal(JSON.stringify(parse(text)), JSON.stringify(expected), what);
  const direct = readsDirectly(text);
  assert.equal(direct, parserErrors === 0, `${what}: read directly ${direct}, chevrotain's errors ${parserErrors}`);
  return direct;
}

describe('fast syntax path (issue 16)', function () {
  this.timeout(120_000);

  describe("the hand lexer gives chevrotain's tokens, comments and errors", () => {
    for (const { path, text } of corpus) {
      it(path.slice(path.lastIndexOf('/') + 1), () => {
        const { chevrotain, scanned } = lexedByBoth(text);
        assert.deepEqual(scanned, chevrotain);
      });
    }

    it('on 20,000 random strings of tricky characters', () => {
      const alphabet = [
        'a',
        'x',
        'X',
        '_',
        'e',
        'E',
        '1',
        '0',
        '9',
        '?',
        '.',
        '+',
        '-',
        '>',
        '*',
        '/',
        '#',
        '"',
        "'",
        '\r',
        '\n',
        ' ',
        '\t',
        '\u00a0',
        '\ufeff',
        '\u3000',
        '\u2028',
        'é',
        '@',
        '(',
        ')',
        '{',
        '}',
        ':',
        ';',
        ',',
        '=',
        'network',
        'block',
        'input',
        'true',
        'falsey',
        '3x4',
        '\\',
        '\u0000',
        '\ud83d\ude00',
      ];
      const next = mulberry32(16);
      for (let n = 0; n < 20_000; n++) {
        let text = '';
        for (let length = 1 + Math.floor(next() * 20); length > 0; length--) text += alphabet[Math.floor(next() * alphabet.length)];
        const { chevrotain, scanned } = lexedByBoth(text);
        assert.deepEqual(scanned, chevrotain, JSON.stringify(text));
      }
    });
  });

  describe("parse gives chevrotain's result", () => {
    it('on every example and golden file', () => {
      for (const { path, text } of corpus) assertSameParse(text, path);
    });

    it('on 1,500 seeded edits of them, valid and broken', () => {
      const next = mulberry32(1616);
      let valid = 0;
      for (let n = 0; n < 1500; n++) {
        const text = edited(corpus[Math.floor(next() * corpus.length)].text, next);
        if (assertSameParse(text, `edit ${n}: ${JSON.stringify(text)}`)) valid++;
      }
      // Both paths are exercised: a good share of the edits still parse.
      assert.ok(valid > 300 && valid < 1200, `${valid} of 1,500 edits parse`);
    });

    it('on expressions nested too deep inside calls, groups, tuples and defaults (the order of their diagnostics)', () => {
      const deep = (terms: number) => Array(terms).fill('1').join('+');
      const texts = [
        `network N {\n input(3x8x8)\n conv((${deep(300)}) + f(${deep(300)}), g(x=(${deep(280)}), y=h(${deep(290)})), (${deep(260)}, -(${deep(270)})))\n}\n`,
        `block B(a = ${deep(300)}, b = (${deep(300)})) { conv(${deep(299)}, -3) }\nnetwork N { input(3x8x8); B(1) }`,
        `network N { input(3x8x8); repeat(${deep(400)}) { relu } -> 3x?x8 ; x: conv(-(-2), 3*4//2-1/2) }`,
      ];
      for (const text of texts) {
        assertSameParse(text, text.slice(0, 80));
        assert.ok(parse(text).diagnostics.some((d) => /nests deeper than 256 levels/.test(d.message)));
      }
      // Five too-deep expressions, each reported once: the call's argument before the group it follows in the text.
      const first = parse(texts[0]).diagnostics;
      assert.equal(first.length, 5);
      assert.ok(first[0].range.start.character > first[1].range.start.character);
    });

    it('on 120 seeded expressions of every operator, sign, group and tuple around 256 levels deep (the depth counted as they are read)', () => {
      const next = mulberry32(2561);
      const pick = <T>(items: T[]): T => items[Math.floor(next() * items.length)];
      const atom = () => pick(['1', 'c', '-2', 'f(1)', '-c', '2x3', 'true', '(1)', 'g(c, 2 * c)']);
      // An expression about `depth` levels deep: a run of operators whose first operand is deep, a sign, a group or a tuple around one.
      const expression = (depth: number): string => {
        if (depth <= 1) return atom();
        const roll = next();
        if (roll < 0.1) return `(${expression(depth)})`;
        if (roll < 0.2) return `-(${expression(depth - 1)})`;
        if (roll < 0.3) return `(${pick([`${expression(depth - 1)}, ${atom()}`, `${atom()}, ${expression(depth - 1)}`])})`;
        const run = 1 + Math.floor(next() * Math.min(depth - 1, 200));
        const rest = Array.from({ length: run }, () => ` ${pick(['+', '-', '*', '/', '//'])} ${next() < 0.9 ? atom() : `(${expression(3)})`}`).join('');
        return expression(depth - run) + rest;
      };
      let tooDeep = 0;
      let kept = 0;
      for (let n = 0; n < 120; n++) {
        const value = expression(300 + Math.floor(next() * 600));
        const text = pick([`network N { input(3x8x8); conv(${value}, 3) }`, `block B(c, k = ${value}) { repeat(${value}) { relu } }\nnetwork N { input(3x8x8); B(1) }`]);
        assertSameParse(text, `expression ${n}: ${text.slice(0, 120)}`);
        if (parse(text).diagnostics.some((d) => /nests deeper than 256 levels/.test(d.message))) tooDeep++;
        else kept++;
      }
      // Both sides of the limit were met.
      assert.ok(tooDeep > 15 && kept > 15, `${tooDeep} too deep, ${kept} kept`);
    });

    it('on files whose error comes after valid declarations (chevrotain then reads from the declaration with the error on)', () => {
      const blocks = Array.from({ length: 40 }, (_, i) => `block B${i}(c = ${'1+'.repeat(300)}1) { conv(c, 3, padding=1); relu }`).join('\n');
      const texts = [
        `${blocks}\nnetwork N { input(3x8x8); B0 :: relu; B1 }\n`,
        `${blocks}\nnetwork N {\n  input(3x8x8)\n${') ( } {\n'.repeat(2000)}}\nblock Late { relu }\n`,
        `${blocks}\nblock Broken( { relu }\nnetwork N { input(3x8x8); B0 }\n`,
      ];
      for (const text of texts) assertSameParse(text, text.slice(-80));
      // The problems of the declarations read directly (each default nests too deep) come after chevrotain's errors, as in its own reading.
      const diagnostics = parse(texts[0]).diagnostics;
      assert.deepEqual(
        diagnostics.map((d) => (/nests deeper/.test(d.message) ? 'deep' : d.code)),
        ['syntax', ...Array(40).fill('deep')],
      );
    });

    describe('with a syntax error inside a long declaration read in windows of a few tokens (windows.ts)', () => {
      /** Statements of every kind, simple and compound, for long bodies. */
      const statements = [
        'conv(4, 3, padding=1)',
        'relu',
        'a: batchnorm',
        'add(a)',
        'conv(4,\n  3, padding=1)',
        'repeat(2) { relu; conv(4, 1) }',
        'residual { conv(4, 3, padding=1) } shortcut { identity }',
        'residual {\n relu\n }\n shortcut { relu }',
        'concat { branch { relu } branch { conv(2, 1) } }',
        'maxpool(1) -> 4x?x?',
        'B(4)',
        'dropout(0.5) # a comment',
        '/* a comment */ relu',
      ];
      /** A long declaration: its statements on one line (separated by ';'), on lines, or both; a block or a network, with other declarations around it. */
      const longDeclaration = (next: () => number): string => Object.values(longDeclarationParts(next)).join('');
      function longDeclarationParts(next: () => number, kinds = statements): { before: string; declaration: string; after: string } {
        const count = 20 + Math.floor(next() * 40);
        const style = next();
        let body = '';
        for (let i = 0; i < count; i++) {
          const separator = style < 0.35 ? '; ' : style < 0.7 ? '\n  ' : next() < 0.5 ? '; ' : '\n  ';
          body += kinds[Math.floor(next() * kinds.length)] + separator;
        }
        const declaration = next() < 0.75 ? `network Long { input(4x8x8); ${body}}` : `block B(c = 4) { ${body}}`;
        const before = next() < 0.5 ? 'block Small { relu }\n' : '';
        const after = next() < 0.3 ? '' : next() < 0.5 ? '\nnetwork After { input(4x8x8); B(2) }\n' : '\n# the end\n';
        return { before, declaration, after };
      }
      const sizes: WindowSizes[] = [
        { declarationTokens: 0, windowTokens: 1, contextTokens: 4 },
        { declarationTokens: 20, windowTokens: 6, contextTokens: 12 },
        { declarationTokens: 0, windowTokens: 30, contextTokens: 300 },
      ];

      it("on 3,000 seeded edits of long declarations and of the corpus: chevrotain's whole reading, and windows used for many errors", () => {
        const next = mulberry32(9016);
        let windowed = 0;
        let broken = 0;
        for (let n = 0; n < 3000; n++) {
          const text = edited(n < 2000 ? longDeclaration(next) : corpus[Math.floor(next() * corpus.length)].text, next);
          const windows = sizes[n % sizes.length];
          const expected = JSON.stringify(parseWithChevrotain(text));
          const errors = errorParser()!.errors.length;
          assert.equal(JSON.stringify(parse(text, 0, windows)), expected, `edit ${n} with windows ${JSON.stringify(windows)}: ${JSON.stringify(text)}`);
          if (errors === 0) continue;
          broken++;
          if (readsDirectly(text, windows)) windowed++;
        }
        // Many of these edits unbalance braces, or end a declaration early, so that the error's recovery legitimately runs to the end: those are read whole.
        assert.ok(windowed > broken / 5, `${windowed} of ${broken} texts with a syntax error read in windows`);
      });

      it("on the 1 MB one-line network with one syntax error (the bench's), with the sizes parse uses: in a window", () => {
        for (const file of megabyteFiles().filter((candidate) => candidate.brokenUnit && !candidate.text.includes('\n'))) {
          assert.equal(JSON.stringify(parse(file.text)), JSON.stringify(parseWithChevrotain(file.text)), file.name);
          assert.ok(readsDirectly(file.text, defaultWindowSizes), file.name);
        }
      });

      it('on 600 long declarations with one or two broken statements that keep braces balanced (a keystroke): every one read in windows', () => {
        const brokenStatements = [
          'conv(4, = 3)',
          'conv(4, 3, padding=)',
          'relu ->',
          'x: : relu',
          'conv(4, 3) -> ;',
          'repeat(2) { relu ->; conv(4, 1) }',
          'residual { conv(4,, 3) }',
          'concat { branch { relu } branch { relu -> } }',
          '3',
          'add(a) -> ->',
        ];
        const next = mulberry32(1609);
        for (let n = 0; n < 600; n++) {
          // Without '#' comments, which would swallow the rest of a line and the broken statement with it.
          const { before, declaration, after } = longDeclarationParts(
            next,
            statements.filter((statement) => !statement.includes('#')),
          );
          let broken = declaration;
          for (let errors = 1 + Math.floor(next() * 2); errors > 0; errors--) {
            // Between the declaration's own statements (an error inside a nested body may end that body early, and the declaration with it).
            const depth = (at: number) => broken.slice(0, at).split('{').length - broken.slice(0, at).split('}').length;
            const separators = [...broken.matchAll(/; |\n {2}/g)].map((match) => match.index + match[0].length).filter((at) => depth(at) === 1);
            const at = separators[Math.floor(next() * separators.length)];
            broken = `${broken.slice(0, at)}${brokenStatements[Math.floor(next() * brokenStatements.length)]}; ${broken.slice(at)}`;
          }
          const text = before + broken + after;
          const windows = sizes[n % 2];
          assert.equal(JSON.stringify(parse(text, 0, windows)), JSON.stringify(parseWithChevrotain(text)), `text ${n}: ${JSON.stringify(text)}`);
          assert.ok(errorParser()!.errors.length > 0 && readsDirectly(text, windows), `text ${n} is read in windows: ${JSON.stringify(text)}`);
        }
      });
    });

    it('on every line break, compound statement and part of a file that starts at a later line', () => {
      const text = 'network N {\r input(3x8x8)\r\n conv(4,\n 3\n)\n residual { relu }\n shortcut { conv(3, 1) }\n concat { branch { relu }\n branch { relu } } concat(a, b) concat\n}';
      assertSameParse(text, 'line breaks');
      assert.equal(JSON.stringify(parse(text, 40)), JSON.stringify(parseWithChevrotain(text, 40)));
    });
  });
});
