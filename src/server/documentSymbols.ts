/**
 * The outline (and breadcrumbs): networks and blocks, block parameters, and
 * every statement of their bodies: layers and block calls with their output
 * shapes, labelled statements under their label, and the statements of
 * `repeat`, `residual`/`shortcut` and `concat` branches nested under them.
 */
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver';
import { findOp, formatShape, type Analysis, type Ast, type Range } from '../core';
import { toLspRange } from './convert';
import type { Limited } from './resultLimit';

/** One outline entry, made when the walk reaches it: its symbol, and its children's entries. */
type Entry = () => { symbol: DocumentSymbol; children: Entry[] };

/**
 * The outline of an analysed file, declarations in source order (a query,
 * answered where the analysis is), with at most `limit` symbols. The walk is
 * breadth first, as VS Code's JSON outline is: a cut outline still lists every
 * network and block, then as many of their statements as fit.
 */
export function outline(analysis: Analysis, limit = Infinity): Limited<DocumentSymbol> {
  const { file, networks } = analysis;
  const analysedBy = new Map(networks.map((analysed) => [analysed.declaration, analysed]));
  const blocks = file.blocks.map((block): [Range, Entry] => [
    block.range,
    () => ({
      symbol: {
        name: block.name,
        detail: `block(${block.params.map((p) => p.name).join(', ')})`,
        kind: SymbolKind.Function,
        range: toLspRange(block.range),
        selectionRange: toLspRange(block.nameRange),
      },
      children: [
        ...block.params.map((p): Entry => () => ({ symbol: { name: p.name, kind: SymbolKind.TypeParameter, range: toLspRange(p.range), selectionRange: toLspRange(p.range) }, children: [] })),
        ...statementEntries(block.body, analysis),
      ],
    }),
  ]);
  const networkEntries = file.networks.map((network): [Range, Entry] => [
    network.range,
    () => {
      const analysed = analysedBy.get(network);
      const io = analysed?.input && analysed.output ? `${formatShape(analysed.input)} → ${formatShape(analysed.output)}` : 'network';
      return {
        symbol: { name: network.name, detail: io, kind: SymbolKind.Class, range: toLspRange(network.range), selectionRange: toLspRange(network.nameRange) },
        children: statementEntries(network.body, analysis),
      };
    },
  ]);
  const declarations = [...blocks, ...networkEntries].sort(([a], [b]) => a.start.line - b.start.line).map(([, entry]) => entry);
  const symbols: DocumentSymbol[] = [];
  const queue = declarations.map((entry) => ({ entry, into: symbols }));
  for (let index = 0; index < queue.length; index++) {
    if (index >= limit) return { items: symbols, limited: true };
    const { entry, into } = queue[index];
    const { symbol, children } = entry();
    into.push(symbol);
    if (!children.length) continue;
    symbol.children = [];
    for (const child of children) queue.push({ entry: child, into: symbol.children });
  }
  return { items: symbols, limited: false };
}

/** One entry per statement, compound statements with their bodies as children. */
function statementEntries(statements: Ast.Statement[], analysis: Analysis): Entry[] {
  return statements.map((statement) => () => {
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
    const children: Entry[] = [];
    if (body.kind === 'repeat') children.push(...statementEntries(body.body, analysis));
    else if (body.kind === 'residual') {
      children.push(...statementEntries(body.body, analysis));
      const { shortcut, shortcutRange } = body;
      if (shortcut && shortcutRange) {
        children.push(() => {
          const selectionRange = toLspRange(shortcutRange);
          const last = shortcut[shortcut.length - 1];
          const whole = { start: selectionRange.start, end: last ? toLspRange(last.range).end : selectionRange.end };
          return { symbol: { name: 'shortcut', kind: SymbolKind.Namespace, range: whole, selectionRange }, children: statementEntries(shortcut, analysis) };
        });
      }
    } else if (body.kind === 'concatBlock') {
      for (const branch of body.branches) {
        children.push(() => ({
          symbol: { name: 'branch', kind: SymbolKind.Namespace, range: toLspRange(branch.range), selectionRange: toLspRange(branch.range) },
          children: statementEntries(branch.body, analysis),
        }));
      }
    }
    return { symbol, children };
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
