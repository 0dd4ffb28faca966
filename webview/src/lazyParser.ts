/**
 * The preview's stand-in for the core's chevrotain parser module
 * (src/core/syntax/parser.ts), which esbuild.mjs puts in place of it where
 * parse.ts imports it. Valid files are read without chevrotain (the core's
 * direct parser), so the page loads chevrotain and builds its parser only
 * when a file first has a syntax error: that keeps about 135 KB of script
 * out of what the first diagram waits for. Until it has come, `parse` reads
 * what it can without it; the panel then loads it and analyses the text
 * again (`errorParserLoading`), with the same result as in the editor.
 */
import type { CnnParser } from '../../src/core/syntax/parser';

let loaded: CnnParser | undefined;
let loading: Promise<void> | undefined;

/** The parser once loaded; until then undefined, and asking for it starts loading it. */
export function errorParser(): CnnParser | undefined {
  if (!loaded) void loadErrorParser().catch(() => undefined);
  return loaded;
}

/** Loads chevrotain's parser (a chunk of its own) and builds it; settles once `errorParser` returns it. */
export function loadErrorParser(): Promise<void> {
  loading ??= import('../../src/core/syntax/parser').then(
    (module) => {
      loaded = module.errorParser();
    },
    (error: unknown) => {
      // A later syntax error tries again.
      loading = undefined;
      throw error;
    },
  );
  return loading;
}

/**
 * Whether an analysis just made lacked the parser (a file with a syntax error
 * read before it came): then the promise settles once it has loaded, and the
 * text must be analysed again. Undefined when the parser is there or was
 * never asked for.
 */
export function errorParserLoading(): Promise<void> | undefined {
  return loaded ? undefined : loading;
}
