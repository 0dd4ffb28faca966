/**
 * The abstract syntax tree of a `.cnn` file. Every node carries its source
 * range; parts a syntax error left out are simply absent, so consumers must
 * expect partial nodes.
 */
import type { Range } from '../diagnostics';

/** A parsed `.cnn` file: its networks and blocks in source order. */
export interface SourceFile {
  networks: NetworkDecl[];
  blocks: BlockDecl[];
  /** Comments in source order, kept for the formatter and folding. */
  comments: Comment[];
}

export interface Comment {
  text: string;
  range: Range;
}

/** `network NAME { input(SHAPE); statements }` */
export interface NetworkDecl {
  kind: 'network';
  name: string;
  nameRange: Range;
  body: Statement[];
  range: Range;
}

/** `block NAME(params) { statements }` */
export interface BlockDecl {
  kind: 'block';
  name: string;
  nameRange: Range;
  params: BlockParam[];
  body: Statement[];
  range: Range;
}

/** A block parameter with its optional default value. */
export interface BlockParam {
  name: string;
  range: Range;
  defaultValue?: Expr;
}

/** `[LABEL:] body [-> SHAPE]` */
export interface Statement {
  label?: { name: string; range: Range };
  body: StatementBody;
  assertion?: ShapeAssertion;
  range: Range;
}

export type StatementBody = CallNode | RepeatNode | ResidualNode | ConcatBlockNode;

/** An op, a block call or `input(...)`. */
export interface CallNode {
  kind: 'call';
  name: string;
  nameRange: Range;
  args: Argument[];
  /** Range of the parenthesised argument list, when present. */
  argsRange?: Range;
  range: Range;
}

export interface Argument {
  /** The keyword, for `key = value` arguments. */
  key?: string;
  keyRange?: Range;
  value: Expr;
  range: Range;
}

export interface RepeatNode {
  kind: 'repeat';
  count?: Expr;
  body: Statement[];
  keywordRange: Range;
  range: Range;
}

export interface ResidualNode {
  kind: 'residual';
  body: Statement[];
  /** Absent means the identity shortcut `A(x) + x`. */
  shortcut?: Statement[];
  shortcutRange?: Range;
  keywordRange: Range;
  range: Range;
}

export interface ConcatBlockNode {
  kind: 'concatBlock';
  branches: { body: Statement[]; range: Range }[];
  keywordRange: Range;
  range: Range;
}

/** `-> 64x?x?`: `null` dimensions are `?`. */
export interface ShapeAssertion {
  dims: (number | null)[];
  range: Range;
}

export type Expr =
  | { kind: 'number'; value: number; text: string; range: Range }
  | { kind: 'shape'; dims: (number | null)[]; text: string; range: Range }
  | { kind: 'string'; value: string; range: Range }
  | { kind: 'bool'; value: boolean; range: Range }
  | { kind: 'name'; name: string; range: Range }
  | { kind: 'tuple'; items: Expr[]; range: Range }
  | { kind: 'binary'; operator: '+' | '-' | '*' | '/' | '//'; left: Expr; right: Expr; range: Range }
  | { kind: 'negate'; operand: Expr; range: Range }
  /** A function call in an expression (v1.1): `min(a, b)`, `divisible(v, 8, min=16)`; arguments as a layer's, positional then keyword. */
  | { kind: 'call'; name: string; nameRange: Range; args: Argument[]; range: Range }
  /** What a syntax error left where a value should be. */
  | { kind: 'missing'; range: Range };
