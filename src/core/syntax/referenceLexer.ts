/**
 * Chevrotain's lexer over the token definitions (tokens.ts): the reference the
 * hand lexer (scan.ts) must match exactly, which tests compare it with. No
 * analysis uses it, and it is built on first use: building it costs tens of
 * milliseconds of every process's start otherwise.
 */
import { Lexer } from 'chevrotain';
import { allTokens } from './tokens';

let built: Lexer | undefined;

/** The chevrotain lexer of `.cnn`, built on the first call. */
export function referenceLexer(): Lexer {
  // Offsets only: positions come from a line table when ranges are built (lineIndex.ts), which keeps tokens small.
  built ??= new Lexer(allTokens, { positionTracking: 'onlyOffset', ensureOptimizations: false });
  return built;
}
