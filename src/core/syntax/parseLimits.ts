/**
 * What stops chevrotain's parser early, apart from the parser itself, so that
 * `parse` can tell it from a bug without loading chevrotain (parser.ts is
 * loaded on first use in the preview: webview/src/lazyParser.ts).
 */

/** Thrown when a parse passes `CnnParser.errorLimit` errors; `parse` then reads the file again up to that point. */
export class TooManySyntaxErrors extends Error {}
