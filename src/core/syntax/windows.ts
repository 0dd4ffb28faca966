/**
 * A syntax error inside a long declaration, read by chevrotain in a window
 * around it instead of in the whole declaration. Chevrotain's error recovery
 * and messages are the language's (see validParser.ts), but it reads a
 * megabyte network in seconds; the direct reader reads it in a fraction of
 * that. So when the direct reading of a long declaration's body meets a
 * statement the grammar does not allow, chevrotain reads only a window: from
 * that statement to a separator at the body's own level a few hundred tokens
 * on, inside a stand-in network (`network Window {` with the body's own
 * `{`). The direct reading then goes on after the window.
 *
 * Why the result is chevrotain's reading of the whole declaration:
 * - The start. The statements before the window are valid, and chevrotain
 *   looks at most three tokens ahead, never past the separator that ends a
 *   statement, so it reads them as the direct reader does and then stands at
 *   the window's first statement in its body's loop, as after the stand-in's
 *   `{`. The stand-in's body is the same rule with the same follow set (a
 *   network's and a block's bodies are both followed by the file's loop).
 * - The end. The window is kept only when its error's recovery is confined to
 *   it: read together with the next `contextTokens` tokens (more than the
 *   parser's resync search looks ahead), it gives the same errors and
 *   statements as alone, followed by the context's statements read cleanly.
 *   Chevrotain reads left to right, so what lies past the context cannot
 *   change what it read before.
 * - Near the declaration's end the window runs to its closing brace and is
 *   checked against the next declaration's start (its header and an empty
 *   body), as incremental analysis checks an error confined to one
 *   declaration; with nothing after the declaration, or no closing brace,
 *   chevrotain reads to the end of the file, which is exact.
 * Where a window is not confined, the declaration is read whole, as before.
 * A test compares this with chevrotain's whole reading on thousands of seeded
 * edits, with windows of a few tokens.
 */
import type { IRecognitionException, IToken } from 'chevrotain';
import type { Diagnostic } from '../diagnostics';
import type { SourceFile } from './ast';
import { positionAt } from './buildAst';
import { listOf, tokensOf, type TokenList } from './tokenList';
import * as t from './tokens';
import { parseValid, type WindowReader } from './validParser';

/** How long a declaration must be for its errors to be read in windows, and how large the windows are, in tokens. */
export interface WindowSizes {
  /** Declarations shorter than this are read whole by chevrotain. */
  declarationTokens: number;
  /** The least length of a window, from the statement with the error to a separator at the body's level past the error. */
  windowTokens: number;
  /** The least length of the context read with a window to check that its error's recovery ends inside it. */
  contextTokens: number;
}

/** The sizes `parse` uses: a window of a few dozen statements, checked with more than the parser's resync search (256 tokens). */
export const defaultWindowSizes: WindowSizes = { declarationTokens: 4096, windowTokens: 256, contextTokens: 512 };

/** What chevrotain read of a token stream, with the problems building its AST found. */
export interface ChevrotainReading {
  file: SourceFile;
  errors: IRecognitionException[];
  problems: Diagnostic[];
}

/** Chevrotain's reading of `input` with at most `errorLimit` errors; undefined past them (or past the stack). */
export type ReadWithChevrotain = (input: IToken[], errorLimit: number) => ChevrotainReading | undefined;

/**
 * The window reader for `tokens` (see the file comment): `read` runs
 * chevrotain, `errorLimit` is how many errors it may find in the whole file.
 */
export function windowReader(tokens: TokenList, read: ReadWithChevrotain, errorLimit: number, sizes: WindowSizes): WindowReader {
  const types = tokens.types;
  /** Where token `index` ends, as the direct reading's ranges end. */
  const endOf = (index: number) => positionAt(tokens.ends[index] + 1);
  return (open, from, failed, errorsBefore) => {
    const limit = errorLimit - errorsBefore;
    /** The token the window must reach past. */
    let past = failed;
    let to: number;
    let contextEnd = -1;
    let close = -1;
    // A window whose context holds another error takes that error in and tries again, a few times.
    for (let attempt = 0; attempt < 4; attempt++) {
      // The separators at the body's own level that can end the window and its context, and the body's closing brace.
      let depth = 0;
      to = contextEnd = close = -1;
      for (let i = from; i < tokens.length; i++) {
        const type = types[i];
        if (type === t.LCurly) depth++;
        else if (type === t.RCurly) {
          if (depth === 0) {
            close = i;
            break;
          }
          depth--;
        } else if (depth === 0 && (type === t.Newline || type === t.Semicolon)) {
          if (to < 0) {
            // Past the token the direct reading failed at, which chevrotain must see followed by what follows it.
            if (i - from >= sizes.windowTokens && i > past) to = i;
          } else if (i - to >= sizes.contextTokens) {
            contextEnd = i;
            break;
          }
        }
      }
      const scanned = contextEnd >= 0 ? contextEnd : close >= 0 ? close : tokens.length;
      if (scanned - open < sizes.declarationTokens) return undefined;
      if (contextEnd < 0) break;

      // In the middle of the body: the window, and the window with its context.
      const header = standInHeader(tokens.token(open));
      const context = parseValid(listOf([...header, ...tokensOf(tokens, to, contextEnd), closingAt(tokens.token(contextEnd))]));
      if (!context.complete) {
        past = contextEnd;
        continue;
      }
      const alone = read([...header, ...tokensOf(tokens, from, to), closingAt(tokens.token(to))], limit);
      const together = read([...header, ...tokensOf(tokens, from, contextEnd), closingAt(tokens.token(contextEnd))], limit);
      if (!alone || !together || !oneNetwork(alone.file) || !oneNetwork(together.file) || !sameErrors(alone.errors, together.errors)) return undefined;
      const body = alone.file.networks[0].body;
      if (!same(together.file.networks[0].body, [...body, ...context.networks[0].body]) || !same(together.problems, [...alone.problems, ...context.problems])) return undefined;
      return { statements: body, problems: alone.problems, errors: alone.errors, end: to };
    }
    if (contextEnd >= 0) return undefined;
    const header = standInHeader(tokens.token(open));

    if (close < 0) {
      // No closing brace: chevrotain reads to the end of the file, as it would from the declaration's start, and the
      // declaration ends at the file's last token (when chevrotain's stand-in does; otherwise its recovery ended it earlier).
      const alone = read([...header, ...tokensOf(tokens, from)], limit);
      if (!alone || !oneNetwork(alone.file)) return undefined;
      const [network] = alone.file.networks;
      const declarationEnd = endOf(tokens.length - 1);
      if (from < tokens.length && !same(network.range.end, declarationEnd)) return undefined;
      return { statements: network.body, problems: alone.problems, errors: alone.errors, end: tokens.length, declarationEnd };
    }

    // Near the closing brace: the window runs to it, checked against the next declaration's start. Chevrotain's
    // stand-in must end at that brace, as the declaration does.
    const closed = (reading: ChevrotainReading) => oneNetwork(reading.file) && same(reading.file.networks[0].range.end, endOf(close));
    let next = close + 1;
    while (next < tokens.length && (types[next] === t.Newline || types[next] === t.Semicolon)) next++;
    if (next === tokens.length) {
      const alone = read([...header, ...tokensOf(tokens, from)], limit);
      if (!alone || !closed(alone)) return undefined;
      return { statements: alone.file.networks[0].body, problems: alone.problems, errors: alone.errors, end: close };
    }
    if (types[next] !== t.Network && types[next] !== t.Block) return undefined;
    let nextOpen = next;
    while (nextOpen < tokens.length && types[nextOpen] !== t.LCurly) nextOpen++;
    if (nextOpen === tokens.length) return undefined;
    const alone = read([...header, ...tokensOf(tokens, from, close + 1)], limit);
    const together = read([...header, ...tokensOf(tokens, from, nextOpen + 1), closingAt(tokens.token(nextOpen))], limit);
    if (!alone || !together || !closed(alone) || !sameErrors(alone.errors, together.errors)) return undefined;
    if (together.file.networks.length + together.file.blocks.length !== 2 || !same(together.file.networks[0]?.body, alone.file.networks[0].body)) return undefined;
    if (!same(together.problems.slice(0, alone.problems.length), alone.problems)) return undefined;
    return { statements: alone.file.networks[0].body, problems: alone.problems, errors: alone.errors, end: close };
  };
}

/** `network Window` and the body's own `{`: the stand-in declaration a window is read in. The made-up tokens sit where the `{` is. */
function standInHeader(open: IToken): IToken[] {
  const at = open.startOffset;
  return [t.tokenInstance(t.Network, 'network', at, at), t.tokenInstance(t.Identifier, 'Window', at, at), open];
}

/** A made-up `}` where `token` is, closing the stand-in declaration. */
function closingAt(token: IToken): IToken {
  return t.tokenInstance(t.RCurly, '}', token.startOffset, token.startOffset);
}

function oneNetwork(file: SourceFile): boolean {
  return file.networks.length === 1 && file.blocks.length === 0;
}

/** Whether two readings found the same errors: the same messages at the same tokens. */
function sameErrors(a: IRecognitionException[], b: IRecognitionException[]): boolean {
  const describe = (error: IRecognitionException) => `${error.message}\u0000${error.token.tokenType.name}@${error.token.startOffset}`;
  return a.length === b.length && a.every((error, i) => describe(error) === describe(b[i]));
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
