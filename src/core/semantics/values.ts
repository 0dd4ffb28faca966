/**
 * Evaluation of argument expressions: numbers, tuples, shapes, strings,
 * booleans, and names (block parameters, or labels for merge ops).
 */
import type { Range } from '../diagnostics';
import type { Expr } from '../syntax/ast';
import type { Value } from '../types';

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
    case 'call':
      return evaluateCall(expr, env, sourceText);
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

/** The expression functions of v1.1, by name: how many arguments each takes. */
const functionArity: Record<string, [number, number]> = {
  min: [2, Infinity],
  max: [2, Infinity],
  floor: [1, 1],
  ceil: [1, 1],
  int: [1, 1],
  round: [1, 1],
  divisible: [2, 3],
};

/** Python 3's round: half to even. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * torchvision's `_make_divisible(v, divisor, min_value=divisor)`: the nearest
 * multiple of `divisor`, at least `min_value`, and never more than 10% below `v`.
 */
function makeDivisible(v: number, divisor: number, minimum = divisor): number {
  const rounded = Math.max(minimum, Math.floor(Math.trunc(v + divisor / 2) / divisor) * divisor);
  return rounded < 0.9 * v ? rounded + divisor : rounded;
}

function evaluateCall(expr: Extract<Expr, { kind: 'call' }>, env: Environment, sourceText: (range: Range) => string): Value | EvalError {
  const arity = functionArity[expr.name];
  if (!arity) {
    return { message: `${expr.name}(...) is not a function CNN Lens knows; expressions may call ${Object.keys(functionArity).join(', ')}.`, range: expr.nameRange };
  }
  if (expr.args.length < arity[0] || expr.args.length > arity[1]) {
    const wanted = arity[0] === arity[1] ? `${arity[0]}` : arity[1] === Infinity ? `at least ${arity[0]}` : `${arity[0]} or ${arity[1]}`;
    return { message: `${expr.name} takes ${wanted} argument${arity[1] === 1 ? '' : 's'}, not ${expr.args.length}: ${sourceText(expr.range)}.`, range: expr.range };
  }
  const args: number[] = [];
  for (const arg of expr.args) {
    const value = evaluateNumber(arg, env, sourceText);
    if (isError(value)) return value;
    args.push(value);
  }
  let value: number;
  switch (expr.name) {
    case 'min':
      value = Math.min(...args);
      break;
    case 'max':
      value = Math.max(...args);
      break;
    case 'floor':
      value = Math.floor(args[0]);
      break;
    case 'ceil':
      value = Math.ceil(args[0]);
      break;
    case 'int':
      value = Math.trunc(args[0]);
      break;
    case 'round':
      value = roundHalfEven(args[0]);
      break;
    default:
      if (args[1] <= 0) return { message: `divisible needs a positive divisor, not ${args[1]}.`, range: expr.range };
      value = makeDivisible(args[0], args[1], args[2]);
  }
  if (!Number.isFinite(value) || Math.abs(value) > maxExact) {
    return { message: `${sourceText(expr.range)} is past 2^53, the largest size CNN Lens counts exactly.`, range: expr.range, tooLarge: true };
  }
  return { kind: 'number', value };
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
