/**
 * The outline (and breadcrumbs): networks and blocks, block parameters, and
 * every statement of their bodies: layers and block calls with their output
 * shapes, labelled statements under their label, and the statements of
 * `repeat`, `residual`/`shortcut` and `concat` branches nested under them.
 */
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver';
import { findOp, formatShape, type Analysis, type Ast } from '../core';
import { toLspRange } from './convert';

/** The outline of an analysed file, declarations in source order (a query, answered where the analysis is). */
export function outline(analysis: Analysis): DocumentSymbol[] {
  const { file, networks } = analysis;
  const symbols: DocumentSymbol[] = [];
  for (const block of file.blocks) {
    const params: DocumentSymbol[] = block.params.map((p) => ({ name: p.name, kind: SymbolKind.TypeParameter, range: toLspRange(p.range), selectionRange: toLspRange(p.range) }));
    symbols.push({
      name: block.name,
      detail: `block(${block.params.map((p) => p.name).join(', ')})`,
      kind: SymbolKind.Function,
      range: toLspRange(block.range),
      selectionRange: toLspRange(block.nameRange),
      children: [...params, ...statementSymbols(block.body, analysis)],
    });
  }
  for (const network of file.networks) {
    const analysed = networks.find((n) => n.declaration === network);
    const io = analysed?.input && analysed.output ? `${formatShape(analysed.input)} → ${formatShape(analysed.output)}` : 'network';
    symbols.push({
      name: network.name,
      detail: io,
      kind: SymbolKind.Class,
      range: toLspRange(network.range),
      selectionRange: toLspRange(network.nameRange),
      children: statementSymbols(network.body, analysis),
    });
  }
  return symbols.sort((a, b) => a.range.start.line - b.range.start.line);
}

/** One symbol per statement, compound statements with their bodies as children. */
function statementSymbols(statements: Ast.Statement[], analysis: Analysis): DocumentSymbol[] {
  return statements.map((statement) => {
    const body = statement.body;
    const shape = analysis.instances.get(statement)?.[0]?.outShape;
    const detail = shape ? formatShape(shape) : undefined;
    const range = toLspRange(statement.range);
    const nameRange = toLspRange(statement.label?.range ?? (body.kind === 'call' ? body.nameRange : body.keywordRange));
    const written = body.kind === 'call' ? body.name : body.kind === 'repeat' ? `repeat(${countText(body.count)})` : body.kind === 'concatBlock' ? 'concat' : 'residual';
    const symbol: DocumentSymbol = {
      // A label names the statement, as in the source.
      name: statement.label ? statement.label.name : written,
      detail: detail ?? (statement.label ? written : undefined),
      kind: statement.label ? SymbolKind.Variable : kindOf(body),
      range,
      selectionRange: nameRange,
    };
    if (body.kind === 'repeat') symbol.children = statementSymbols(body.body, analysis);
    else if (body.kind === 'residual') {
      symbol.children = statementSymbols(body.body, analysis);
      if (body.shortcut && body.shortcutRange) {
        const shortcutRange = toLspRange(body.shortcutRange);
        const last = body.shortcut[body.shortcut.length - 1];
        const whole = { start: shortcutRange.start, end: last ? toLspRange(last.range).end : shortcutRange.end };
        symbol.children.push({ name: 'shortcut', kind: SymbolKind.Namespace, range: whole, selectionRange: shortcutRange, children: statementSymbols(body.shortcut, analysis) });
      }
    } else if (body.kind === 'concatBlock') {
      symbol.children = body.branches.map((branch) => ({
        name: 'branch',
        kind: SymbolKind.Namespace,
        range: toLspRange(branch.range),
        selectionRange: toLspRange(branch.range),
        children: statementSymbols(branch.body, analysis),
      }));
    }
    return symbol;
  });
}

function kindOf(body: Ast.StatementBody): SymbolKind {
  if (body.kind !== 'call') return SymbolKind.Namespace;
  if (body.name === 'input') return SymbolKind.Constant;
  return findOp(body.name) ? SymbolKind.Method : SymbolKind.Object;
}

/** The repeat count as written: a number or a parameter name. */
function countText(count: Ast.Expr | undefined): string {
  if (!count) return '…';
  if (count.kind === 'number') return count.text;
  if (count.kind === 'name') return count.name;
  return '…';
}
