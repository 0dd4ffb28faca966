/**
 * Repairs of the slips people make most, done on the token stream before
 * parsing: each is reported once, where it is, with the fix that makes the
 * text what the repair read, and the parser then sees valid input, so the
 * rest of the file is analysed as if the slip were fixed. Every repair is
 * local (a token replaced, dropped or added) and only fires on token
 * sequences that are never valid, so correct files are untouched.
 */
import type { IToken, TokenType } from 'chevrotain';
import { diagnostic, nearestName, type Diagnostic, type Range } from '../diagnostics';
import { tokenRange } from './buildAst';
import * as t from './tokens';

/** Keywords that start a declaration at the top level. */
const declarationKeywords: [string, TokenType][] = [
  ['network', t.Network],
  ['block', t.Block],
];
/** Keywords of compound statements, which are followed by `{` (or by `(N) {` for repeat). */
const bodyKeywords: [string, TokenType][] = [
  ['repeat', t.Repeat],
  ['residual', t.Residual],
  ['shortcut', t.Shortcut],
  ['concat', t.Concat],
  ['branch', t.Branch],
];

/** The token stream with the known slips repaired, each repair reported in `diagnostics`. */
export function repairTypos(input: IToken[], textLength: number, endPosition: Range['start'], diagnostics: Diagnostic[]): IToken[] {
  // The tokens kept so far, copied from `input` only at the first repair: most files have none, and a megabyte
  // file holds half a million tokens, which a copy would push one by one and the collector would then move.
  let output: IToken[] | undefined;
  const copied = (upTo: number): IToken[] => (output ??= input.slice(0, upTo));
  let parens = 0;
  const braces: IToken[] = [];
  for (let i = 0; i < input.length; i++) {
    let token = input[i];
    const type = token.tokenType;
    const next = input[i + 1]?.tokenType;
    if (type === t.Comma && next === t.RParen) {
      diagnostics.push(diagnostic('syntax', "Remove the trailing ',' before ')'.", tokenRange(token), { fixes: [replaceFix(token, '', "Remove the ','")] }));
      copied(i);
      continue;
    }
    if (type === t.RParen && parens === 0) {
      diagnostics.push(diagnostic('syntax', "This ')' closes nothing: remove it.", tokenRange(token), { fixes: [replaceFix(token, '', "Remove the ')'")] }));
      copied(i);
      continue;
    }
    if (
      type === t.Equals &&
      parens === 0 &&
      endsStatement((output ? output[output.length - 1] : input[i - 1])?.tokenType) &&
      (next === t.ShapeLiteral || next === t.NumberLiteral || next === t.Question)
    ) {
      diagnostics.push(diagnostic('syntax', "A shape assertion is written '->', not '='.", tokenRange(token), { fixes: [replaceFix(token, '->', "Replace '=' with '->'")] }));
      token = synthetic(t.Arrow, '->', token.startOffset, lastOffset(token));
    }
    if (type === t.Arrow && next === t.NumberLiteral && input[i + 2]?.tokenType === t.Star) {
      // `-> 16*5*5`: dimensions joined with '*' instead of 'x'.
      let end = i + 1;
      while (input[end + 1]?.tokenType === t.Star && input[end + 2]?.tokenType === t.NumberLiteral && lastOffset(input[end + 2]) + 1 - input[i + 1].startOffset < 200) end += 2;
      if (end > i + 1) {
        const first = input[i + 1];
        const last = input[end];
        const joined = input
          .slice(i + 1, end + 1)
          .filter((part) => part.tokenType === t.NumberLiteral)
          .map((part) => part.image)
          .join('x');
        const range = { start: tokenRange(first).start, end: tokenRange(last).end };
        diagnostics.push(
          diagnostic('syntax', `Shapes join their dimensions with 'x': write ${joined}.`, range, { fixes: [{ title: `Write ${joined}`, edits: [{ range, newText: joined }], preferred: true }] }),
        );
        copied(i).push(token, synthetic(t.ShapeLiteral, joined, first.startOffset, lastOffset(last)));
        i = end;
        continue;
      }
    }
    if ((type === t.NumberLiteral || type === t.ShapeLiteral) && isTimes(input[i + 1]) && isWholeDimension(input[i + 2])) {
      // `3 x 32 x 32`: a shape written with spaces, which would read as a name between numbers.
      let end = i + 2;
      while (isTimes(input[end + 1]) && isWholeDimension(input[end + 2]) && end < i + 16) end += 2;
      const first = input[i];
      const last = input[end];
      const joined = input
        .slice(i, end + 1)
        .filter((part) => !isTimes(part))
        .map((part) => part.image)
        .join('x');
      if (isWholeDimension(first) && /^\d+(x\d+)*$/.test(joined)) {
        const range = { start: tokenRange(first).start, end: tokenRange(last).end };
        diagnostics.push(diagnostic('syntax', `Shapes are written without spaces: ${joined}.`, range, { fixes: [{ title: `Write ${joined}`, edits: [{ range, newText: joined }], preferred: true }] }));
        copied(i).push(synthetic(t.ShapeLiteral, joined, first.startOffset, lastOffset(last)));
        i = end;
        continue;
      }
    }
    if (type === t.Identifier) token = repairedKeyword(input, i, braces.length === 0, diagnostics) ?? token;
    const repairedType = token.tokenType;
    if (repairedType === t.LParen) parens++;
    else if (repairedType === t.RParen) parens--;
    else if (repairedType === t.LCurly) {
      parens = 0;
      braces.push(token);
    } else if (repairedType === t.RCurly) {
      parens = 0;
      braces.pop();
    }
    if (output) output.push(token);
    else if (token !== input[i]) copied(i).push(token);
  }
  if (braces.length) {
    // The file ends inside a body: the '}' was forgotten at the end.
    const closing = (endPosition.character === 0 ? '' : '\n') + '}\n'.repeat(braces.length);
    const end = { start: endPosition, end: endPosition };
    diagnostics.push(
      diagnostic('syntax', `Missing '}': this '{' is never closed.`, tokenRange(braces[0]), {
        fixes: [{ title: "Insert '}' at the end", edits: [{ range: end, newText: closing }], preferred: true }],
      }),
    );
    for (let close = 0; close < braces.length; close++) copied(input.length).push(synthetic(t.RCurly, '}', textLength, textLength - 1));
  }
  return output ?? input;
}

/** A misspelt keyword read as the keyword: `netwrok N {`, `repaet(2) {`, `residaul {`. */
function repairedKeyword(input: IToken[], i: number, topLevel: boolean, diagnostics: Diagnostic[]): IToken | undefined {
  const token = input[i];
  const next = input[i + 1]?.tokenType;
  let candidates: [string, TokenType][] | undefined;
  if (topLevel && next === t.Identifier && (input[i + 2]?.tokenType === t.LCurly || input[i + 2]?.tokenType === t.LParen)) candidates = declarationKeywords;
  else if (!topLevel && next === t.LCurly) candidates = bodyKeywords.filter(([word]) => word !== 'repeat');
  else if (!topLevel && next === t.LParen && input[i + 2] && input[i + 3]?.tokenType === t.RParen && input[i + 4]?.tokenType === t.LCurly)
    candidates = bodyKeywords.filter(([word]) => word === 'repeat');
  if (!candidates) return undefined;
  const word = nearestName(
    token.image,
    candidates.map(([w]) => w),
  );
  if (!word) return undefined;
  diagnostics.push(diagnostic('syntax', `'${token.image}' is not a keyword: did you mean '${word}'?`, tokenRange(token), { fixes: [replaceFix(token, word, `Change to '${word}'`)] }));
  return synthetic(candidates.find(([w]) => w === word)![1], word, token.startOffset, lastOffset(token));
}

function endsStatement(type: TokenType | undefined): boolean {
  return type === t.RParen || type === t.Identifier || type === t.RCurly || type === t.Input;
}

function synthetic(type: TokenType, image: string, startOffset: number, endOffset: number): IToken {
  return t.tokenInstance(type, image, startOffset, endOffset);
}

function replaceFix(token: IToken, newText: string, title: string) {
  return { title, edits: [{ range: tokenRange(token), newText }], preferred: true };
}

/** The offset of a token's last character (the lexer tracks start offsets only). */
export function lastOffset(token: IToken): number {
  return token.endOffset ?? token.startOffset + token.image.length - 1;
}

function isTimes(token: IToken | undefined): boolean {
  return token?.tokenType === t.Identifier && token.image === 'x';
}

function isWholeDimension(token: IToken | undefined): boolean {
  return (token?.tokenType === t.NumberLiteral && /^\d+$/.test(token.image)) || token?.tokenType === t.ShapeLiteral;
}
