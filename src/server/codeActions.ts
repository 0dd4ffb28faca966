/**
 * Quick fixes are the core's: each diagnostic carries the repairs it knows
 * (the computed shape for a failing `->`, the padding or stride that reaches
 * it, a projection shortcut, the right `in=`, "did you mean"). This only
 * offers those that touch the requested range.
 */
import { CodeActionKind, type CodeAction, type CodeActionParams } from 'vscode-languageserver';
import { rangesTouch, toCodeAction } from './convert';
import type { DocumentStore } from './documents';

export function codeActions(store: DocumentStore, params: CodeActionParams): CodeAction[] {
  const only = params.context.only;
  if (only && !only.some((kind) => kind === CodeActionKind.QuickFix || CodeActionKind.QuickFix.startsWith(`${kind}.`) || kind === CodeActionKind.Empty)) return [];
  const analyzed = store.analysisOf(params.textDocument.uri);
  if (!analyzed) return [];
  const actions: CodeAction[] = [];
  for (const diagnostic of analyzed.analysis.diagnostics) {
    if (!diagnostic.fixes?.length || !rangesTouch(diagnostic.range, params.range)) continue;
    for (const fix of diagnostic.fixes) actions.push(toCodeAction(fix, diagnostic, params.textDocument.uri));
  }
  return actions;
}
