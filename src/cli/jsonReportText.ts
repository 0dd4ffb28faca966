/**
 * The text of `cnn check --json`: exactly what `JSON.stringify({ files,
 * error }, null, 2)` writes, put together from each network's JSON made on
 * its own. With `--batch`, a network's memory comes from a worker thread as
 * it is analysed (trainingMemory.ts), so each network is written out as soon
 * as its memory is known instead of stringifying one 58 MB report at the end
 * (a file of 20,000 networks: 0.3 s after the last figure).
 */
import type { JsonDiagnostic, JsonNetwork } from '../core';

/**
 * `JSON.stringify(value, null, 2)` laid out as it would be `depth` arrays
 * deep in the report (each level indents two spaces more): stringified
 * inside that many arrays, whose brackets are then cut off. Re-indenting the
 * text afterwards would pass over every line again (a megabyte file's
 * report has two million).
 */
function nested(value: unknown, depth: number): string {
  let wrapped: unknown = value;
  for (let level = 0; level < depth; level++) wrapped = [wrapped];
  const text = JSON.stringify(wrapped, null, 2);
  let start = 0;
  let end = text.length;
  for (let level = 0; level < depth; level++) {
    start += `[\n${' '.repeat(2 * (level + 1))}`.length;
    end -= `\n${' '.repeat(2 * level)}]`.length;
  }
  return text.slice(start, end);
}

/** A JSON array of texts already indented for `indent`, as `JSON.stringify` lays one out there. */
function array(texts: string[], indent: number): string {
  if (texts.length === 0) return '[]';
  const inside = ' '.repeat(indent + 2);
  return `[\n${inside}${texts.join(`,\n${inside}`)}\n${' '.repeat(indent)}]`;
}

/** How deep a network's text sits: in "networks" of a file in "files" (two objects and two arrays, each two spaces). */
const networkDepth = 4;

/** A network's JSON text, laid out for its place in the report. */
export function networkText(network: JsonNetwork): string {
  return nested(network, networkDepth);
}

/** One file's JSON text (`path`, `diagnostics`, then `networks`, the contract's key order) from its networks' texts. */
export function fileText(path: string, diagnostics: JsonDiagnostic[], networkTexts: string[]): string {
  const head = nested({ path, diagnostics }, 2);
  // The head ends with its closing brace on a line of its own; the networks go before it.
  const closing = '\n    }';
  return `${head.slice(0, -closing.length)},\n      "networks": ${array(networkTexts, 6)}${closing}`;
}

/** The whole report's text from its files' texts, with the internal error where there was one. */
export function reportText(fileTexts: string[], error?: unknown): string {
  return `{\n  "files": ${array(fileTexts, 2)}${error === undefined ? '' : `,\n  "error": ${nested(error, 1)}`}\n}`;
}
