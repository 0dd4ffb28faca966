/**
 * Folding ranges: networks, blocks, multi-line compound statements, block
 * comments and runs of `#` lines. A query, answered where the analysis is.
 */
import { FoldingRangeKind, type FoldingRange } from 'vscode-languageserver';
import type { Ast } from '../core';
import { LineIndex } from '../core/syntax/lineIndex';
import { firstOf, type Limited } from './resultLimit';
import { forEachStatement } from './syntax';

/** The folding ranges of a parsed file of `text`, at most `limit` of them (declarations first). */
export function foldingRanges(file: Ast.SourceFile, text: string, limit = Infinity): Limited<FoldingRange> {
  const ranges: FoldingRange[] = [];
  // The closing `}` line stays visible, as in most languages.
  const region = (start: number, end: number) => {
    if (end - 1 > start) ranges.push({ startLine: start, endLine: end - 1 });
  };
  for (const declaration of [...file.networks, ...file.blocks]) region(declaration.range.start.line, declaration.range.end.line);
  forEachStatement(file, (statement) => {
    if (statement.body.kind !== 'call') region(statement.range.start.line, statement.range.end.line);
    if (statement.body.kind === 'residual' && statement.body.shortcutRange) region(statement.body.shortcutRange.start.line, statement.range.end.line);
  });
  let run: { start: number; end: number } | undefined;
  // Made on the first comment that does not start its line: most files need no index of their lines.
  let lines: LineIndex | undefined;
  const flush = () => {
    if (run && run.end > run.start) ranges.push({ startLine: run.start, endLine: run.end, kind: FoldingRangeKind.Comment });
    run = undefined;
  };
  for (const comment of file.comments) {
    if (comment.text.startsWith('/*')) {
      flush();
      if (comment.range.end.line > comment.range.start.line) ranges.push({ startLine: comment.range.start.line, endLine: comment.range.end.line, kind: FoldingRangeKind.Comment });
      continue;
    }
    const line = comment.range.start.line;
    let ownLine = comment.range.start.character === 0;
    if (!ownLine) {
      lines ??= new LineIndex(text);
      ownLine = /^\s*$/.test(text.slice(lines.offset({ line, character: 0 }), lines.offset(comment.range.start)));
    }
    if (!ownLine) {
      flush();
      continue;
    }
    if (run && run.end === line - 1) run.end = line;
    else {
      flush();
      run = { start: line, end: line };
    }
  }
  flush();
  return firstOf(ranges, limit);
}
