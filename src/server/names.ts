/**
 * The names a user can navigate: blocks, block parameters and labels, each
 * with its definition and every reference that resolves to it. Definition,
 * references, rename, highlights and the outline all read this one index.
 *
 * Labels follow the language's scoping: a label is visible after its
 * statement in its own body and in the bodies nested in it; a block body
 * starts a fresh scope; a later label of the same name shadows the earlier.
 */
import type { Position, Range } from 'vscode-languageserver';
import { findOp, type Ast } from '../core';
import { contains } from './convert';
import { innerBodies, subExpressions } from './syntax';

/** One navigable name. */
export interface NameSymbol {
  kind: 'block' | 'parameter' | 'label';
  name: string;
  /** Where it is defined; absent for references to something undefined. */
  definition?: Range;
  references: Range[];
  /** The declaration the name belongs to (the block itself for a block). */
  owner?: Ast.NetworkDecl | Ast.BlockDecl;
}

interface LabelScope {
  labels: Map<string, NameSymbol>;
  parent?: LabelScope;
}

/** Builds the index of every block, parameter and label of a file. */
export function indexNames(file: Ast.SourceFile): NameSymbol[] {
  const symbols: NameSymbol[] = [];
  const blocks = new Map<string, NameSymbol>();
  for (const block of file.blocks) {
    // With duplicate block names, the first definition wins, as in the analysis.
    if (blocks.has(block.name)) continue;
    const symbol: NameSymbol = { kind: 'block', name: block.name, definition: block.nameRange, references: [], owner: block };
    blocks.set(block.name, symbol);
    symbols.push(symbol);
  }

  // Parameters first, so that a call's keyword arguments (`Down(16, stride=1)`) can refer to the called block's.
  const paramsOf = new Map<Ast.BlockDecl, Map<string, NameSymbol>>();
  for (const block of file.blocks) {
    const params = new Map<string, NameSymbol>();
    for (const param of block.params) {
      if (params.has(param.name)) continue;
      params.set(param.name, { kind: 'parameter', name: param.name, definition: param.range, references: [], owner: block });
    }
    paramsOf.set(block, params);
  }

  const visitBody = (statements: Ast.Statement[], scope: LabelScope, params: Map<string, NameSymbol>, owner: Ast.NetworkDecl | Ast.BlockDecl) => {
    for (const statement of statements) {
      const body = statement.body;
      if (body.kind === 'call') {
        const called = blocks.get(body.name);
        called?.references.push(body.nameRange);
        if (called && !findOp(body.name)) {
          const calledParams = paramsOf.get(called.owner as Ast.BlockDecl);
          for (const argument of body.args) if (argument.key !== undefined && argument.keyRange) calledParams?.get(argument.key)?.references.push(argument.keyRange);
        }
        const signature = findOp(body.name)?.signature;
        const takesLabels = signature?.labels === true;
        // Keywords whose value is a label (upsample's like=) refer to it as add(...) does.
        const labelKeywords = new Set([...(signature?.positional ?? []), ...(signature?.keywords ?? [])].filter((spec) => spec.kind === 'label').map((spec) => spec.name));
        for (const argument of body.args) {
          const namesLabel = (takesLabels && argument.key === undefined) || (argument.key !== undefined && labelKeywords.has(argument.key));
          for (const expr of subExpressions(argument.value)) {
            if (expr.kind !== 'name') continue;
            const label = namesLabel && expr === argument.value ? lookup(scope, expr.name) : undefined;
            (label ?? params.get(expr.name))?.references.push(expr.range);
          }
        }
      } else if (body.kind === 'repeat' && body.count) {
        for (const expr of subExpressions(body.count)) if (expr.kind === 'name') params.get(expr.name)?.references.push(expr.range);
      }
      for (const inner of innerBodies(statement)) visitBody(inner, { labels: new Map(), parent: scope }, params, owner);
      if (statement.label) {
        const symbol: NameSymbol = { kind: 'label', name: statement.label.name, definition: statement.label.range, references: [], owner };
        scope.labels.set(symbol.name, symbol);
        symbols.push(symbol);
      }
    }
  };

  for (const block of file.blocks) {
    const all = paramsOf.get(block)!;
    // A default sees only the parameters before it.
    const params = new Map<string, NameSymbol>();
    for (const param of block.params) {
      if (param.defaultValue) {
        for (const expr of subExpressions(param.defaultValue)) if (expr.kind === 'name') params.get(expr.name)?.references.push(expr.range);
      }
      const symbol = all.get(param.name)!;
      if (params.has(param.name)) continue;
      params.set(param.name, symbol);
      symbols.push(symbol);
    }
    visitBody(block.body, { labels: new Map() }, params, block);
  }
  for (const network of file.networks) visitBody(network.body, { labels: new Map() }, new Map(), network);
  return symbols;
}

function lookup(scope: LabelScope | undefined, name: string): NameSymbol | undefined {
  for (; scope; scope = scope.parent) {
    const found = scope.labels.get(name);
    if (found) return found;
  }
  return undefined;
}

/** The symbol whose definition or a reference lies under the position. */
export function symbolAt(symbols: NameSymbol[], position: Position): NameSymbol | undefined {
  return symbols.find((s) => (s.definition && contains(s.definition, position)) || s.references.some((r) => contains(r, position)));
}

/** Labels visible at a position: those defined before it in its body and the bodies around it. */
export function labelsInScope(file: Ast.SourceFile, position: Position): string[] {
  const visible: string[] = [];
  const search = (statements: Ast.Statement[]): boolean => {
    for (const statement of statements) {
      if (contains(statement.range, position)) {
        for (const inner of innerBodies(statement)) {
          const mark = visible.length;
          if (search(inner)) return true;
          visible.length = mark;
        }
        return true;
      }
      if (statement.range.end.line > position.line || (statement.range.end.line === position.line && statement.range.end.character > position.character)) return true;
      if (statement.label) visible.push(statement.label.name);
    }
    return false;
  };
  for (const declaration of [...file.networks, ...file.blocks]) {
    if (contains(declaration.range, position)) {
      search(declaration.body);
      break;
    }
  }
  return [...new Set(visible)];
}
