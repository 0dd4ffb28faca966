/**
 * Core → LSP conversion. The core already speaks zero-based, UTF-16 positions
 * (what the LSP uses), so ranges pass through; only severities, related
 * information and fixes change form.
 */
import { CodeAction, CodeActionKind, DiagnosticSeverity, type Diagnostic as LspDiagnostic, type Range as LspRange, type TextEdit as LspTextEdit } from 'vscode-languageserver';
import type { Diagnostic, Fix, Range, Severity } from '../core';

/** The `source` field of every diagnostic, shown next to the message in editors. */
export const diagnosticSource = 'cnn';

const severities: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

export function toLspRange(range: Range): LspRange {
  return { start: { ...range.start }, end: { ...range.end } };
}

/** A core diagnostic as the LSP sends it; related locations point into the same document. */
export function toLspDiagnostic(diagnostic: Diagnostic, uri: string): LspDiagnostic {
  const converted: LspDiagnostic = {
    range: toLspRange(diagnostic.range),
    severity: severities[diagnostic.severity],
    code: diagnostic.code,
    source: diagnosticSource,
    message: diagnostic.message,
  };
  if (diagnostic.related?.length) {
    converted.relatedInformation = diagnostic.related.map((r) => ({ location: { uri, range: toLspRange(r.range) }, message: r.message }));
  }
  return converted;
}

export function toLspEdits(fix: Fix): LspTextEdit[] {
  return fix.edits.map((e) => ({ range: toLspRange(e.range), newText: e.newText }));
}

/** A core fix as a quick-fix code action that edits `uri`. */
export function toCodeAction(fix: Fix, diagnostic: Diagnostic, uri: string): CodeAction {
  const action = CodeAction.create(fix.title, { changes: { [uri]: toLspEdits(fix) } }, CodeActionKind.QuickFix);
  action.diagnostics = [toLspDiagnostic(diagnostic, uri)];
  if (fix.preferred) action.isPreferred = true;
  return action;
}

/** Whether two ranges share a position (touching counts, so a cursor at a squiggle's end still finds it). */
export function rangesTouch(a: LspRange, b: LspRange): boolean {
  return !(before(a.end, b.start) || before(b.end, a.start));
}

/** Whether `position` lies in `range`, both ends included. */
export function contains(range: LspRange, position: { line: number; character: number }): boolean {
  return !before(position, range.start) && !before(range.end, position);
}

function before(a: { line: number; character: number }, b: { line: number; character: number }): boolean {
  return a.line < b.line || (a.line === b.line && a.character < b.character);
}
