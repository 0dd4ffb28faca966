/**
 * A conservative formatter: it re-indents each line by brace depth, puts one
 * space after each comma (none before), trims trailing whitespace and ends the
 * file with one newline. Everything else stays as written: comments (their
 * text and position on the line), blank lines, column alignment of `->` and
 * `#`, the inside of `/* *\/` comments, and the indentation of argument lines
 * continued inside parentheses. Formatting its own output changes nothing.
 */
import type { DocumentFormattingParams, TextEdit } from 'vscode-languageserver';
import type { DocumentStore } from './documents';

/** How to indent: the editor's tab size and whether it inserts spaces. */
export interface IndentOptions {
  tabSize: number;
  insertSpaces: boolean;
}

export function formatDocument(store: DocumentStore, params: DocumentFormattingParams): TextEdit[] {
  const document = store.documents.get(params.textDocument.uri);
  if (!document) return [];
  const text = document.getText();
  const formatted = formatText(text, params.options);
  if (formatted === text) return [];
  return [{ range: { start: { line: 0, character: 0 }, end: document.positionAt(text.length) }, newText: formatted }];
}

/** Formats `.cnn` source text; pure, so the CLI or tests can call it directly. */
export function formatText(text: string, options: IndentOptions): string {
  const eol = text.includes('\r\n') ? '\r\n' : /\r(?!\n)/.test(text) ? '\r' : '\n';
  const unit = options.insertSpaces ? ' '.repeat(Math.max(1, options.tabSize)) : '\t';
  // LSP's line breaks; and only spaces and tabs are trimmed, never a BOM or a Unicode space the lexer reports, so formatting changes no token.
  const lines = text.split(/\r\n?|\n/);
  const state: ScanState = { braces: 0, parens: 0, inBlockComment: false };
  const output: string[] = [];
  for (const line of lines) {
    const startedInComment = state.inBlockComment;
    const startedInParens = state.parens > 0;
    const depthBefore = state.braces;
    const code = normalizeLine(line, state);
    if (startedInComment) {
      output.push(trimBlanks(line, 'end'));
      continue;
    }
    const content = trimBlanks(code, 'both');
    if (!content) {
      output.push('');
      continue;
    }
    if (startedInParens) {
      // A continued argument list may be aligned by hand; its indentation is the author's.
      output.push(line.match(/^[ \t]*/)![0] + content);
      continue;
    }
    const depth = Math.max(0, depthBefore - (content.startsWith('}') ? 1 : 0));
    output.push(unit.repeat(depth) + content);
  }
  while (output.length && output[output.length - 1] === '') output.pop();
  return output.length ? output.join(eol) + eol : '';
}

/** Trims spaces and tabs only (String.trim would also take a BOM, U+3000 or U+2028, which are not blanks to the lexer). */
function trimBlanks(text: string, side: 'end' | 'both'): string {
  const end = text.replace(/[ \t]+$/, '');
  return side === 'end' ? end : end.replace(/^[ \t]+/, '');
}

interface ScanState {
  braces: number;
  parens: number;
  inBlockComment: boolean;
}

/** The line with comma spacing normalised outside strings and comments; updates bracket depths. */
function normalizeLine(line: string, state: ScanState): string {
  let out = '';
  let i = 0;
  while (i < line.length) {
    if (state.inBlockComment) {
      const end = line.indexOf('*/', i);
      if (end < 0) return out + line.slice(i);
      out += line.slice(i, end + 2);
      i = end + 2;
      state.inBlockComment = false;
      continue;
    }
    const char = line[i];
    if (char === '#') return out + line.slice(i);
    if (char === '/' && line[i + 1] === '*') {
      state.inBlockComment = true;
      out += '/*';
      i += 2;
      continue;
    }
    if (char === '"' || char === "'") {
      const end = line.indexOf(char, i + 1);
      const stop = end < 0 ? line.length : end + 1;
      out += line.slice(i, stop);
      i = stop;
      continue;
    }
    if (char === ',') {
      out = out.replace(/[ \t]+$/, '') + ',';
      i++;
      while (line[i] === ' ' || line[i] === '\t') i++;
      // A comma that ends the line (or closes a tuple) needs no space after it.
      if (i < line.length && line[i] !== ')') out += ' ';
      continue;
    }
    if (char === '{') state.braces++;
    else if (char === '}') state.braces = Math.max(0, state.braces - 1);
    else if (char === '(') state.parens++;
    else if (char === ')') state.parens = Math.max(0, state.parens - 1);
    // Braces never occur inside parentheses; one means a ')' was forgotten (the parser does the same).
    if (char === '{' || char === '}') state.parens = 0;
    out += char;
    i++;
  }
  return out;
}
