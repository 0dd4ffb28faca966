/** Rename of blocks, block parameters and labels: the definition and every reference that resolves to it. */
import { ResponseError, type PrepareRenameParams, type Range, type RenameParams, type WorkspaceEdit } from 'vscode-languageserver';
import { allOpNames } from '../core';
import { toLspRange } from './convert';
import type { DocumentStore } from './documents';
import { indexNames, symbolAt } from './names';

const keywords = new Set(['network', 'block', 'input', 'repeat', 'residual', 'shortcut', 'concat', 'branch', 'true', 'false']);
const ops = new Set(allOpNames());

/** LSP's error code for a request the server refuses (RequestFailed). */
const requestFailed = -32803;

export function prepareRename(store: DocumentStore, params: PrepareRenameParams): { range: Range; placeholder: string } | null {
  const analyzed = store.analysisOf(params.textDocument.uri);
  if (!analyzed) return null;
  const symbol = symbolAt(indexNames(analyzed.analysis.file), params.position);
  if (!symbol?.definition) return null;
  const range = [symbol.definition, ...symbol.references].find((r) => r.start.line === params.position.line && r.start.character <= params.position.character && params.position.character <= r.end.character)!;
  return { range: toLspRange(range), placeholder: symbol.name };
}

export function rename(store: DocumentStore, params: RenameParams): WorkspaceEdit | null {
  const analyzed = store.analysisOf(params.textDocument.uri);
  if (!analyzed) return null;
  const symbol = symbolAt(indexNames(analyzed.analysis.file), params.position);
  if (!symbol?.definition) return null;
  const newName = params.newName.trim();
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(newName)) throw new ResponseError(requestFailed, `"${newName}" is not a name: use letters, digits and _, not starting with a digit.`);
  if (keywords.has(newName)) throw new ResponseError(requestFailed, `"${newName}" is a keyword of the language.`);
  // A block named like an op would never be called: the op wins.
  if (symbol.kind === 'block' && ops.has(newName)) throw new ResponseError(requestFailed, `"${newName}" is an op; a block of that name could not be called.`);
  const edits = [symbol.definition, ...symbol.references].map((range) => ({ range: toLspRange(range), newText: newName }));
  return { changes: { [params.textDocument.uri]: edits } };
}
