/** Finding things in the AST by position, shared by the features that start from the cursor. */
import type { Position } from 'vscode-languageserver';
import type { Ast } from '../core';
import { contains } from './convert';

/** The statement bodies nested directly inside a statement. */
export function innerBodies(statement: Ast.Statement): Ast.Statement[][] {
  const body = statement.body;
  switch (body.kind) {
    case 'call':
      return [];
    case 'repeat':
      return [body.body];
    case 'residual':
      return body.shortcut ? [body.body, body.shortcut] : [body.body];
    case 'concatBlock':
      return body.branches.map((b) => b.body);
  }
}

/** Calls `visit` for every statement of the file, outer before inner, with its owning declaration. */
export function forEachStatement(file: Ast.SourceFile, visit: (statement: Ast.Statement, owner: Ast.NetworkDecl | Ast.BlockDecl) => void): void {
  const walk = (statements: Ast.Statement[], owner: Ast.NetworkDecl | Ast.BlockDecl) => {
    for (const statement of statements) {
      visit(statement, owner);
      for (const inner of innerBodies(statement)) walk(inner, owner);
    }
  };
  for (const declaration of [...file.blocks, ...file.networks]) walk(declaration.body, declaration);
}

/** Networks and blocks in source order. */
export function declarations(file: Ast.SourceFile): (Ast.NetworkDecl | Ast.BlockDecl)[] {
  return [...file.networks, ...file.blocks].sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}

/** The innermost statement whose range holds the position, or undefined. */
export function statementAt(file: Ast.SourceFile, position: Position): Ast.Statement | undefined {
  let found: Ast.Statement | undefined;
  const search = (statements: Ast.Statement[]) => {
    for (const statement of statements) {
      if (!contains(statement.range, position)) continue;
      found = statement;
      for (const inner of innerBodies(statement)) search(inner);
      return;
    }
  };
  for (const declaration of declarations(file)) if (contains(declaration.range, position)) search(declaration.body);
  return found;
}

/** The declaration (network or block) holding the position. */
export function declarationAt(file: Ast.SourceFile, position: Position): Ast.NetworkDecl | Ast.BlockDecl | undefined {
  return declarations(file).find((d) => contains(d.range, position));
}

/** Every expression inside `expr`, itself included. */
export function subExpressions(expr: Ast.Expr): Ast.Expr[] {
  switch (expr.kind) {
    case 'tuple':
      return [expr, ...expr.items.flatMap(subExpressions)];
    case 'binary':
      return [expr, ...subExpressions(expr.left), ...subExpressions(expr.right)];
    case 'negate':
      return [expr, ...subExpressions(expr.operand)];
    case 'call':
      return [expr, ...expr.args.flatMap((a) => subExpressions(a.value))];
    default:
      return [expr];
  }
}
