/**
 * Quick fixes are the core's: each diagnostic carries the repairs it knows
 * (the computed shape for a failing `->`, the padding or stride that reaches
 * it, a projection shortcut, the right `in=`, "did you mean"); a residual
 * mismatch reported at a block call gets the projection shortcut inside the
 * block (the first of the core's proposals that holds). This offers those
 * that touch the requested range, and only those that hold: applying one must
 * clear its diagnostic without adding another (checked by analysing the text
 * the fix would give, once per fix and version, in an analysis worker so a
 * costly file cannot stall other documents). "Fix all" (`source.fixAll`)
 * applies every unambiguous fix that holds and touches no other.
 */
import { CodeAction, CodeActionKind, type CodeActionParams, type TextEdit } from 'vscode-languageserver';
import { applyEdits, blockProjectionFixes, fixClears, type Analysis, type Diagnostic, type Fix, type Range } from '../core';
import { rangesTouch, toCodeAction, toLspDiagnostic, toLspEdits } from './convert';
import type { DocumentStore } from './documents';

/** Whether each fix of an analysis holds, so repeated requests at the same place analyse nothing again. */
const verdicts = new WeakMap<Analysis, Map<Fix, boolean>>();
/** The fix found for a diagnostic that carries none (a block's projection), per analysis, for the same reason. */
const foundFixes = new WeakMap<Analysis, Map<Diagnostic, Fix[]>>();

export async function codeActions(store: DocumentStore, params: CodeActionParams): Promise<CodeAction[]> {
  const only = params.context.only;
  const wants = (kind: string) => !only || only.some((asked) => asked === kind || kind.startsWith(`${asked}.`) || asked === CodeActionKind.Empty);
  // "Fix all" is a source action: offered when asked for (on save, or from the Source Action menu), not in the light bulb.
  const fixAll = !!only && only.some((asked) => asked === CodeActionKind.SourceFixAll || asked === CodeActionKind.Source);
  if (!wants(CodeActionKind.QuickFix) && !fixAll) return [];
  // Editors ask at every cursor move, mostly where no diagnostic is: that is answered from the diagnostics alone,
  // without copying a large analysis out of its worker (seconds of the server's thread for a megabyte file).
  const diagnostics = await store.currentDiagnostics(params.textDocument.uri);
  if (!diagnostics?.some((d) => fixAll || rangesTouch(d.range, params.range))) return [];
  await store.whenAnalysed(params.textDocument.uri);
  const analyzed = store.analysisOf(params.textDocument.uri);
  if (!analyzed) return [];
  const { analysis } = analyzed;
  const text = analyzed.document.getText();
  let known = verdicts.get(analysis);
  if (!known) verdicts.set(analysis, (known = new Map()));
  // A block's proposals are built once per diagnostic: their verdicts are kept by the fix object.
  const proposals = new Map<Diagnostic, Fix[]>();
  const candidates = (diagnostic: Diagnostic): Fix[] => {
    if (diagnostic.fixes?.length) return diagnostic.fixes;
    const found = foundFixes.get(analysis)?.get(diagnostic);
    if (found) return found;
    let list = proposals.get(diagnostic);
    if (!list) proposals.set(diagnostic, (list = blockProjectionFixes(analysis, diagnostic, text)));
    return list;
  };
  // First every fix that may be offered is checked, all at once in a worker; then the answer is built from the verdicts.
  const unchecked: [Diagnostic, Fix][] = [];
  for (const diagnostic of analysis.diagnostics) {
    if (!fixAll && !rangesTouch(diagnostic.range, params.range)) continue;
    for (const fix of candidates(diagnostic)) if (!known.has(fix)) unchecked.push([diagnostic, fix]);
  }
  if (unchecked.length) {
    const after = await store.workers.task(`fixes ${params.textDocument.uri}`, { kind: 'checkFixes', texts: unchecked.map(([, fix]) => applyEdits(text, fix.edits)) });
    unchecked.forEach(([diagnostic, fix], index) => known.set(fix, fixClears(analysis, diagnostic, after[index])));
  }
  const holds = (_diagnostic: Diagnostic, fix: Fix): boolean => known.get(fix) === true;
  const fixesOf = (diagnostic: Diagnostic): Fix[] => {
    if (diagnostic.fixes?.length) return diagnostic.fixes;
    let found = foundFixes.get(analysis);
    if (!found) foundFixes.set(analysis, (found = new Map()));
    let fixes = found.get(diagnostic);
    if (!fixes) {
      // Proposals for a block, best first: the first that holds is the fix (the others would be the same shortcut in other words).
      const first = candidates(diagnostic).find((fix) => holds(diagnostic, fix));
      found.set(diagnostic, (fixes = first ? [first] : []));
    }
    return fixes;
  };
  const actions: CodeAction[] = [];
  if (wants(CodeActionKind.QuickFix)) {
    for (const diagnostic of analysis.diagnostics) {
      if (!rangesTouch(diagnostic.range, params.range)) continue;
      for (const fix of fixesOf(diagnostic)) if (holds(diagnostic, fix)) actions.push(toCodeAction(fix, diagnostic, params.textDocument.uri));
    }
  }
  if (fixAll) {
    const all = fixAllAction(analysis, params.textDocument.uri, holds, fixesOf);
    if (all) actions.push(all);
  }
  return actions;
}

/**
 * One action applying, for every diagnostic of the document, its fix when it
 * is unambiguous (the preferred one, or the only one) and holds, leaving out
 * any fix whose edits touch another's: those are not independent.
 */
function fixAllAction(analysis: Analysis, uri: string, holds: (diagnostic: Diagnostic, fix: Fix) => boolean, fixesOf: (diagnostic: Diagnostic) => Fix[]): CodeAction | undefined {
  const taken: Range[] = [];
  const edits: TextEdit[] = [];
  const fixed: Diagnostic[] = [];
  for (const diagnostic of analysis.diagnostics) {
    const fixes = fixesOf(diagnostic);
    const fix = fixes.find((f) => f.preferred) ?? (fixes.length === 1 ? fixes[0] : undefined);
    if (!fix || !holds(diagnostic, fix)) continue;
    if (fix.edits.some((edit) => taken.some((range) => rangesTouch(range, edit.range)))) continue;
    taken.push(...fix.edits.map((edit) => edit.range));
    edits.push(...toLspEdits(fix));
    fixed.push(diagnostic);
  }
  if (!edits.length) return undefined;
  const action = CodeAction.create(`Fix all (${fixed.length} problem${fixed.length === 1 ? '' : 's'})`, { changes: { [uri]: edits } }, CodeActionKind.SourceFixAll);
  action.diagnostics = fixed.map((d) => toLspDiagnostic(d, uri));
  return action;
}
