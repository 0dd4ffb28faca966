/**
 * What the cursor is in while the user types arguments, read from the text
 * rather than the AST because half-typed calls rarely parse: the call's name,
 * which argument (by position or keyword), and what has been typed of it.
 */
import type { Position } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';

/** The call around the cursor. */
export interface CallContext {
  /** The op or block name before the open parenthesis. */
  name: string;
  /** Zero-based index of the argument under the cursor, counting commas at the call's depth. */
  argumentIndex: number;
  /** The keyword of the argument under the cursor when it is `key = ...`. */
  keyword?: string;
  /** Keywords already given in this call. */
  givenKeywords: string[];
  /** True when the cursor sits inside a string literal. */
  inString: boolean;
  /** The argument text from its start to the cursor. */
  typed: string;
}

/** How far back to look for the open parenthesis: calls are short, documents can be huge. */
const lookBehind = 2000;

export function callContextAt(document: TextDocument, position: Position): CallContext | undefined {
  const offset = document.offsetAt(position);
  const start = Math.max(0, offset - lookBehind);
  const text = document.getText().slice(start, offset);
  const cleaned = blankCommentsAndStrings(text);
  let depth = 0;
  let commas = 0;
  let nearestComma = -1;
  for (let i = cleaned.length - 1; i >= 0; i--) {
    const char = cleaned[i];
    if (char === ')') depth++;
    else if (char === '(') {
      if (depth === 0) {
        const name = /([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(cleaned.slice(0, i))?.[1];
        if (!name) return undefined;
        const argumentStart = nearestComma >= 0 ? nearestComma + 1 : i + 1;
        const givenKeywords = [...topLevel(cleaned.slice(i + 1)).matchAll(/(?:^|,)\s*([A-Za-z_][A-Za-z0-9_]*)\s*=/g)].map((m) => m[1]);
        const keyword = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(cleaned.slice(argumentStart))?.[1];
        return { name, argumentIndex: commas, keyword, givenKeywords, inString: insideString(text), typed: text.slice(argumentStart) };
      }
      depth--;
    } else if (char === ',' && depth === 0) {
      if (nearestComma < 0) nearestComma = i;
      commas++;
    } else if ((char === '{' || char === '}') && depth === 0) return undefined;
  }
  return undefined;
}

/** Text with the insides of nested parentheses removed, so their commas and `=` do not count. */
function topLevel(inside: string): string {
  let depth = 0;
  let out = '';
  for (const char of inside) {
    if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (depth === 0) out += char;
  }
  return out;
}

/** Replaces comments and string contents by spaces, keeping offsets, so brackets inside them are ignored. */
function blankCommentsAndStrings(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const char = text[i];
    if (char === '#') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      out += ' '.repeat(stop - i);
      i = stop;
    } else if (char === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (char === '"' || char === "'") {
      let end = i + 1;
      while (end < text.length && text[end] !== char && text[end] !== '\n') end++;
      const stop = Math.min(end + 1, text.length);
      out += char + ' '.repeat(Math.max(0, stop - i - 2)) + (stop - i >= 2 && text[stop - 1] === char ? char : ' ');
      i = stop;
    } else {
      out += char;
      i++;
    }
  }
  return out;
}

/** Whether the text ends inside an unclosed string on its last line. */
function insideString(text: string): boolean {
  const line = text.slice(text.lastIndexOf('\n') + 1).replace(/#.*$/, '');
  let quote: string | undefined;
  for (const char of line) {
    if (quote) {
      if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") quote = char;
  }
  return quote !== undefined;
}
