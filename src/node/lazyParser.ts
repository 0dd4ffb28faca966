/**
 * The command line's, the language server's and the extension's stand-in for
 * the core's chevrotain parser module (src/core/syntax/parser.ts), which
 * esbuild.mjs puts in place of it where parse.ts imports it. Valid files are
 * read without chevrotain (the core's direct parser), so chevrotain is
 * loaded, and its parser built, on the first syntax error instead of at every
 * start: `cnn check` of a valid file starts about 20 ms sooner.
 */
import type * as ParserModule from '../core/syntax/parser';

let parser: ParserModule.CnnParser | undefined;

/** The core's parser, loading chevrotain on the first call. */
export function errorParser(): ParserModule.CnnParser | undefined {
  // A require() inside an esbuild bundle evaluates the module it names (and chevrotain) on this first call, not when the bundle loads.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  parser ??= (require('../core/syntax/parser') as typeof ParserModule).errorParser();
  return parser;
}
