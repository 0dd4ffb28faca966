/**
 * The lexer of `.cnn` written out by hand: the same tokens, comments and
 * errors as chevrotain's lexer over `tokens.ts` (`referenceLexer`), about four times
 * faster, because it looks at each character once, by a switch on its code,
 * instead of trying the token patterns in turn as regular expressions. A test
 * compares the two on every example and on random text.
 */
import type { IToken, TokenType } from 'chevrotain';
import { TokenList } from './tokenList';
import * as t from './tokens';

/** A run of characters no token starts with, as chevrotain's lexer reports it. */
export interface LexError {
  offset: number;
  length: number;
}

/** The tokens the parser reads, the comments beside them, and the characters no token starts with. */
export interface Scanned {
  tokens: TokenList;
  comments: IToken[];
  errors: LexError[];
}

const keywords = new Map<string, TokenType>(t.keywordTokens.map((type) => [(type.PATTERN as RegExp).source, type]));

/** What a character can start; everything else is an error. */
const enum Start {
  Error,
  Space,
  Hash,
  Slash,
  CarriageReturn,
  LineFeed,
  Digit,
  Question,
  Dot,
  Quote,
  Minus,
  Letter,
  Single,
}

/** The tokens of one character, by character code. */
const singles: TokenType[] = [];
const singleImages: string[] = [];
const startOf = new Uint8Array(128);
for (const c of ' \t\f\v') startOf[c.charCodeAt(0)] = Start.Space;
for (let c = 48; c <= 57; c++) startOf[c] = Start.Digit;
for (let c = 65; c <= 90; c++) startOf[c] = startOf[c + 32] = Start.Letter;
startOf[95] = Start.Letter;
startOf[35] = Start.Hash;
startOf[47] = Start.Slash;
startOf[13] = Start.CarriageReturn;
startOf[10] = Start.LineFeed;
startOf[63] = Start.Question;
startOf[46] = Start.Dot;
startOf[34] = startOf[39] = Start.Quote;
startOf[45] = Start.Minus;
for (const [c, type] of [
  ['+', t.Plus],
  ['*', t.Star],
  ['=', t.Equals],
  [':', t.Colon],
  [';', t.Semicolon],
  [',', t.Comma],
  ['(', t.LParen],
  [')', t.RParen],
  ['{', t.LCurly],
  ['}', t.RCurly],
] as const) {
  startOf[c.charCodeAt(0)] = Start.Single;
  singles[c.charCodeAt(0)] = type;
  singleImages[c.charCodeAt(0)] = c;
}

function classOf(code: number): Start {
  if (code < 128) return startOf[code];
  return code === 0xa0 || code === 0xfeff ? Start.Space : Start.Error;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isWordCharacter(code: number): boolean {
  return code < 128 && (startOf[code] === Start.Letter || startOf[code] === Start.Digit);
}

/** Whether some token starts at `offset` (where chevrotain's lexer resumes after an error). */
function startsToken(text: string, offset: number): boolean {
  const start = classOf(text.charCodeAt(offset));
  return start === Start.Dot ? isDigit(text.charCodeAt(offset + 1)) : start !== Start.Error;
}

/** Chevrotain drops characters until one where some token starts, and reports them as one error: where that is. */
function errorEnd(text: string, offset: number): number {
  while (++offset < text.length && !startsToken(text, offset));
  return offset;
}

/** The end of one dimension of a shape (`\d+` or `?`) starting at `offset`, or -1. */
function dimensionEnd(text: string, offset: number): number {
  const code = text.charCodeAt(offset);
  if (code === 63) return offset + 1;
  if (!isDigit(code)) return -1;
  while (isDigit(text.charCodeAt(++offset)));
  return offset;
}

/**
 * The end of a shape literal (`3x224x224`, `?x7`) at `offset`, or -1. The
 * pattern ends with a look-ahead for a word character, which no shorter match
 * can pass either (it would end before a digit or an `x`), so the longest
 * match is the only candidate.
 */
function shapeEnd(text: string, offset: number): number {
  let end = dimensionEnd(text, offset);
  let dimensions = 1;
  for (;;) {
    if (text.charCodeAt(end) !== 120) break;
    const next = dimensionEnd(text, end + 1);
    if (next < 0) break;
    end = next;
    dimensions++;
  }
  return dimensions > 1 && !isWordCharacter(text.charCodeAt(end)) ? end : -1;
}

/** The end of a number (`12`, `1.`, `.5`, `3e-4`) at `offset`, which starts with a digit or a dot before a digit. */
function numberEnd(text: string, offset: number): number {
  let end = offset;
  while (isDigit(text.charCodeAt(end))) end++;
  if (text.charCodeAt(end) === 46) while (isDigit(text.charCodeAt(++end)));
  const e = text.charCodeAt(end);
  if (e === 101 || e === 69) {
    let exponent = end + 1;
    const sign = text.charCodeAt(exponent);
    if (sign === 43 || sign === 45) exponent++;
    if (isDigit(text.charCodeAt(exponent))) {
      while (isDigit(text.charCodeAt(++exponent)));
      end = exponent;
    }
  }
  return end;
}

/** Splits `text` into tokens exactly as `referenceLexer().tokenize` does (tokens, the `comments` group, errors by offset and length). */
export function scan(text: string): Scanned {
  const length = text.length;
  // Room for a token per character, the most there can be.
  const tokens = new TokenList(length + 1);
  const comments: IToken[] = [];
  const errors: LexError[] = [];
  const emit = (type: TokenType, start: number, end: number, image?: string) => tokens.push(type, image ?? text.substring(start, end), start, end - 1);
  const comment = (type: TokenType, start: number, end: number) => comments.push(t.tokenInstance(type, text.substring(start, end), start, end - 1));
  let offset = 0;
  while (offset < length) {
    const code = text.charCodeAt(offset);
    const start = offset;
    switch (classOf(code)) {
      case Start.Space:
        while (++offset < length && classOf(text.charCodeAt(offset)) === Start.Space);
        break;
      case Start.Hash: {
        while (++offset < length && text.charCodeAt(offset) !== 10 && text.charCodeAt(offset) !== 13);
        comment(t.LineComment, start, offset);
        break;
      }
      case Start.Slash: {
        const next = text.charCodeAt(offset + 1);
        if (next === 42) {
          // An unclosed comment runs to the end of the file (the parser reports it).
          const close = text.indexOf('*/', offset + 2);
          offset = close < 0 ? length : close + 2;
          comment(t.BlockComment, start, offset);
        } else if (next === 47) {
          offset += 2;
          emit(t.FloorDiv, start, offset, '//');
        } else {
          offset++;
          emit(t.Slash, start, offset, '/');
        }
        break;
      }
      case Start.CarriageReturn:
        // Fixed images (here and below) spare a string per token; a megabyte holds hundreds of thousands.
        if (text.charCodeAt(offset + 1) === 10) {
          offset += 2;
          emit(t.Newline, start, offset, '\r\n');
        } else {
          offset++;
          emit(t.Newline, start, offset, '\r');
        }
        break;
      case Start.LineFeed:
        offset++;
        emit(t.Newline, start, offset, '\n');
        break;
      case Start.Digit:
      case Start.Question: {
        const shape = shapeEnd(text, offset);
        if (shape >= 0) {
          offset = shape;
          emit(t.ShapeLiteral, start, offset);
        } else if (code === 63) {
          offset++;
          emit(t.Question, start, offset, '?');
        } else {
          offset = numberEnd(text, offset);
          emit(t.NumberLiteral, start, offset);
        }
        break;
      }
      case Start.Quote: {
        let end = offset + 1;
        for (let c = text.charCodeAt(end); end < length && c !== code && c !== 10 && c !== 13; c = text.charCodeAt(++end));
        if (end < length && text.charCodeAt(end) === code) {
          offset = end + 1;
          emit(t.StringLiteral, start, offset);
        } else {
          offset = end;
          emit(t.UnterminatedString, start, offset);
        }
        break;
      }
      case Start.Minus:
        if (text.charCodeAt(offset + 1) === 62) {
          offset += 2;
          emit(t.Arrow, start, offset, '->');
        } else {
          offset++;
          emit(t.Minus, start, offset, '-');
        }
        break;
      case Start.Letter: {
        while (++offset < length && isWordCharacter(text.charCodeAt(offset)));
        const image = text.substring(start, offset);
        const type = keywords.get(image) ?? t.Identifier;
        tokens.push(type, image, start, offset - 1);
        break;
      }
      case Start.Single:
        offset++;
        emit(singles[code], start, offset, singleImages[code]);
        break;
      case Start.Dot:
        if (isDigit(text.charCodeAt(offset + 1))) {
          offset = numberEnd(text, offset);
          emit(t.NumberLiteral, start, offset);
          break;
        }
        // A dot before anything but a digit starts no token.
        offset = errorEnd(text, offset);
        errors.push({ offset: start, length: offset - start });
        break;
      default:
        offset = errorEnd(text, offset);
        errors.push({ offset: start, length: offset - start });
    }
  }
  return { tokens, comments, errors };
}
