/** Go to definition and find references for blocks, block parameters and labels. */
import type { DefinitionParams, Location, ReferenceParams } from 'vscode-languageserver';
import { toLspRange } from './convert';
import type { DocumentStore } from './documents';
import { indexNames, symbolAt } from './names';

export function definition(store: DocumentStore, params: DefinitionParams): Location | null {
  const analyzed = store.analysisOf(params.textDocument.uri);
  if (!analyzed) return null;
  const symbol = symbolAt(indexNames(analyzed.analysis.file), params.position);
  if (!symbol?.definition) return null;
  return { uri: params.textDocument.uri, range: toLspRange(symbol.definition) };
}

export function references(store: DocumentStore, params: ReferenceParams): Location[] {
  const analyzed = store.analysisOf(params.textDocument.uri);
  if (!analyzed) return [];
  const symbol = symbolAt(indexNames(analyzed.analysis.file), params.position);
  if (!symbol) return [];
  const ranges = [...(params.context.includeDeclaration && symbol.definition ? [symbol.definition] : []), ...symbol.references];
  return ranges.map((range) => ({ uri: params.textDocument.uri, range: toLspRange(range) }));
}
