/** The outline: networks and blocks, with block parameters and labels inside them. */
import { SymbolKind, type DocumentSymbol, type DocumentSymbolParams } from 'vscode-languageserver';
import { formatShape } from '../core';
import { toLspRange } from './convert';
import type { DocumentStore } from './documents';
import { forEachStatement } from './syntax';

export function documentSymbols(store: DocumentStore, params: DocumentSymbolParams): DocumentSymbol[] {
  const analyzed = store.analysisOf(params.textDocument.uri);
  if (!analyzed) return [];
  const { file, networks } = analyzed.analysis;
  const children = new Map<object, DocumentSymbol[]>();
  forEachStatement(file, (statement, owner) => {
    if (!statement.label) return;
    const shape = analyzed.analysis.instances.get(statement)?.[0]?.outShape;
    const list = children.get(owner) ?? [];
    list.push({
      name: statement.label.name,
      detail: shape ? formatShape(shape) : undefined,
      kind: SymbolKind.Variable,
      range: toLspRange(statement.range),
      selectionRange: toLspRange(statement.label.range),
    });
    children.set(owner, list);
  });
  const symbols: DocumentSymbol[] = [];
  for (const block of file.blocks) {
    const params: DocumentSymbol[] = block.params.map((p) => ({ name: p.name, kind: SymbolKind.TypeParameter, range: toLspRange(p.range), selectionRange: toLspRange(p.range) }));
    symbols.push({
      name: block.name,
      detail: `block(${block.params.map((p) => p.name).join(', ')})`,
      kind: SymbolKind.Function,
      range: toLspRange(block.range),
      selectionRange: toLspRange(block.nameRange),
      children: [...params, ...(children.get(block) ?? [])],
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
      children: children.get(network) ?? [],
    });
  }
  return symbols.sort((a, b) => a.range.start.line - b.range.start.line);
}
