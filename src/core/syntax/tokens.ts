/**
 * The tokens of the `.cnn` language, in the order the lexer tries them:
 * longer and more specific patterns first, keywords before identifiers
 * (with `longer_alt` so that `networks` stays an identifier).
 *
 * They are chevrotain token types, made here without chevrotain: the hand
 * lexer (scan.ts) and the direct parser (validParser.ts) read valid files
 * without loading chevrotain at all, and the preview loads chevrotain's parser
 * only when a file has a syntax error (webview/src/lazyParser.ts). The objects
 * have the fields chevrotain's `createToken` gives them; chevrotain's own
 * lexer (referenceLexer.ts) and parser (parser.ts) read them as their own.
 */
import type { IToken, TokenType } from 'chevrotain';

/** chevrotain's `Lexer.SKIPPED`: the group of tokens its lexer drops (a test compares the lexers, which fails if this differs). */
const skipped =
  'This marks a skipped Token pattern, this means each token identified by it will be consumed and then thrown into oblivion, this can be used to for example to completely ignore whitespace.';

/**
 * The next token type's number (`tokenTypeIdx`, which chevrotain's parser
 * matches tokens by). Chevrotain numbers the token types it makes itself (its
 * end of file, its recording token) from 1, so ours start far above them.
 */
let nextIndex = 1000;

/** A token type as chevrotain's `createToken` makes it, with only the options this grammar uses. */
function createToken(config: { name: string; pattern: RegExp; group?: string; longer_alt?: TokenType; line_breaks?: boolean }): TokenType {
  const type: TokenType = { name: config.name, PATTERN: config.pattern, tokenTypeIdx: nextIndex++, CATEGORIES: [], categoryMatches: [], categoryMatchesMap: {}, isParent: false };
  if (config.group !== undefined) type.GROUP = config.group;
  if (config.longer_alt !== undefined) type.LONGER_ALT = config.longer_alt;
  if (config.line_breaks !== undefined) type.LINE_BREAKS = config.line_breaks;
  return type;
}

/** A token of `type` as chevrotain's `createTokenInstance` makes it (no line and column: ranges come from a line table). */
export function tokenInstance(type: TokenType, image: string, startOffset: number, endOffset: number): IToken {
  return { image, startOffset, endOffset, startLine: NaN, endLine: NaN, startColumn: NaN, endColumn: NaN, tokenTypeIdx: type.tokenTypeIdx!, tokenType: type };
}

export const Whitespace = createToken({ name: 'Whitespace', pattern: /[ \t\f\v\u00a0\ufeff]+/, group: skipped });
export const LineComment = createToken({ name: 'LineComment', pattern: /#[^\r\n]*/, group: 'comments' });
export const BlockComment = createToken({
  name: 'BlockComment',
  // An unclosed comment runs to the end of the file (the parser reports it) rather than failing the lexer.
  pattern: /\/\*(?:[^*]|\*(?!\/))*(?:\*\/)?/,
  line_breaks: true,
  group: 'comments',
});
/** LSP's line breaks, all three of them (`\r\n`, `\n` and a lone `\r`), so a statement ends where an editor's line does. */
export const Newline = createToken({ name: 'Newline', pattern: /\r\n?|\n/, line_breaks: true });

export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*/ });

function keyword(word: string, name: string): TokenType {
  return createToken({ name, pattern: new RegExp(word), longer_alt: Identifier });
}
export const Network = keyword('network', 'Network');
export const Block = keyword('block', 'Block');
export const Input = keyword('input', 'Input');
export const Repeat = keyword('repeat', 'Repeat');
export const Residual = keyword('residual', 'Residual');
export const Shortcut = keyword('shortcut', 'Shortcut');
export const Concat = keyword('concat', 'Concat');
export const Branch = keyword('branch', 'Branch');
export const True = keyword('true', 'True');
export const False = keyword('false', 'False');

/** Whole numbers (or `?`) joined by `x` with no spaces: `3x224x224`, `64x?x?`. */
export const ShapeLiteral = createToken({ name: 'ShapeLiteral', pattern: /(?:\d+|\?)(?:x(?:\d+|\?))+(?![A-Za-z0-9_])/ });
export const NumberLiteral = createToken({ name: 'NumberLiteral', pattern: /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/ });
export const StringLiteral = createToken({ name: 'StringLiteral', pattern: /"[^"\r\n]*"|'[^'\r\n]*'/ });
/** A string with no closing quote on its line; the parser reports it instead of the lexer giving up. */
export const UnterminatedString = createToken({ name: 'UnterminatedString', pattern: /"[^"\r\n]*|'[^'\r\n]*/ });

export const Arrow = createToken({ name: 'Arrow', pattern: /->/ });
export const FloorDiv = createToken({ name: 'FloorDiv', pattern: /\/\// });
export const Slash = createToken({ name: 'Slash', pattern: /\// });
export const Star = createToken({ name: 'Star', pattern: /\*/ });
export const Plus = createToken({ name: 'Plus', pattern: /\+/ });
export const Minus = createToken({ name: 'Minus', pattern: /-/ });
export const Equals = createToken({ name: 'Equals', pattern: /=/ });
export const Colon = createToken({ name: 'Colon', pattern: /:/ });
export const Semicolon = createToken({ name: 'Semicolon', pattern: /;/ });
export const Comma = createToken({ name: 'Comma', pattern: /,/ });
export const LParen = createToken({ name: 'LParen', pattern: /\(/ });
export const RParen = createToken({ name: 'RParen', pattern: /\)/ });
export const LCurly = createToken({ name: 'LCurly', pattern: /\{/ });
export const RCurly = createToken({ name: 'RCurly', pattern: /\}/ });
export const Question = createToken({ name: 'Question', pattern: /\?/ });

/** The words the language reserves. */
export const keywordTokens = [Network, Block, Input, Repeat, Residual, Shortcut, Concat, Branch, True, False];

export const allTokens: TokenType[] = [
  Whitespace,
  LineComment,
  BlockComment,
  Newline,
  ShapeLiteral,
  NumberLiteral,
  StringLiteral,
  UnterminatedString,
  Arrow,
  FloorDiv,
  Slash,
  Star,
  Plus,
  Minus,
  Equals,
  Colon,
  Semicolon,
  Comma,
  LParen,
  RParen,
  LCurly,
  RCurly,
  Question,
  ...keywordTokens,
  Identifier,
];
