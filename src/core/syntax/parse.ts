/**
 * Parsing never fails: it returns an AST *and* syntax diagnostics. Whatever
 * the parser could read survives an error elsewhere in the file.
 */
import type { IRecognitionException, IToken, TokenType } from 'chevrotain';
import { diagnostic, type Diagnostic, type Range } from '../diagnostics';
import type { SourceFile, Comment } from './ast';
import { buildFile, tokenRange, useTextOf } from './buildAst';
import { LineIndex } from './lineIndex';
import { errorParser } from './parser';
import { TooManySyntaxErrors } from './parseLimits';
import { scan } from './scan';
import { lastOffset, tokensOf, type TokenList } from './tokenList';
import * as t from './tokens';
import { repairTypos } from './typos';
import { parseValid, type ValidReading } from './validParser';
import { defaultWindowSizes, windowReader, type ReadWithChevrotain, type WindowSizes } from './windows';

/** The result of parsing one file. */
export interface ParseResult {
  file: SourceFile;
  diagnostics: Diagnostic[];
}

/** Past this many syntax errors, more of them only bury the first (which is the one to fix). */
const maxSyntaxErrors = 100;

/** Past this many errors the parser stops reading (see `CnnParser.errorLimit`). */
const maxParseErrors = 300;

/**
 * The deepest nesting of parentheses and braces the parser reads. The parser,
 * and every walk over the tree after it, recurses once per level, and its
 * error recovery walks the grammar once more per level: with a syntax error at
 * the bottom, the stack holds about 125 levels of `repeat(2) {`. This keeps a
 * margin of two, and no real network comes near it. Deeper content is skipped
 * with a diagnostic.
 */
export const maxNesting = 64;

/**
 * Parses `.cnn` source text. Never throws. `firstLine` is the line the text
 * starts on when it is a part of a file cut at a line start (incremental
 * analysis parses each declaration on its own); positions then count from it.
 * A syntax error inside a long declaration is read by chevrotain in a window
 * around it (windows.ts; `windows` sets their sizes, which tests make small).
 */
export function parse(text: string, firstLine = 0, windows: WindowSizes = defaultWindowSizes): ParseResult {
  return parseText(text, firstLine, true, windows);
}

/**
 * `parse` without its shortcut for valid input (validParser.ts): chevrotain
 * reads every file. The result is the same; tests compare the two.
 */
export function parseWithChevrotain(text: string, firstLine = 0): ParseResult {
  return parseText(text, firstLine, false, defaultWindowSizes);
}

/**
 * Whether `parse` reads `text` without chevrotain, as it should whenever the
 * text has no syntax error (tests check it); with `windows`, whether it reads
 * it without chevrotain reading a whole declaration (each error in a window).
 */
export function readsDirectly(text: string, windows?: WindowSizes): boolean {
  const { tokens, diagnostics, lines } = tokensToParse(text, 0);
  return parseValid(tokens, windows && windowReader(tokens, chevrotainReader(lines, diagnostics), maxParseErrors, windows)).complete;
}

function parseText(text: string, firstLine: number, readValidDirectly: boolean, windows: WindowSizes): ParseResult {
  const { tokens, comments, diagnostics, lines } = tokensToParse(text, firstLine);
  const reportErrors = (errors: IRecognitionException[]) => {
    for (const error of errors) {
      if (diagnostics.length >= maxSyntaxErrors) break;
      const token = error.token;
      const range: Range = Number.isNaN(token.startOffset) ? endOfText(lines, text) : tokenRange(token);
      diagnostics.push(diagnostic('syntax', error.message, range));
    }
  };

  // Most files have no syntax error: those are read straight into the AST, and an error inside a long declaration
  // is read by chevrotain in a window around it (windows.ts). Otherwise chevrotain reads the file from the first
  // declaration with an error on (see ValidReading), with its recovery and messages.
  let direct: ValidReading | undefined = readValidDirectly ? parseValid(tokens, windowReader(tokens, chevrotainReader(lines, diagnostics), maxParseErrors, windows)) : undefined;
  if (direct?.complete) {
    reportErrors(direct.errors);
    for (const problem of direct.problems) diagnostics.push(problem);
    return { file: { networks: direct.networks, blocks: direct.blocks, comments }, diagnostics };
  }

  // The preview loads chevrotain's parser when a file first has a syntax error (webview/src/lazyParser.ts), and
  // analyses the text again once it has come: until then, what was read directly and a syntax error after it.
  const cnnParser = errorParser();
  if (!cnnParser) return withoutErrorParser(direct, tokens, comments, diagnostics);

  // Error recovery inside a repetition re-enters it, one level of the stack per error recovered, and each
  // recovery costs more than the last: thousands of errors could take minutes or exhaust the stack. Past
  // `maxParseErrors` (or an exhausted stack: then half of what was reached) only the part before is read again.
  // Positions below count in the whole stream; chevrotain reads from `start` to `limit`.
  let cst;
  let stoppedAt: IToken | undefined;
  let limit = tokens.length;
  for (;;) {
    const start = direct?.end ?? 0;
    // The windows read directly count towards the limit, as they would in chevrotain's reading of the whole file.
    cnnParser.errorLimit = maxParseErrors - (direct?.errors.length ?? 0);
    cnnParser.input = tokensOf(tokens, start, limit);
    try {
      cst = cnnParser.file();
      break;
    } catch (error) {
      if (!(error instanceof RangeError || error instanceof TooManySyntaxErrors) || limit < 2) throw error;
      const reached = Math.max(0, start + (cnnParser as unknown as { currIdx: number }).currIdx);
      const keep = Math.max(1, Math.min(limit - 1, error instanceof RangeError ? Math.floor(reached / 2) : reached));
      stoppedAt = tokens.token(keep);
      limit = keep;
      // Cut inside what was read directly: chevrotain reads it all again.
      if (direct && keep < direct.end) direct = undefined;
    }
  }
  if (stoppedAt) {
    diagnostics.push(diagnostic('syntax', 'Too many syntax errors before this point: CNN Lens stops reading the file here. Fix the errors above first.', tokenRange(stoppedAt)));
  }
  reportErrors([...(direct?.errors ?? []), ...cnnParser.errors]);
  if (!direct) return { file: buildFile(cst, comments), diagnostics };
  // The declarations read directly come first, as their problems do.
  for (const problem of direct.problems) diagnostics.push(problem);
  const rest = buildFile(cst, comments);
  return { file: { networks: [...direct.networks, ...rest.networks], blocks: [...direct.blocks, ...rest.blocks], comments }, diagnostics };
}

/** The result while chevrotain's parser is not loaded: the declarations read directly, then one syntax error where they end. */
function withoutErrorParser(direct: ValidReading | undefined, tokens: TokenList, comments: Comment[], diagnostics: Diagnostic[]): ParseResult {
  const at = direct?.end ?? 0;
  const range: Range = at < tokens.length ? tokenRange(tokens.token(at)) : { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  diagnostics.push(diagnostic('syntax', 'This declaration has a syntax error, which is described once the parser that reads it has loaded.', range));
  for (const problem of direct?.problems ?? []) diagnostics.push(problem);
  return { file: { networks: direct?.networks ?? [], blocks: direct?.blocks ?? [], comments }, diagnostics };
}

/** Chevrotain's reading of a token stream, with the problems of its AST kept apart from the file's diagnostics (windows.ts decides where they go). */
function chevrotainReader(lines: LineIndex, diagnostics: Diagnostic[]): ReadWithChevrotain {
  return (input, errorLimit) => {
    // Without chevrotain's parser (the preview, until it has loaded) no window is read, and the declaration is not read directly.
    const cnnParser = errorParser();
    if (!cnnParser) return undefined;
    cnnParser.errorLimit = errorLimit;
    cnnParser.input = input;
    let cst;
    try {
      cst = cnnParser.file();
    } catch (error) {
      if (error instanceof RangeError || error instanceof TooManySyntaxErrors) return undefined;
      throw error;
    }
    const problems: Diagnostic[] = [];
    useTextOf(lines, problems);
    try {
      return { file: buildFile(cst, []), errors: [...cnnParser.errors], problems };
    } finally {
      useTextOf(lines, diagnostics);
    }
  };
}

/** The token stream the parser reads (after the lexical rules and repairs), with the comments, the diagnostics so far and the line index the ranges use. */
function tokensToParse(text: string, firstLine: number): { tokens: TokenList; comments: Comment[]; diagnostics: Diagnostic[]; lines: LineIndex } {
  const diagnostics: Diagnostic[] = [];
  const lines = new LineIndex(text, firstLine);
  useTextOf(lines, diagnostics);
  const lexed = scan(text);
  for (const error of lexed.errors.slice(0, maxSyntaxErrors)) {
    const { line, character } = lines.position(error.offset);
    const snippet = text.substr(error.offset, Math.min(error.length, 20));
    diagnostics.push(
      diagnostic('syntax', `Unexpected character${error.length > 1 ? 's' : ''} ${JSON.stringify(snippet)}: not part of the .cnn language.`, {
        start: { line, character },
        end: { line, character: character + Math.max(1, Math.min(error.length, 200)) },
      }),
    );
  }
  const comments: Comment[] = lexed.comments.map((token: IToken) => ({ text: token.image, range: tokenRange(token) }));
  for (const comment of comments) {
    if (comment.text.startsWith('/*') && !comment.text.endsWith('*/')) {
      diagnostics.push(
        diagnostic('syntax', "This '/*' comment is never closed: add '*/' where it should end.", {
          start: comment.range.start,
          end: { line: comment.range.start.line, character: comment.range.start.character + 2 },
        }),
      );
    }
  }
  const tokens = repairTypos(prepareTokens(boundNesting(lexed.tokens, diagnostics), diagnostics), text.length, lines.position(text.length), diagnostics);
  return { tokens, comments, diagnostics, lines };
}

function endOfText(lines: LineIndex, text: string): Range {
  const position = lines.position(text.length);
  return { start: position, end: position };
}

/**
 * Skips whatever lies deeper than `maxNesting` parentheses and braces, with a
 * diagnostic at the bracket that goes too deep, so that no input can exhaust
 * the stack. Depth is counted as the parser nests: parentheses inside a body,
 * where a brace (or `network`, `block`) closes any parenthesis left open.
 */
function boundNesting(input: TokenList, diagnostics: Diagnostic[]): TokenList {
  const types = input.types;
  let braces = 0;
  let parens = 0;
  let output: TokenList | undefined;
  for (let i = 0; i < input.length; i++) {
    const type = types[i];
    const opens = type === t.LParen || type === t.LCurly;
    if (opens && braces + parens >= maxNesting) {
      const opener = i;
      output ??= input.copy(0, i);
      const end = endOfGroup(input, i);
      // An empty body is valid syntax, so a skipped `{ ... }` leaves its braces and the parser no error to recover from.
      if (type === t.LCurly && types[end - 1] === t.RCurly && end - 1 > i) {
        output.pushFrom(input, opener);
        output.pushFrom(input, end - 1);
      }
      i = end - 1;
      diagnostics.push(
        diagnostic(
          'syntax',
          `This nests deeper than ${maxNesting} levels of parentheses and braces, so CNN Lens skips what is inside. Move the inner part into a block, or remove parentheses.`,
          tokenRange(input.token(opener)),
        ),
      );
      continue;
    }
    if (type === t.LParen) parens++;
    else if (type === t.RParen) parens = Math.max(0, parens - 1);
    else if (type === t.LCurly) {
      parens = 0;
      braces++;
    } else if (type === t.RCurly) {
      parens = 0;
      braces = Math.max(0, braces - 1);
    } else if (type === t.Network || type === t.Block) parens = 0;
    output?.pushFrom(input, i);
  }
  return output ?? input;
}

/**
 * The index just past the bracket that closes the group opened at `start`. A
 * parenthesised group also ends before a brace, `network` or `block` (a
 * forgotten `)`), as in `prepareTokens`.
 */
function endOfGroup(input: TokenList, start: number): number {
  const types = input.types;
  const braceGroup = types[start] === t.LCurly;
  let depth = 0;
  for (let i = start; i < input.length; i++) {
    const type = types[i];
    if (braceGroup) {
      if (type === t.LCurly) depth++;
      else if (type === t.RCurly && --depth === 0) return i + 1;
    } else {
      if (type === t.LCurly || type === t.RCurly || type === t.Network || type === t.Block) return i;
      if (type === t.LParen) depth++;
      else if (type === t.RParen && --depth === 0) return i + 1;
    }
  }
  return input.length;
}

/**
 * Applies the lexical rules a context-free token stream cannot express:
 * newlines inside `( )` do not end statements; `shortcut` may start the line
 * after its residual's `}`; a line that starts with `//` (a C-style comment,
 * but `//` is floor division here) is reported and skipped.
 */
function prepareTokens(input: TokenList, diagnostics: Diagnostic[]): TokenList {
  // The tokens kept, copied from `input` only at the first change: most files need none, and a megabyte file
  // holds hundreds of thousands of tokens.
  let copy: TokenList | undefined;
  let i = 0;
  const types = input.types;
  const output = (): TokenList => (copy ??= input.copy(0, i));
  /** The token kept `back` places before token `i` (1: the last one kept), as an object, for the repairs below. */
  const kept = (back: number): IToken | undefined => {
    const index = (copy ? copy.length : i) - back;
    return index < 0 ? undefined : (copy ?? input).token(index);
  };
  let parenDepth = 0;
  let atLineStart = true;
  /** The line break dropped since the last token inside parentheses, if any. */
  let skippedNewline: IToken | false = false;
  for (; i < input.length; i++) {
    const type = types[i];
    if (atLineStart && type === t.FloorDiv) {
      output();
      const start = tokenRange(input.token(i));
      while (i + 1 < input.length && types[i + 1] !== t.Newline) i++;
      diagnostics.push(
        diagnostic('syntax', "Comments start with '#' in .cnn files; '//' is floor division. Replace '//' with '#'.", {
          start: start.start,
          end: tokenRange(input.token(i)).end,
        }),
      );
      continue;
    }
    const previousType = copy ? copy.types[copy.length - 1] : types[i - 1];
    if (parenDepth > 0 && skippedNewline && previousType === t.LParen && startsStatement(input, i)) {
      // `batchnorm(` and a new statement on the next line: the ')' was forgotten.
      const previous = kept(1)!;
      const closing = ')'.repeat(parenDepth);
      for (let close = 0; close < parenDepth; close++) output().pushToken(syntheticToken(t.RParen, ')', previous));
      diagnostics.push(missingText(previous, undefined, closing, `Missing '${closing}': the '(' on this line is never closed.`));
      parenDepth = 0;
      output().pushToken(skippedNewline);
    } else if (parenDepth > 0 && previousType !== undefined && endsValue(previousType)) {
      if (!skippedNewline && type === t.Identifier && startsStatement(input, i)) {
        // `conv(16, 3 relu`: a statement follows on the same line, so the ')' was forgotten, and the statement ends there.
        const previous = kept(1)!;
        const closing = ')'.repeat(parenDepth);
        for (let close = 0; close < parenDepth; close++) output().pushToken(syntheticToken(t.RParen, ')', previous));
        diagnostics.push(missingText(previous, undefined, closing, `Missing '${closing}': the '(' on this line is never closed.`));
        output().pushToken(syntheticToken(t.Semicolon, ';', previous));
        parenDepth = 0;
      } else if (
        !skippedNewline &&
        startsValue(type) &&
        !(type === t.LParen && previousType === t.Identifier) &&
        !inSpacedShape(kept(1), kept(2), input.token(i), i + 1 < input.length ? input.token(i + 1) : undefined)
      ) {
        // `padding=1 bias=false`: two arguments side by side. Read them as if the comma were there.
        const previous = kept(1)!;
        output().pushToken(syntheticToken(t.Comma, ',', previous));
        diagnostics.push(missingText(previous, input.token(i), ',', "Missing ',' between arguments."));
      } else if (skippedNewline && startsStatement(input, i)) {
        // A new line starts with what looks like a statement while a '(' is open: the ')' was forgotten.
        const previous = kept(1)!;
        const closing = ')'.repeat(parenDepth);
        for (let close = 0; close < parenDepth; close++) output().pushToken(syntheticToken(t.RParen, ')', previous));
        diagnostics.push(missingText(previous, undefined, closing, `Missing '${closing}': the '(' on this line is never closed.`));
        parenDepth = 0;
        output().pushToken(skippedNewline);
      } else if (skippedNewline && startsValue(type)) {
        // A value at the start of the next line continues the arguments: the comma at the end of the line was forgotten.
        const previous = kept(1)!;
        output().pushToken(syntheticToken(t.Comma, ',', previous));
        diagnostics.push(missingText(previous, undefined, ',', "Missing ',' between arguments."));
      }
    }
    if (type !== t.Newline) skippedNewline = false;
    if (type === t.LParen) parenDepth++;
    else if (type === t.RParen) parenDepth = Math.max(0, parenDepth - 1);
    // Braces never occur inside parentheses, so one means a ')' was forgotten:
    // resetting here keeps that slip from swallowing the rest of the file.
    else if (type === t.LCurly || type === t.RCurly || type === t.Network || type === t.Block) parenDepth = 0;
    if (type === t.Newline) {
      atLineStart = true;
      if (parenDepth > 0) {
        output();
        skippedNewline = input.token(i);
        continue;
      }
    } else {
      atLineStart = false;
    }
    if (type === t.Shortcut && (copy ? copy.types[copy.length - 1] : types[i - 1]) === t.Newline) {
      const list = output();
      while (list.length && list.types[list.length - 1] === t.Newline) list.pop();
    }
    copy?.pushFrom(input, i);
  }
  return copy ?? input;
}

/** Tokens that can end an argument's value. */
function endsValue(type: TokenType): boolean {
  return type === t.NumberLiteral || type === t.ShapeLiteral || type === t.StringLiteral || type === t.Identifier || type === t.True || type === t.False || type === t.RParen || type === t.Question;
}

/** Tokens that can start an argument's value (or a `key =`). */
function startsValue(type: TokenType): boolean {
  return type === t.NumberLiteral || type === t.ShapeLiteral || type === t.StringLiteral || type === t.Identifier || type === t.True || type === t.False || type === t.LParen;
}

/** A zero-width token just after `after`, standing for text the user left out. */
function syntheticToken(type: TokenType, image: string, after: IToken): IToken {
  const offset = lastOffset(after) + 1;
  return t.tokenInstance(type, image, offset, offset - 1);
}

/** A syntax error for text missing after `previous` (up to `next`), with the fix that inserts it. */
function missingText(previous: IToken, next: IToken | undefined, text: string, message: string): Diagnostic {
  const end = tokenRange(previous).end;
  const range: Range = { start: end, end: next && next.startOffset > lastOffset(previous) + 1 ? tokenRange(next).start : end };
  return diagnostic('syntax', message, range, { fixes: [{ title: `Insert '${text}'`, edits: [{ range: { start: end, end }, newText: text }], preferred: true }] });
}

/**
 * Whether the token at `i`, first on its line inside parentheses, reads as
 * the start of a statement rather than an argument: a keyword, a `}`, or a
 * name followed by what follows an op (the line's end, its arguments, a
 * label's ':', an assertion).
 */
function startsStatement(input: TokenList, i: number): boolean {
  const type = input.types[i];
  if (type === t.RCurly || (t.keywordTokens.includes(type) && type !== t.True && type !== t.False)) return true;
  if (type !== t.Identifier) return false;
  const next = input.types[i + 1];
  return next === undefined || next === t.Newline || next === t.LParen || next === t.Colon || next === t.LCurly || next === t.Arrow || next === t.Semicolon || next === t.RCurly;
}

/** Whether `token` continues a shape written with spaces (`3 x 32 x 32`), which `repairTypos` reports and joins; `previous` and `beforePrevious` are the tokens kept before it. */
function inSpacedShape(previous: IToken | undefined, beforePrevious: IToken | undefined, token: IToken, next: IToken | undefined): boolean {
  const isDimension = (candidate: IToken | undefined) => candidate?.tokenType === t.NumberLiteral || candidate?.tokenType === t.ShapeLiteral;
  const isTimes = (candidate: IToken | undefined) => candidate?.tokenType === t.Identifier && candidate.image === 'x';
  return (isTimes(token) && isDimension(previous) && isDimension(next)) || (isDimension(token) && isTimes(previous) && isDimension(beforePrevious));
}
