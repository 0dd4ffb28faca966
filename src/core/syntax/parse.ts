/**
 * Parsing never fails: it returns an AST *and* syntax diagnostics. Whatever
 * the parser could read survives an error elsewhere in the file.
 */
import type { IToken } from 'chevrotain';
import { diagnostic, type Diagnostic, type Range } from '../diagnostics';
import type { SourceFile, Comment } from './ast';
import { buildFile, tokenRange, useTextOf } from './buildAst';
import { LineIndex, splitLines } from './lineIndex';
import { cnnParser, TooManySyntaxErrors } from './parser';
import * as t from './tokens';

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

/** Parses `.cnn` source text. Never throws. */
export function parse(text: string): ParseResult {
  const diagnostics: Diagnostic[] = [];
  const lines = new LineIndex(text);
  useTextOf(lines, diagnostics);
  const lexed = t.cnnLexer.tokenize(text);
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
  const comments: Comment[] = (lexed.groups.comments ?? []).map((token: IToken) => ({ text: token.image, range: tokenRange(token) }));
  for (const comment of comments) {
    if (comment.text.startsWith('/*') && !comment.text.endsWith('*/')) {
      diagnostics.push(diagnostic('syntax', "This '/*' comment is never closed: add '*/' where it should end.", { start: comment.range.start, end: { line: comment.range.start.line, character: comment.range.start.character + 2 } }));
    }
  }
  let tokens = prepareTokens(boundNesting(lexed.tokens, diagnostics), diagnostics);

  // Error recovery inside a repetition re-enters it, one level of the stack per error recovered, and each
  // recovery costs more than the last: thousands of errors could take minutes or exhaust the stack. Past
  // `maxParseErrors` (or an exhausted stack: then half of what was reached) only the part before is read again.
  let cst;
  let stoppedAt: IToken | undefined;
  cnnParser.errorLimit = maxParseErrors;
  for (;;) {
    cnnParser.input = tokens;
    try {
      cst = cnnParser.file();
      break;
    } catch (error) {
      if (!(error instanceof RangeError || error instanceof TooManySyntaxErrors) || tokens.length < 2) throw error;
      const reached = Math.max(0, (cnnParser as unknown as { currIdx: number }).currIdx);
      const keep = Math.max(1, Math.min(tokens.length - 1, error instanceof RangeError ? Math.floor(reached / 2) : reached));
      stoppedAt = tokens[keep];
      tokens = tokens.slice(0, keep);
    }
  }
  if (stoppedAt) {
    diagnostics.push(diagnostic('syntax', 'Too many syntax errors before this point: CNN Lens stops reading the file here. Fix the errors above first.', tokenRange(stoppedAt)));
  }
  for (const error of cnnParser.errors) {
    if (diagnostics.length >= maxSyntaxErrors) break;
    const token = error.token;
    const range: Range = Number.isNaN(token.startOffset) ? endOfText(text) : tokenRange(token);
    diagnostics.push(diagnostic('syntax', error.message, range));
  }
  const file = buildFile(cst, comments);
  return { file, diagnostics };
}

function endOfText(text: string): Range {
  const lines = splitLines(text);
  const position = { line: lines.length - 1, character: lines[lines.length - 1].length };
  return { start: position, end: position };
}

/**
 * Skips whatever lies deeper than `maxNesting` parentheses and braces, with a
 * diagnostic at the bracket that goes too deep, so that no input can exhaust
 * the stack. Depth is counted as the parser nests: parentheses inside a body,
 * where a brace (or `network`, `block`) closes any parenthesis left open.
 */
function boundNesting(input: IToken[], diagnostics: Diagnostic[]): IToken[] {
  let braces = 0;
  let parens = 0;
  let output: IToken[] | undefined;
  for (let i = 0; i < input.length; i++) {
    const type = input[i].tokenType;
    const opens = type === t.LParen || type === t.LCurly;
    if (opens && braces + parens >= maxNesting) {
      const opener = input[i];
      output ??= input.slice(0, i);
      const end = endOfGroup(input, i);
      // An empty body is valid syntax, so a skipped `{ ... }` leaves its braces and the parser no error to recover from.
      if (type === t.LCurly && input[end - 1]?.tokenType === t.RCurly && end - 1 > i) output.push(opener, input[end - 1]);
      i = end - 1;
      diagnostics.push(
        diagnostic('syntax', `This nests deeper than ${maxNesting} levels of parentheses and braces, so CNN Lens skips what is inside. Move the inner part into a block, or remove parentheses.`, tokenRange(opener)),
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
    output?.push(input[i]);
  }
  return output ?? input;
}

/**
 * The index just past the bracket that closes the group opened at `start`. A
 * parenthesised group also ends before a brace, `network` or `block` (a
 * forgotten `)`), as in `prepareTokens`.
 */
function endOfGroup(input: IToken[], start: number): number {
  const braceGroup = input[start].tokenType === t.LCurly;
  let depth = 0;
  for (let i = start; i < input.length; i++) {
    const type = input[i].tokenType;
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
function prepareTokens(input: IToken[], diagnostics: Diagnostic[]): IToken[] {
  const output: IToken[] = [];
  let parenDepth = 0;
  let atLineStart = true;
  for (let i = 0; i < input.length; i++) {
    const token = input[i];
    const type = token.tokenType;
    if (atLineStart && type === t.FloorDiv) {
      const start = tokenRange(token);
      while (i + 1 < input.length && input[i + 1].tokenType !== t.Newline) i++;
      diagnostics.push(
        diagnostic('syntax', "Comments start with '#' in .cnn files; '//' is floor division. Replace '//' with '#'.", {
          start: start.start,
          end: tokenRange(input[i]).end,
        }),
      );
      continue;
    }
    if (type === t.LParen) parenDepth++;
    else if (type === t.RParen) parenDepth = Math.max(0, parenDepth - 1);
    // Braces never occur inside parentheses, so one means a ')' was forgotten:
    // resetting here keeps that slip from swallowing the rest of the file.
    else if (type === t.LCurly || type === t.RCurly || type === t.Network || type === t.Block) parenDepth = 0;
    if (type === t.Newline) {
      atLineStart = true;
      if (parenDepth > 0) continue;
    } else {
      atLineStart = false;
    }
    if (type === t.Shortcut) {
      while (output.length && output[output.length - 1].tokenType === t.Newline) output.pop();
    }
    output.push(token);
  }
  return output;
}
