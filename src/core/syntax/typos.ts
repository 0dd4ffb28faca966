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
import { lastOffset, type TokenList } from './tokenList';
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
export function repairTypos(input: TokenList, textLength: number, endPosition: Range['start'], diagnostics: Diagnostic[]): TokenList {
  // The tokens kept so far, copied from `input` only at the first repair: most files have none, and a megabyte
  // file holds half a million tokens.
  let output: TokenList | undefined;
  const copied = (upTo: number): TokenList => (output ??= input.copy(0, upTo));
  const types = input.types;
  let parens = 0;
  /** Where the braces still open are (no repair makes or drops a brace). */
  const braces: number[] = [];
  for (let i = 0; i < input.length; i++) {
    /** What a repair reads in place of token `i`. */
    let repaired: IToken | undefined;
    const type = types[i];
    const next = types[i + 1];
    if (type === t.Comma && next === t.RParen) {
      const token = input.token(i);
      diagnostics.push(diagnostic('syntax', "Remove the trailing ',' before ')'.", tokenRange(token), { fixes: [replaceFix(token, '', "Remove the ','")] }));
      copied(i);
      continue;
    }
    if (type === t.RParen && parens === 0) {
      const token = input.token(i);
      diagnostics.push(diagnostic('syntax', "This ')' closes nothing: remove it.", tokenRange(token), { fixes: [replaceFix(token, '', "Remove the ')'")] }));
      copied(i);
      continue;
    }
    if (type === t.Equals && parens === 0 && endsStatement(output ? output.types[output.length - 1] : types[i - 1]) && (next === t.ShapeLiteral || next === t.NumberLiteral || next === t.Question)) {
      const token = input.token(i);
      diagnostics.push(diagnostic('syntax', "A shape assertion is written '->', not '='.", tokenRange(token), { fixes: [replaceFix(token, '->', "Replace '=' with '->'")] }));
      repaired = synthetic(t.Arrow, '->', token.startOffset, lastOffset(token));
    }
    if (type === t.Arrow && next === t.NumberLiteral && types[i + 2] === t.Star) {
      // `-> 16*5*5`: dimensions joined with '*' instead of 'x'.
      let end = i + 1;
      while (types[end + 1] === t.Star && types[end + 2] === t.NumberLiteral && input.ends[end + 2] + 1 - input.starts[i + 1] < 200) end += 2;
      if (end > i + 1) {
        const joined = imagesOf(input, i + 1, end + 1, (k) => types[k] === t.NumberLiteral).join('x');
        const range = { start: tokenRange(input.token(i + 1)).start, end: tokenRange(input.token(end)).end };
        diagnostics.push(
          diagnostic('syntax', `Shapes join their dimensions with 'x': write ${joined}.`, range, { fixes: [{ title: `Write ${joined}`, edits: [{ range, newText: joined }], preferred: true }] }),
        );
        const kept = copied(i);
        kept.pushFrom(input, i);
        kept.pushToken(synthetic(t.ShapeLiteral, joined, input.starts[i + 1], input.ends[end]));
        i = end;
        continue;
      }
    }
    if ((type === t.NumberLiteral || type === t.ShapeLiteral) && isTimes(input, i + 1) && isWholeDimension(input, i + 2)) {
      // `3 x 32 x 32`: a shape written with spaces, which would read as a name between numbers.
      let end = i + 2;
      while (isTimes(input, end + 1) && isWholeDimension(input, end + 2) && end < i + 16) end += 2;
      const joined = imagesOf(input, i, end + 1, (k) => !isTimes(input, k)).join('x');
      if (isWholeDimension(input, i) && /^\d+(x\d+)*$/.test(joined)) {
        const range = { start: tokenRange(input.token(i)).start, end: tokenRange(input.token(end)).end };
        diagnostics.push(diagnostic('syntax', `Shapes are written without spaces: ${joined}.`, range, { fixes: [{ title: `Write ${joined}`, edits: [{ range, newText: joined }], preferred: true }] }));
        copied(i).pushToken(synthetic(t.ShapeLiteral, joined, input.starts[i], input.ends[end]));
        i = end;
        continue;
      }
    }
    if (type === t.Identifier) repaired = repairedKeyword(input, i, braces.length === 0, diagnostics);
    const repairedType = repaired ? repaired.tokenType : type;
    if (repairedType === t.LParen) parens++;
    else if (repairedType === t.RParen) parens--;
    else if (repairedType === t.LCurly) {
      parens = 0;
      braces.push(i);
    } else if (repairedType === t.RCurly) {
      parens = 0;
      braces.pop();
    }
    if (repaired) copied(i).pushToken(repaired);
    else output?.pushFrom(input, i);
  }
  if (braces.length) {
    // The file ends inside a body: the '}' was forgotten at the end.
    const closing = (endPosition.character === 0 ? '' : '\n') + '}\n'.repeat(braces.length);
    const end = { start: endPosition, end: endPosition };
    diagnostics.push(
      diagnostic('syntax', `Missing '}': this '{' is never closed.`, tokenRange(input.token(braces[0])), {
        fixes: [{ title: "Insert '}' at the end", edits: [{ range: end, newText: closing }], preferred: true }],
      }),
    );
    for (let close = 0; close < braces.length; close++) copied(input.length).pushToken(synthetic(t.RCurly, '}', textLength, textLength - 1));
  }
  return output ?? input;
}

/** The texts of the tokens from `from` up to `to` that `keep` keeps. */
function imagesOf(input: TokenList, from: number, to: number, keep: (index: number) => boolean): string[] {
  const kept: string[] = [];
  for (let index = from; index < to; index++) if (keep(index)) kept.push(input.images[index]);
  return kept;
}

/** A misspelt keyword read as the keyword: `netwrok N {`, `repaet(2) {`, `residaul {`. */
function repairedKeyword(input: TokenList, i: number, topLevel: boolean, diagnostics: Diagnostic[]): IToken | undefined {
  const types = input.types;
  const next = types[i + 1];
  let candidates: [string, TokenType][] | undefined;
  if (topLevel && next === t.Identifier && (types[i + 2] === t.LCurly || types[i + 2] === t.LParen)) candidates = declarationKeywords;
  else if (!topLevel && next === t.LCurly) candidates = bodyKeywords.filter(([word]) => word !== 'repeat');
  else if (!topLevel && next === t.LParen && i + 2 < input.length && types[i + 3] === t.RParen && types[i + 4] === t.LCurly) candidates = bodyKeywords.filter(([word]) => word === 'repeat');
  if (!candidates) return undefined;
  const token = input.token(i);
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

function isTimes(input: TokenList, index: number): boolean {
  return input.types[index] === t.Identifier && input.images[index] === 'x';
}

function isWholeDimension(input: TokenList, index: number): boolean {
  const type = input.types[index];
  return (type === t.NumberLiteral && /^\d+$/.test(input.images[index])) || type === t.ShapeLiteral;
}
