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

/** A single-line replacement, as rename produces. */
interface LineEdit {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  newText: string;
}

/** The column of a line's `->` outside strings and comments, or -1. */
function arrowColumn(line: string): number {
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (char === '#' || (char === '/' && line[i + 1] === '*')) return -1;
    if (char === '"' || char === "'") {
      const end = line.indexOf(char, i + 1);
      if (end < 0) return -1;
      i = end;
      continue;
    }
    if (char === '-' && line[i + 1] === '>') return i;
  }
  return -1;
}

/**
 * Single-line edits (a rename's) that keep the `->` assertions aligned. The
 * lines whose `->` stood in one column before the edits (two or more) form a group; an
 * edited line's `->` goes back to that column, and when an edited line has
 * grown past it, every line of the group moves to the first column that fits
 * them all. An edited line of a group is then replaced whole (its rename and
 * its spacing in one edit, so no two edits overlap); other edits pass as they are.
 */
export function keepAssertionsAligned(text: string, edits: LineEdit[]): LineEdit[] {
  const lines = text.split(/\r\n|\n|\r/);
  const byLine = new Map<number, LineEdit[]>();
  for (const edit of edits) {
    if (edit.range.start.line !== edit.range.end.line) return edits;
    const list = byLine.get(edit.range.start.line) ?? [];
    list.push(edit);
    byLine.set(edit.range.start.line, list);
  }
  const edited = new Map<number, string>();
  for (const [line, list] of byLine) {
    let result = lines[line] ?? '';
    for (const edit of [...list].sort((a, b) => b.range.start.character - a.range.start.character)) {
      result = result.slice(0, edit.range.start.character) + edit.newText + result.slice(edit.range.end.character);
    }
    edited.set(line, result);
  }
  const oldColumns = lines.map(arrowColumn);
  const groups = new Set<number>();
  for (const line of byLine.keys()) if (oldColumns[line] >= 0 && arrowColumn(edited.get(line)!) >= 0) groups.add(oldColumns[line]);
  if (!groups.size) return edits;
  const replaced = new Map<number, string>();
  for (const column of groups) {
    const members = oldColumns.flatMap((c, line) => (c === column ? [line] : []));
    // A lone `->` is aligned with nothing: its line keeps the spacing the rename gives it.
    if (members.length < 2) continue;
    const parts = members.map((line) => {
      const current = edited.get(line) ?? lines[line];
      const arrow = arrowColumn(current);
      return { line, code: current.slice(0, arrow).replace(/[ \t]+$/, ''), rest: current.slice(arrow) };
    });
    const target = Math.max(column, ...parts.map((p) => p.code.length + 1));
    for (const part of parts) {
      const line = part.code.padEnd(target) + part.rest;
      if (line !== lines[part.line]) replaced.set(part.line, line);
    }
  }
  const kept = edits.filter((edit) => !replaced.has(edit.range.start.line));
  const whole = [...replaced].map(([line, newText]) => ({ range: { start: { line, character: 0 }, end: { line, character: lines[line].length } }, newText }));
  return [...kept, ...whole].sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}
