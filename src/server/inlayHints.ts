/**
 * Inlay hints at the end of each statement: its output shape (unless an
 * `-> shape` assertion already says exactly that) and, when enabled, its
 * trainable parameters. A statement inside a block shows every distinct
 * shape its calls produce.
 */
import { InlayHintKind, type InlayHint, type InlayHintParams } from 'vscode-languageserver';
import { formatShape } from '../core';
import { contains } from './convert';
import { withCommas } from './describe';
import type { DocumentStore } from './documents';
import type { Settings } from './settings';
import { forEachStatement } from './syntax';

/** Past this many distinct shapes for one statement, the hint says "…". */
const shapesShown = 3;

export function inlayHints(store: DocumentStore, settings: Settings, params: InlayHintParams): InlayHint[] {
  const analyzed = store.analysisOf(params.textDocument.uri);
  if (!analyzed) return [];
  const { shapes, params: showParams } = settings.current.inlayHints;
  if (!shapes && !showParams) return [];
  const hints: InlayHint[] = [];
  const { file, instances } = analyzed.analysis;
  forEachStatement(file, (statement) => {
    const end = statement.range.end;
    if (!contains(params.range, end)) return;
    if (statement.body.kind === 'call' && statement.body.name === 'input') return;
    const results = instances.get(statement);
    if (!results?.length) return;
    const parts: string[] = [];
    if (shapes) {
      const distinct = [...new Set(results.filter((r) => r.outShape).map((r) => formatShape(r.outShape!)))];
      const asserted = statement.assertion ? formatShape(statement.assertion.dims) : undefined;
      if (distinct.length && !(distinct.length === 1 && distinct[0] === asserted)) {
        parts.push(`→ ${distinct.slice(0, shapesShown).join(' | ')}${distinct.length > shapesShown ? ' | …' : ''}`);
      }
    }
    if (showParams && results[0].params.trainable > 0) parts.push(`${withCommas(results[0].params.trainable)} params`);
    if (!parts.length) return;
    hints.push({ position: { ...end }, label: parts.join('  '), kind: InlayHintKind.Type, paddingLeft: true });
  });
  return hints;
}
