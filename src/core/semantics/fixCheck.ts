/**
 * The rule for offering a quick fix: applying it must clear its diagnostic
 * without adding another. A fix is proposed from one statement's numbers; this
 * checks it against the whole file, by analysing the text it would give.
 */
import type { Diagnostic, Fix, TextEdit } from '../diagnostics';
import { splitLines } from '../syntax/lineIndex';
import type { Analysis } from './results';

/** Analyses text; passed in so this file does not import the analyser that imports it. */
type Analyse = (text: string) => Analysis;

/** Where a diagnostic is, for matching before and after an edit that keeps lines where they are. */
function keyOf(d: Diagnostic): string {
  return `${d.code}@${d.range.start.line}`;
}

/**
 * Whether `fix` clears `target` (one of `before.diagnostics`) and adds no
 * diagnostic: after the fix, each kind of finding on each line is at most as
 * frequent as before, and the target's one fewer.
 */
export function fixHolds(text: string, before: Analysis, target: Diagnostic, fix: Fix, analyse: Analyse): boolean {
  return fixClears(before, target, analyse(applyEdits(text, fix.edits)).diagnostics);
}

/**
 * Whether a fix clears `target` (one of `before.diagnostics`) and adds no
 * diagnostic, given the diagnostics of the text it gives (analysed elsewhere:
 * the language server checks fixes in its workers).
 */
export function fixClears(before: Analysis, target: Diagnostic, after: Diagnostic[]): boolean {
  const remaining = new Map<string, number>();
  for (const d of before.diagnostics) remaining.set(keyOf(d), (remaining.get(keyOf(d)) ?? 0) + 1);
  remaining.set(keyOf(target), (remaining.get(keyOf(target)) ?? 1) - 1);
  for (const d of after) {
    const left = remaining.get(keyOf(d)) ?? 0;
    if (left <= 0) return false;
    remaining.set(keyOf(d), left - 1);
  }
  return true;
}

/** Applies non-overlapping edits to text, positions counted as LSP does (UTF-16, lines at `\r\n`, `\n`, `\r`). */
export function applyEdits(text: string, edits: TextEdit[]): string {
  const starts = [0];
  let offset = 0;
  for (const line of splitLines(text)) {
    offset += line.length;
    const rest = text.slice(offset, offset + 2);
    offset += rest.startsWith('\r\n') ? 2 : rest.length ? 1 : 0;
    starts.push(offset);
  }
  const at = (position: { line: number; character: number }) => Math.min(text.length, (starts[position.line] ?? text.length) + position.character);
  const sorted = [...edits].sort((a, b) => at(b.range.start) - at(a.range.start));
  let result = text;
  for (const edit of sorted) result = result.slice(0, at(edit.range.start)) + edit.newText + result.slice(at(edit.range.end));
  return result;
}
