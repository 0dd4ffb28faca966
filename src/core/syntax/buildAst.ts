/**
 * Turns chevrotain's concrete syntax tree into the AST. Written defensively:
 * after error recovery any child may be missing, and a missing piece becomes
 * an absent field or a `missing` expression rather than an exception.
 */
import type { CstNode, IToken, CstElement, TokenType } from 'chevrotain';
import { diagnostic, type Diagnostic, type Position, type Range } from '../diagnostics';
import type * as ast from './ast';
import { LineIndex } from './lineIndex';

type Children = Record<string, CstElement[] | undefined>;

const none: never[] = [];

/**
 * Every child list of the CST holds either nodes or tokens, never both (each
 * key is a rule name, a token name or a label used for one kind), so the
 * helpers below need no filtering and allocate nothing.
 */
function nodes(children: Children, key: string): CstNode[] {
  return (children[key] as CstNode[] | undefined) ?? none;
}

function node(children: Children, key: string): CstNode | undefined {
  return (children[key] as CstNode[] | undefined)?.[0];
}

/** A token the source really contains, not one error recovery made up. */
function isReal(token: IToken): boolean {
  return !Number.isNaN(token.startOffset) && !token.isInsertedInRecovery;
}

function token(children: Children, key: string): IToken | undefined {
  const list = children[key] as IToken[] | undefined;
  if (list) for (let i = 0; i < list.length; i++) if (isReal(list[i])) return list[i];
  return undefined;
}

function realTokens(children: Children, key: string): IToken[] {
  const list = children[key] as IToken[] | undefined;
  return list ? list.filter(isReal) : none;
}

/**
 * The text being built. Tokens carry only offsets (see lineIndex.ts); `parse`
 * sets the index of its text before building, and everything here runs
 * synchronously within that call.
 */
let lines = new LineIndex('');
/** Where problems found while building go (an expression nested too deep). */
let problems: Diagnostic[] = [];

/** Makes the ranges built next refer to `text`, and sends the problems found while building to `diagnostics`. */
export function useTextOf(index: LineIndex, diagnostics: Diagnostic[] = []): void {
  lines = index;
  problems = diagnostics;
}

/**
 * The deepest expression tree kept. A chain of operators nests one level per
 * operator (`1+1+…` is built left to right), and evaluating, checking and
 * walking an expression recurse once per level; deeper than this, the
 * expression is reported and dropped, so no input can exhaust the stack.
 */
export const maxExpressionDepth = 256;

/** The position of a source offset in the text being built (see `useTextOf`). */
export function positionAt(offset: number): Position {
  return lines.position(offset);
}

/** A token's range; chevrotain's end offset is inclusive, LSP's end is exclusive. */
export function tokenRange(token: IToken): Range {
  return { start: tokenStart(token), end: tokenEnd(token) };
}

/** Where a token starts. */
export function tokenStart(token: IToken): Position {
  return lines.position(token.startOffset);
}

/** Where a token ends (exclusive). */
export function tokenEnd(token: IToken): Position {
  return lines.position((token.endOffset ?? token.startOffset + token.image.length - 1) + 1);
}

const nowhere: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/**
 * The range from a node's first to its last real token. The parser tracks no
 * node locations (that costs a third of parse time), so ranges come from tokens.
 */
function nodeRange(cst: CstNode | undefined): Range {
  const first = cst && firstToken(cst);
  const last = cst && lastToken(cst);
  if (!first || !last) return nowhere;
  return { start: tokenStart(first), end: tokenEnd(last) };
}

function isToken(element: CstElement): element is IToken {
  return (element as IToken).image !== undefined;
}

/** A CST node with its first and last real tokens cached (`null`: it has none). */
interface SpannedNode extends CstNode {
  first?: IToken | null;
  last?: IToken | null;
}

/**
 * Finds (once per node) the first and last real tokens of a node. Each child
 * list is in source order, so only its front and back need looking at.
 */
function span(cst: SpannedNode): void {
  let first: IToken | null = null;
  let last: IToken | null = null;
  const children = cst.children;
  for (const key in children) {
    const list = children[key];
    for (let i = 0; i < list.length; i++) {
      const candidate = edge(list[i], true);
      if (candidate) {
        if (!first || candidate.startOffset < first.startOffset) first = candidate;
        break;
      }
    }
    for (let i = list.length - 1; i >= 0; i--) {
      const candidate = edge(list[i], false);
      if (candidate) {
        if (!last || candidate.startOffset > last.startOffset) last = candidate;
        break;
      }
    }
  }
  cst.first = first;
  cst.last = last;
}

function edge(element: CstElement, front: boolean): IToken | null {
  if (isToken(element)) return isReal(element) ? element : null;
  const spanned = element as SpannedNode;
  if (spanned.first === undefined) span(spanned);
  return front ? spanned.first! : spanned.last!;
}

function firstToken(cst: CstNode): IToken | undefined {
  return edge(cst, true) ?? undefined;
}

function lastToken(cst: CstNode): IToken | undefined {
  return edge(cst, false) ?? undefined;
}

/** Converts the CST of a whole file. */
export function buildFile(cst: CstNode | undefined, comments: ast.Comment[]): ast.SourceFile {
  const file: ast.SourceFile = { networks: [], blocks: [], comments };
  if (!cst) return file;
  const declarations = [...nodes(cst.children, 'network'), ...nodes(cst.children, 'blockDefinition')];
  declarations.sort((a, b) => (firstToken(a)?.startOffset ?? 0) - (firstToken(b)?.startOffset ?? 0));
  for (const declaration of declarations) {
    const name = token(declaration.children, 'Identifier');
    if (!name) continue;
    const body = statementsOf(node(declaration.children, 'body'));
    if (declaration.name === 'network') {
      file.networks.push({ kind: 'network', name: name.image, nameRange: tokenRange(name), body, range: nodeRange(declaration) });
    } else {
      const params = nodes(declaration.children, 'parameter').flatMap((parameter): ast.BlockParam[] => {
        const paramName = token(parameter.children, 'Identifier');
        if (!paramName) return [];
        const defaultNode = node(parameter.children, 'expression');
        return [{ name: paramName.image, range: tokenRange(paramName), defaultValue: defaultNode ? boundedExpression(defaultNode) : undefined }];
      });
      file.blocks.push({ kind: 'block', name: name.image, nameRange: tokenRange(name), params, body, range: nodeRange(declaration) });
    }
  }
  return file;
}

function statementsOf(body: CstNode | undefined): ast.Statement[] {
  if (!body) return [];
  const built: ast.Statement[] = [];
  for (const cst of nodes(body.children, 'statement')) {
    const one = statement(cst);
    if (one) built.push(one);
  }
  return built;
}

function statement(cst: CstNode): ast.Statement | undefined {
  const body = statementBody(cst);
  if (!body) return undefined;
  const built: ast.Statement = { body, range: nodeRange(cst) };
  const label = token(cst.children, 'label');
  if (label) built.label = { name: label.image, range: tokenRange(label) };
  const shapeCst = node(cst.children, 'shapeSpec');
  const shapeToken = shapeCst ? (token(shapeCst.children, 'ShapeLiteral') ?? token(shapeCst.children, 'NumberLiteral') ?? token(shapeCst.children, 'Question')) : undefined;
  if (shapeToken) built.assertion = { dims: parseShapeText(shapeToken.image), range: tokenRange(shapeToken) };
  return built;
}

/** `3x?x7` → [3, null, 7]; a lone number is a 1-D shape. */
export function parseShapeText(text: string): (number | null)[] {
  return text.split('x').map((part) => (part === '?' ? null : Number(part)));
}

function statementBody(cst: CstNode): ast.StatementBody | undefined {
  const repeat = node(cst.children, 'repeatStatement');
  if (repeat) {
    const keyword = token(repeat.children, 'Repeat');
    const countCst = node(repeat.children, 'expression');
    return {
      kind: 'repeat',
      count: countCst ? boundedExpression(countCst) : undefined,
      body: statementsOf(node(repeat.children, 'body')),
      keywordRange: keyword ? tokenRange(keyword) : nodeRange(repeat),
      range: nodeRange(repeat),
    };
  }
  const residual = node(cst.children, 'residualStatement');
  if (residual) {
    const keyword = token(residual.children, 'Residual');
    const shortcutKeyword = token(residual.children, 'Shortcut');
    const shortcutBody = node(residual.children, 'shortcutBody');
    const built: ast.ResidualNode = {
      kind: 'residual',
      body: statementsOf(node(residual.children, 'body')),
      keywordRange: keyword ? tokenRange(keyword) : nodeRange(residual),
      range: nodeRange(residual),
    };
    if (shortcutKeyword) {
      built.shortcut = statementsOf(shortcutBody);
      built.shortcutRange = tokenRange(shortcutKeyword);
    }
    return built;
  }
  const concat = node(cst.children, 'concatStatement');
  if (concat) {
    const keyword = token(concat.children, 'Concat');
    const keywordRange = keyword ? tokenRange(keyword) : nodeRange(concat);
    const argumentList = node(concat.children, 'argumentList');
    if (argumentList || !token(concat.children, 'LCurly')) {
      return {
        kind: 'call',
        name: 'concat',
        nameRange: keywordRange,
        args: argumentList ? argumentsOf(argumentList) : [],
        argsRange: argumentList ? nodeRange(argumentList) : undefined,
        range: nodeRange(concat),
      };
    }
    return {
      kind: 'concatBlock',
      branches: nodes(concat.children, 'branch').map((branch) => ({ body: statementsOf(node(branch.children, 'body')), range: nodeRange(branch) })),
      keywordRange,
      range: nodeRange(concat),
    };
  }
  // A layer or block call is inline in the statement: its range runs from the name to the argument list's end.
  const name = token(cst.children, 'name');
  if (!name) return undefined;
  const argumentList = node(cst.children, 'argumentList');
  const last = argumentList && lastToken(argumentList);
  return {
    kind: 'call',
    name: name.image,
    nameRange: tokenRange(name),
    args: argumentList ? argumentsOf(argumentList) : [],
    argsRange: argumentList ? nodeRange(argumentList) : undefined,
    range: { start: tokenStart(name), end: tokenEnd(last ?? name) },
  };
}

/**
 * The arguments of a list, whose keys and values the parser keeps in two flat
 * runs: each `key =` belongs to the first value after it. A key that error
 * recovery left without a value still makes an argument, with a missing value.
 */
function argumentsOf(list: CstNode): ast.Argument[] {
  const built: ast.Argument[] = [];
  const keys = realTokens(list.children, 'keys');
  const commas = realTokens(list.children, 'Comma');
  // `f(a=, 2)`: a comma between a key and the next value means the key lost its value.
  // Commas are in source order, so the first one after the key is found by halving (a long list stays linear overall).
  const separated = (key: IToken, valueStart: number) => {
    let low = 0;
    let high = commas.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (commas[middle].startOffset > key.startOffset) high = middle;
      else low = middle + 1;
    }
    return low < commas.length && commas[low].startOffset < valueStart;
  };
  let keyIndex = 0;
  const keyed = (key: IToken, value: ast.Expr, end: Position): ast.Argument => ({ key: key.image, keyRange: tokenRange(key), value, range: { start: tokenStart(key), end } });
  for (const valueCst of nodes(list.children, 'values')) {
    const first = firstToken(valueCst);
    if (!first) continue;
    // Keys before this value that are not its own had no value of their own.
    while (
      keyIndex < keys.length &&
      keys[keyIndex].startOffset < first.startOffset &&
      (separated(keys[keyIndex], first.startOffset) || (keyIndex + 1 < keys.length && keys[keyIndex + 1].startOffset < first.startOffset))
    ) {
      const orphan = keys[keyIndex++];
      built.push(keyed(orphan, { kind: 'missing', range: tokenRange(orphan) }, tokenEnd(orphan)));
    }
    const value = boundedExpression(valueCst);
    const key = keyIndex < keys.length && keys[keyIndex].startOffset < first.startOffset ? keys[keyIndex++] : undefined;
    built.push(key ? keyed(key, value, value.range.end) : { value, range: value.range });
  }
  for (; keyIndex < keys.length; keyIndex++) built.push(keyed(keys[keyIndex], { kind: 'missing', range: tokenRange(keys[keyIndex]) }, tokenEnd(keys[keyIndex])));
  return built;
}

/** From the start of `a` to the end of `b`. */
export function joinRange(a: Range, b: Range): Range {
  return { start: a.start, end: b.end };
}

/** The binary operators of an expression. */
export type Operator = '+' | '-' | '*' | '/' | '//';

/** One operand of an expression's flat run, with where it starts (for pairing signs and operators). */
interface Operand {
  offset: number;
  expr: ast.Expr;
}

/**
 * Builds an expression from the parser's flat run (`atoms` and `groups` are
 * the operands, `signs` their leading minuses, `operators` between them):
 * `*`, `/` and `//` bind tighter than `+` and `-`, all left-associative.
 * Everything is paired by source offset, so a run that error recovery left
 * short still builds, with the missing parts absent.
 */
function expression(cst: CstNode): ast.Expr {
  const c = cst.children;
  const operands: Operand[] = [];
  for (const atomToken of realTokens(c, 'atoms')) operands.push({ offset: atomToken.startOffset, expr: atom(atomToken) });
  // A call's arguments belong to the name just before them.
  for (const callArgs of nodes(c, 'callArgs')) {
    const first = firstToken(callArgs);
    if (!first) continue;
    const callee = operands.filter((o) => o.offset < first.startOffset && o.expr.kind === 'name').sort((a, b) => b.offset - a.offset)[0];
    if (!callee || callee.expr.kind !== 'name') continue;
    callee.expr = { kind: 'call', name: callee.expr.name, nameRange: callee.expr.range, args: argumentsOf(callArgs), range: joinRange(callee.expr.range, nodeRange(callArgs)) };
  }
  for (const group of nodes(c, 'groups')) {
    const first = firstToken(group);
    if (first) operands.push({ offset: first.startOffset, expr: parenthesized(group) });
  }
  if (operands.length === 0) return { kind: 'missing', range: nodeRange(cst) };
  if (operands.length > 1) operands.sort((a, b) => a.offset - b.offset);
  const signs = realTokens(c, 'signs');
  const operators = realTokens(c, 'operators');
  // A sign belongs to the first operand after it.
  let signIndex = 0;
  for (const operand of operands) {
    let minus: IToken | undefined;
    while (signIndex < signs.length && signs[signIndex].startOffset < operand.offset) minus = signs[signIndex++];
    if (minus) operand.expr = negate(minus, operand.expr);
  }
  // The operator before operand i is the last one that starts before it.
  const between: Operator[] = [];
  let operatorIndex = 0;
  for (let i = 1; i < operands.length; i++) {
    let found: IToken | undefined;
    while (operatorIndex < operators.length && operators[operatorIndex].startOffset < operands[i].offset) found = operators[operatorIndex++];
    between.push((found?.image ?? '+') as Operator);
  }
  return foldOperators(
    operands.map((operand) => operand.expr),
    between,
  );
}

/**
 * Builds the tree of a run of operands and the operators between them
 * (`between[i]` stands before `operands[i + 1]`): each run of `*`, `/` and
 * `//` folds into a term, then the terms fold left to right.
 */
export function foldOperators(operands: ast.Expr[], between: Operator[]): ast.Expr {
  let terms: ast.Expr[] | undefined;
  let additive: Operator[] | undefined;
  let term = operands[0];
  for (let i = 1; i < operands.length; i++) {
    const operator = between[i - 1];
    const right = operands[i];
    if (operator === '+' || operator === '-') {
      (terms ??= []).push(term);
      (additive ??= []).push(operator);
      term = right;
    } else {
      term = { kind: 'binary', operator, left: term, right, range: joinRange(term.range, right.range) };
    }
  }
  if (!terms) return term;
  terms.push(term);
  let result = terms[0];
  for (let i = 1; i < terms.length; i++) result = { kind: 'binary', operator: additive![i - 1], left: result, right: terms[i], range: joinRange(result.range, terms[i].range) };
  return result;
}

/** An expression that stands on its own (an argument, a default, a repeat count), dropped with a diagnostic when it nests too deep. */
function boundedExpression(cst: CstNode): ast.Expr {
  return bounded(expression(cst), problems);
}

/** `built`, or a `missing` expression with a diagnostic in `sink` when it nests deeper than `maxExpressionDepth`. */
export function bounded(built: ast.Expr, sink: Diagnostic[]): ast.Expr {
  // A lone literal or name (most arguments) needs no walk.
  if ((built.kind !== 'binary' && built.kind !== 'negate' && built.kind !== 'tuple') || depthOf(built) <= maxExpressionDepth) return built;
  return tooDeep(built.range, sink);
}

/** The `missing` expression that stands for an expression nested deeper than `maxExpressionDepth` at `range`, with its diagnostic in `sink`. */
export function tooDeep(range: Range, sink: Diagnostic[]): ast.Expr {
  sink.push(
    diagnostic(
      'syntax',
      `This expression nests deeper than ${maxExpressionDepth} levels (each operator and parenthesis is one), so CNN Lens does not evaluate it. Simplify it, or split it over block parameters.`,
      range,
    ),
  );
  return { kind: 'missing', range };
}

/** The depth of an expression tree, walked with a stack of its own rather than by recursion. */
function depthOf(root: ast.Expr): number {
  let deepest = 0;
  const pending: [ast.Expr, number][] = [[root, 1]];
  while (pending.length) {
    const [expr, depth] = pending.pop()!;
    if (depth > deepest) deepest = depth;
    if (expr.kind === 'binary') pending.push([expr.left, depth + 1], [expr.right, depth + 1]);
    else if (expr.kind === 'negate') pending.push([expr.operand, depth + 1]);
    else if (expr.kind === 'tuple') for (const item of expr.items) pending.push([item, depth + 1]);
  }
  return deepest;
}

/** `-operand`; a negated number stays a number (`-1`), with the sign's range included. */
export function negate(minus: IToken, operand: ast.Expr): ast.Expr {
  return negated(tokenRange(minus), operand);
}

/** `-operand` with the sign at `minus`. */
export function negated(minus: Range, operand: ast.Expr): ast.Expr {
  if (operand.kind === 'number') return { ...operand, value: -operand.value, text: `-${operand.text}`, range: joinRange(minus, operand.range) };
  return { kind: 'negate', operand, range: joinRange(minus, operand.range) };
}

/** A literal or a name. */
export function atom(value: IToken): ast.Expr {
  return atomOf(value.tokenType, value.image, tokenRange(value));
}

/** A literal or a name: a token of `type` with text `image` at `range`. */
export function atomOf(type: TokenType, image: string, range: Range): ast.Expr {
  switch (type.name) {
    case 'NumberLiteral':
      return { kind: 'number', value: Number(image), text: image, range };
    case 'ShapeLiteral':
      return { kind: 'shape', dims: parseShapeText(image), text: image, range };
    case 'StringLiteral':
      return { kind: 'string', value: image.slice(1, -1), range };
    case 'True':
      return { kind: 'bool', value: true, range };
    case 'False':
      return { kind: 'bool', value: false, range };
    default:
      return { kind: 'name', name: image, range };
  }
}

/** `(expr)` keeps the inner expression with the parentheses' range; `(a, b)` is a tuple. */
function parenthesized(cst: CstNode): ast.Expr {
  const range = nodeRange(cst);
  // A value error recovery made up (`(1,)`) has no tokens; it is missing where the ')' is.
  const close = token(cst.children, 'RParen');
  const inner = nodes(cst.children, 'expression').map((item) => {
    const built = expression(item);
    return built.kind === 'missing' && built.range === nowhere ? { ...built, range: close ? tokenRange(close) : range } : built;
  });
  if (inner.length === 1 && !token(cst.children, 'Comma')) return { ...inner[0], range };
  if (inner.length >= 1) return { kind: 'tuple', items: inner, range };
  return { kind: 'missing', range };
}
