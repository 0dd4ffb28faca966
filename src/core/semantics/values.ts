/**
 * Evaluation of argument expressions: numbers, tuples, shapes, strings,
 * booleans, and names (block parameters, or labels for merge ops).
 */
import type { Range } from '../diagnostics';
import type { Expr } from '../syntax/ast';

/** A runtime value of an argument expression. */
export type Value =
  | { kind: 'number'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'tuple'; items: Value[] }
  | { kind: 'shape'; dims: (number | null)[] }
  /** A name with no parameter behind it: a label reference, or a mistake the consumer reports. */
  | { kind: 'name'; name: string };

/** What went wrong while evaluating, with where. */
export interface EvalError {
  message: string;
  range: Range;
  /** True when the number overflowed 2^53 (the `too-large` code), false for a plain bad value. */
  tooLarge?: boolean;
}

/** Block parameters in scope: name to value. */
export type Environment = ReadonlyMap<string, Value>;

export const maxExact = Number.MAX_SAFE_INTEGER;

/** Evaluates an expression; a name not bound in `env` evaluates to itself (a label reference). */
export function evaluate(expr: Expr, env: Environment, sourceText: (range: Range) => string): Value | EvalError {
  switch (expr.kind) {
    case 'number':
      if (!Number.isFinite(expr.value) || Math.abs(expr.value) > maxExact) {
        return { message: `${expr.text} is past 2^53, the largest size CNN Lens counts exactly.`, range: expr.range, tooLarge: true };
      }
      return { kind: 'number', value: expr.value };
    case 'shape':
      for (const dim of expr.dims) {
        if (dim !== null && dim > maxExact) return { message: `${expr.text} has a dimension past 2^53.`, range: expr.range, tooLarge: true };
      }
      return { kind: 'shape', dims: expr.dims };
    case 'string':
      return { kind: 'string', value: expr.value };
    case 'bool':
      return { kind: 'bool', value: expr.value };
    case 'name':
      return env.get(expr.name) ?? { kind: 'name', name: expr.name };
    case 'missing':
      return { message: 'A value is missing here.', range: expr.range };
    case 'tuple': {
      const items: Value[] = [];
      for (const item of expr.items) {
        const value = evaluate(item, env, sourceText);
        if (isError(value)) return value;
        items.push(value);
      }
      return { kind: 'tuple', items };
    }
    case 'negate': {
      const operand = evaluateNumber(expr.operand, env, sourceText);
      return isError(operand) ? operand : { kind: 'number', value: -operand };
    }
    case 'binary': {
      const left = evaluateNumber(expr.left, env, sourceText);
      if (isError(left)) return left;
      const right = evaluateNumber(expr.right, env, sourceText);
      if (isError(right)) return right;
      let value: number;
      switch (expr.operator) {
        case '+':
          value = left + right;
          break;
        case '-':
          value = left - right;
          break;
        case '*':
          value = left * right;
          break;
        case '/':
        case '//':
          if (right === 0) return { message: `${sourceText(expr.range)} divides by zero.`, range: expr.range };
          value = expr.operator === '/' ? left / right : Math.floor(left / right);
          break;
      }
      if (!Number.isFinite(value) || Math.abs(value) > maxExact) {
        return { message: `${sourceText(expr.range)} is past 2^53, the largest size CNN Lens counts exactly.`, range: expr.range, tooLarge: true };
      }
      return { kind: 'number', value };
    }
  }
}

function evaluateNumber(expr: Expr, env: Environment, sourceText: (range: Range) => string): number | EvalError {
  const value = evaluate(expr, env, sourceText);
  if (isError(value)) return value;
  if (value.kind === 'number') return value.value;
  if (value.kind === 'shape' && value.dims.length === 1 && value.dims[0] !== null) return value.dims[0];
  if (value.kind === 'name') return { message: `'${value.name}' is not defined: arithmetic needs numbers or block parameters.`, range: expr.range };
  return { message: `Arithmetic needs numbers, but ${sourceText(expr.range)} is ${describeValue(value)}.`, range: expr.range };
}

export function isError(value: Value | EvalError | number): value is EvalError {
  return typeof value === 'object' && 'message' in value;
}

/** Writes a value as a user would have typed it. */
export function formatValue(value: Value): string {
  switch (value.kind) {
    case 'number':
      return String(value.value);
    case 'string':
      return JSON.stringify(value.value);
    case 'bool':
      return String(value.value);
    case 'tuple':
      return `(${value.items.map(formatValue).join(', ')})`;
    case 'shape':
      return value.dims.map((d) => (d === null ? '?' : String(d))).join('x');
    case 'name':
      return value.name;
  }
}

/** "a string", "a tuple" ...: for messages. */
export function describeValue(value: Value): string {
  switch (value.kind) {
    case 'number':
      return `the number ${formatValue(value)}`;
    case 'string':
      return `the string ${formatValue(value)}`;
    case 'bool':
      return `the boolean ${formatValue(value)}`;
    case 'tuple':
      return `the tuple ${formatValue(value)}`;
    case 'shape':
      return `the shape ${formatValue(value)}`;
    case 'name':
      return `the name '${value.name}'`;
  }
}
