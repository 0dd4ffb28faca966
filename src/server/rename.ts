/**
 * Rename of blocks, block parameters and labels: the definition and every
 * reference that resolves to it (for a parameter, also the keyword arguments
 * that name it at calls of its block). A rename that would change what a
 * name refers to is refused with a message, as the TypeScript server does:
 * onto another block or a network, onto another parameter of the same block,
 * or onto another label of the same network or block. The `->` assertions
 * stay aligned: the lines whose arrows shared a column share one after the rename.
 */
import { ResponseError, type PrepareRenameParams, type Range, type RenameParams, type WorkspaceEdit } from 'vscode-languageserver';
import { allOpNames, findOp, type Ast } from '../core';
import { contains, toLspRange } from './convert';
import { keepAssertionsAligned } from './formatting';
import type { DocumentStore } from './documents';
import { indexNames, symbolAt, type NameSymbol } from './names';
import { forEachStatement } from './syntax';

const keywords = new Set(['network', 'block', 'input', 'repeat', 'residual', 'shortcut', 'concat', 'branch', 'true', 'false']);
const ops = new Set(allOpNames());

/** LSP's error code for a request the server refuses (RequestFailed). */
const requestFailed = -32803;

export function prepareRename(store: DocumentStore, params: PrepareRenameParams): { range: Range; placeholder: string } | null {
  const analyzed = store.analysisOf(params.textDocument.uri);
  if (!analyzed) return null;
  const symbol = symbolAt(indexNames(analyzed.analysis.file), params.position);
  if (!symbol) {
    const call = callNameAt(analyzed.analysis.file, params.position);
    if (call && findOp(call.name)) throw new ResponseError(requestFailed, `${call.name} is an op of the language; only blocks, their parameters and labels can be renamed.`);
    return null;
  }
  if (!symbol.definition) throw new ResponseError(requestFailed, `${symbol.name} is not defined in this file, so there is nothing to rename.`);
  const range = [symbol.definition, ...symbol.references].find((r) => contains(r, params.position))!;
  return { range: toLspRange(range), placeholder: symbol.name };
}

export function rename(store: DocumentStore, params: RenameParams): WorkspaceEdit | null {
  const analyzed = store.analysisOf(params.textDocument.uri);
  if (!analyzed) return null;
  const file = analyzed.analysis.file;
  const symbols = indexNames(file);
  const symbol = symbolAt(symbols, params.position);
  if (!symbol?.definition) return null;
  const newName = params.newName.trim();
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(newName)) throw new ResponseError(requestFailed, `"${newName}" is not a name: use letters, digits and _, not starting with a digit.`);
  if (keywords.has(newName)) throw new ResponseError(requestFailed, `"${newName}" is a keyword of the language.`);
  if (newName !== symbol.name) {
    const collision = collisionOf(file, symbols, symbol, newName);
    if (collision) throw new ResponseError(requestFailed, collision);
  }
  const edits = [symbol.definition, ...symbol.references].map((range) => ({ range: toLspRange(range), newText: newName }));
  // A longer or shorter name would push the `->` assertions out of their column: the edit keeps them aligned.
  return { changes: { [params.textDocument.uri]: keepAssertionsAligned(analyzed.document.getText(), edits) } };
}

/** Why renaming `symbol` to `newName` would change what some name refers to, or undefined when it would not. */
function collisionOf(file: Ast.SourceFile, symbols: NameSymbol[], symbol: NameSymbol, newName: string): string | undefined {
  switch (symbol.kind) {
    case 'block':
      // With two definitions, calls run the first; renaming it would hand them to the second.
      if (file.blocks.filter((b) => b.name === symbol.name).length > 1) return `Block ${symbol.name} is defined more than once; remove or rename the other definition first.`;
      // A block named like an op would never be called: the op wins.
      if (ops.has(newName)) return `"${newName}" is an op; a block of that name could not be called.`;
      if (file.blocks.some((b) => b.name === newName)) return `A block named ${newName} already exists; both calls would then run the first one.`;
      if (file.networks.some((n) => n.name === newName)) return `A network named ${newName} already exists; names of networks and blocks must differ.`;
      return undefined;
    case 'parameter': {
      const block = symbol.owner as Ast.BlockDecl;
      if (block.params.some((p) => p.name === newName)) return `Block ${block.name} already has a parameter ${newName}.`;
      return undefined;
    }
    case 'label':
      // Conservative: any label of that name in the same network or block could be shadowed by, or shadow, this one.
      if (symbols.some((s) => s.kind === 'label' && s.name === newName && s.owner === symbol.owner)) {
        return `${symbol.owner?.kind === 'block' ? 'Block' : 'Network'} ${symbol.owner?.name} already has a label ${newName}; renaming onto it would change what add, concat or multiply refer to.`;
      }
      return undefined;
  }
}

/** The call whose name lies under the position, if any. */
function callNameAt(file: Ast.SourceFile, position: { line: number; character: number }): Ast.CallNode | undefined {
  let found: Ast.CallNode | undefined;
  forEachStatement(file, (statement) => {
    if (statement.body.kind === 'call' && contains(statement.body.nameRange, position)) found = statement.body;
  });
  return found;
}
