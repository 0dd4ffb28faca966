/**
 * Quick fixes are the core's: each diagnostic carries the repairs it knows
 * (the computed shape for a failing `->`, the padding or stride that reaches
 * it, a projection shortcut, the right `in=`, "did you mean"). This offers
 * those that touch the requested range, and only those that hold: applying
 * one must clear its diagnostic without adding another (checked by analysing
 * the text the fix would give, once per fix and version).
 */
import { CodeActionKind, type CodeAction, type CodeActionParams } from 'vscode-languageserver';
import { analyze, fixHolds, type Analysis, type Fix } from '../core';
import { rangesTouch, toCodeAction } from './convert';
import type { DocumentStore } from './documents';

/** Whether each fix of an analysis holds, so repeated requests at the same place analyse nothing again. */
const verdicts = new WeakMap<Analysis, Map<Fix, boolean>>();

export function codeActions(store: DocumentStore, params: CodeActionParams): CodeAction[] {
  const only = params.context.only;
  if (only && !only.some((kind) => kind === CodeActionKind.QuickFix || CodeActionKind.QuickFix.startsWith(`${kind}.`) || kind === CodeActionKind.Empty)) return [];
  const analyzed = store.analysisOf(params.textDocument.uri);
  if (!analyzed) return [];
  const { analysis } = analyzed;
  let known = verdicts.get(analysis);
  if (!known) verdicts.set(analysis, (known = new Map()));
  const actions: CodeAction[] = [];
  for (const diagnostic of analysis.diagnostics) {
    if (!diagnostic.fixes?.length || !rangesTouch(diagnostic.range, params.range)) continue;
    for (const fix of diagnostic.fixes) {
      let holds = known.get(fix);
      if (holds === undefined) {
        holds = fixHolds(analyzed.document.getText(), analysis, diagnostic, fix, analyze);
        known.set(fix, holds);
      }
      if (holds) actions.push(toCodeAction(fix, diagnostic, params.textDocument.uri));
    }
  }
  return actions;
}
