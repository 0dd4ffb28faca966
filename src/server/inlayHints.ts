/**
 * Inlay hints at the end of each statement: its output shape (unless an
 * `-> shape` assertion already says exactly that) and, when enabled, its
 * trainable parameters. A statement inside a block shows every distinct
 * shape its calls produce.
 */
import { InlayHintKind, type InlayHint, type Range } from 'vscode-languageserver';
import { formatShape, type Analysis } from '../core';
import type { CnnLensSettings } from '../protocol/messages';
import { contains } from './convert';
import { withCommas } from './describe';
import { renderedColumns } from './renderedColumns';
import type { Limited } from './resultLimit';
import { forEachStatement } from './syntax';

/** Past this many distinct shapes for one statement, the hint says "…". */
const shapesShown = 3;

/** Which hints to show (the `cnnLens.inlayHints` settings). */
export type InlayHintSettings = CnnLensSettings['inlayHints'];

/**
 * The hints of the statements that end inside `range` and before column
 * `renderedColumns` of their line, the first `limit` of them. Pure,
 * so that an analysis worker can answer it for a large document and send back
 * only the hints of the visible range.
 */
export function inlayHintsOf(analysis: Analysis, range: Range, settings: InlayHintSettings, limit = Infinity): Limited<InlayHint> {
  const { shapes, params: showParams } = settings;
  let limited = false;
  if (!shapes && !showParams) return { items: [], limited };
  const hints: InlayHint[] = [];
  const { file, instances } = analysis;
  forEachStatement(file, (statement) => {
    const end = statement.range.end;
    if (limited || end.character >= renderedColumns || !contains(range, end)) return;
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
    if (hints.length >= limit) {
      limited = true;
      return;
    }
    hints.push({ position: { ...end }, label: parts.join('  '), kind: InlayHintKind.Type, paddingLeft: true });
  });
  return { items: hints, limited };
}
