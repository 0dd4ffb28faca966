/**
 * Python text for the PyTorch export: identifiers that Python accepts,
 * `.cnn` argument expressions written as Python, and channel counts kept as
 * expressions over a block's parameters (so a block becomes one class that
 * works for every call) and folded to numbers where nothing varies.
 */
import type { Range } from '../diagnostics';
import type { Expr } from '../syntax/ast';

/** Python's reserved words (3.8 to 3.12): none of them may name a class, attribute or variable. */
const pythonKeywords = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(
    ' ',
  ),
);

/** Whether `name` is a Python identifier that is not a keyword (ASCII only, as the export writes it). */
export function isPythonIdentifier(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !pythonKeywords.has(name);
}

/** Names the generated code itself uses, which block parameters and labels must not shadow. */
const generatedNames = new Set(['self', 'x', 'torch', 'nn', 'F', 'in_channels', 'identity', 'super', 'range', 'int', 'pad_same', 'pad_causal', 'channel_shuffle', 'pixel_shuffle_nd']);

/** A Python name for a `.cnn` name: unchanged when allowed, else with a trailing underscore. */
export function pythonName(name: string): string {
  const ascii = name.replace(/[^A-Za-z0-9_]/g, '_');
  const safe = /^[0-9]/.test(ascii) ? `_${ascii}` : ascii;
  return pythonKeywords.has(safe) || generatedNames.has(safe) ? `${safe}_` : safe;
}

/** `BottleneckBranch` → `bottleneck_branch`, for attribute names after a block. */
export function snakeCase(name: string): string {
  return pythonName(
    name
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
      .toLowerCase(),
  );
}

const nowhere: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/** A number as an expression. */
export function numberExpr(value: number): Expr {
  return { kind: 'number', value, text: String(value), range: nowhere };
}

/** A name as an expression (a block parameter, or the generated `in_channels`). */
export function nameExpr(name: string): Expr {
  return { kind: 'name', name, range: nowhere };
}

/** `left op right`, folded when both sides are numbers. */
export function binaryExpr(operator: '+' | '*', left: Expr, right: Expr): Expr {
  if (left.kind === 'number' && right.kind === 'number') return numberExpr(operator === '+' ? left.value + right.value : left.value * right.value);
  return { kind: 'binary', operator, left, right, range: nowhere };
}

/**
 * Replaces names by expressions: a callee's channel count, written over its
 * own parameters, becomes one over the caller's arguments. Names without a
 * replacement stay.
 */
export function substitute(expr: Expr, replacements: ReadonlyMap<string, Expr>): Expr {
  switch (expr.kind) {
    case 'name':
      return replacements.get(expr.name) ?? expr;
    case 'binary':
      return fold({ ...expr, left: substitute(expr.left, replacements), right: substitute(expr.right, replacements) });
    case 'negate':
      return fold({ ...expr, operand: substitute(expr.operand, replacements) });
    case 'tuple':
      return { ...expr, items: expr.items.map((item) => substitute(item, replacements)) };
    default:
      return expr;
  }
}

/** Folds arithmetic over numbers only, so constant channel counts print as one number. */
export function fold(expr: Expr): Expr {
  if (expr.kind === 'negate' && expr.operand.kind === 'number') return numberExpr(-expr.operand.value);
  if (expr.kind !== 'binary') return expr;
  const { left, right } = expr;
  if (left.kind !== 'number' || right.kind !== 'number') return expr;
  switch (expr.operator) {
    case '+':
      return numberExpr(left.value + right.value);
    case '-':
      return numberExpr(left.value - right.value);
    case '*':
      return numberExpr(left.value * right.value);
    case '/':
      return right.value === 0 ? expr : numberExpr(left.value / right.value);
    case '//':
      return right.value === 0 ? expr : numberExpr(Math.floor(left.value / right.value));
  }
}

/** Whether an expression mentions any name (a block parameter). */
export function mentionsName(expr: Expr): boolean {
  switch (expr.kind) {
    case 'name':
      return true;
    case 'binary':
      return mentionsName(expr.left) || mentionsName(expr.right);
    case 'negate':
      return mentionsName(expr.operand);
    case 'tuple':
      return expr.items.some(mentionsName);
    default:
      return false;
  }
}

const precedence: Record<string, number> = { '+': 1, '-': 1, '*': 2, '/': 2, '//': 2 };

/**
 * An expression as Python: shapes `3x3` become tuples `(3, 3)`, `true` becomes
 * `True`, names go through `rename`. In an integer position (`integer`), the
 * language's `/` (exact when the analysis accepted the value) is Python's
 * `//`, so the value stays an int. Undefined for what a syntax error left.
 */
export function pythonExpr(expr: Expr, rename: (name: string) => string, integer = true): string | undefined {
  const write = (e: Expr, parent: number, right: boolean): string | undefined => {
    switch (e.kind) {
      case 'number':
        return Number.isInteger(e.value) ? String(e.value) : e.text;
      case 'shape':
        if (e.dims.some((d) => d === null)) return undefined;
        return e.dims.length === 1 ? String(e.dims[0]) : `(${e.dims.join(', ')})`;
      case 'string':
        return JSON.stringify(e.value);
      case 'bool':
        return e.value ? 'True' : 'False';
      case 'name':
        return rename(e.name);
      case 'tuple': {
        const items = e.items.map((item) => write(item, 0, false));
        if (items.some((item) => item === undefined)) return undefined;
        return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
      }
      case 'negate': {
        const operand = write(e.operand, 3, false);
        return operand === undefined ? undefined : `-${operand}`;
      }
      case 'binary': {
        const own = precedence[e.operator];
        const left = write(e.left, own, false);
        const right2 = write(e.right, own, true);
        if (left === undefined || right2 === undefined) return undefined;
        const operator = e.operator === '/' && integer ? '//' : e.operator;
        const text = `${left} ${operator} ${right2}`;
        return own < parent || (right && own === parent) ? `(${text})` : text;
      }
      case 'missing':
        return undefined;
    }
  };
  return write(expr, 0, false);
}

/** A Python literal for a resolved attribute value: numbers, per-axis lists (one number when all axes agree), booleans, strings. */
export function pythonLiteral(value: unknown): string {
  if (Array.isArray(value)) {
    if (value.length > 0 && value.every((v) => v === value[0])) return pythonLiteral(value[0]);
    return value.length === 1 ? `(${pythonLiteral(value[0])},)` : `(${value.map(pythonLiteral).join(', ')})`;
  }
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (value === Infinity) return "float('inf')";
    if (value === -Infinity) return "float('-inf')";
    return String(value);
  }
  return String(value);
}

/** A per-axis list always as a tuple, for functions that want one entry per axis. */
export function pythonTuple(values: number[]): string {
  return values.length === 1 ? `(${values[0]},)` : `(${values.join(', ')})`;
}
