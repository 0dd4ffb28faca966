/**
 * Workspace symbols (Ctrl+T): the networks, blocks and labels of every open
 * `.cnn` document whose name matches the query as a subsequence, as VS Code's
 * own filtering does (`dc` finds `DoubleConv`).
 */
import { SymbolKind, type SymbolInformation, type WorkspaceSymbolParams } from 'vscode-languageserver';
import { toLspRange } from './convert';
import type { DocumentStore } from './documents';
import { forEachStatement } from './syntax';

/** Past this many results a list is no help; the user types more. */
const maxResults = 500;

export function workspaceSymbols(store: DocumentStore, params: WorkspaceSymbolParams): SymbolInformation[] {
  const query = (params.query ?? '').toLowerCase();
  const results: SymbolInformation[] = [];
  for (const document of store.documents.all()) {
    if (document.languageId !== 'cnn' && !document.uri.endsWith('.cnn')) continue;
    const analyzed = store.analysisOf(document.uri);
    if (!analyzed) continue;
    const { file } = analyzed.analysis;
    const add = (name: string, kind: SymbolKind, range: Parameters<typeof toLspRange>[0], containerName?: string) => {
      if (results.length < maxResults && matches(name.toLowerCase(), query)) results.push({ name, kind, location: { uri: document.uri, range: toLspRange(range) }, containerName });
    };
    for (const network of file.networks) add(network.name, SymbolKind.Class, network.nameRange);
    for (const block of file.blocks) add(block.name, SymbolKind.Function, block.nameRange);
    forEachStatement(file, (statement, owner) => {
      if (statement.label) add(statement.label.name, SymbolKind.Variable, statement.label.range, owner.name);
    });
  }
  return results;
}

/** Whether the query's characters appear in the name in order. */
function matches(name: string, query: string): boolean {
  let at = 0;
  for (const char of query) {
    at = name.indexOf(char, at) + 1;
    if (at === 0) return false;
  }
  return true;
}
