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

/** An expression function's parameters, by the names LANGUAGE.md gives them (keywords use these names). */
export interface ExpressionFunction {
  params: readonly string[];
  /** How many of `params` must be given; the rest have defaults. */
  required: number;
  /** Whether more positional arguments than `params` are accepted (min and max of several values). */
  variadic?: boolean;
}

/** The expression functions of v1.1, by name. */
export const expressionFunctions: Readonly<Record<string, ExpressionFunction>> = {
  min: { params: ['a', 'b'], required: 2, variadic: true },
  max: { params: ['a', 'b'], required: 2, variadic: true },
  floor: { params: ['x'], required: 1 },
  ceil: { params: ['x'], required: 1 },
  int: { params: ['x'], required: 1 },
  round: { params: ['x'], required: 1 },
  // torchvision's _make_divisible(v, divisor, min_value=None), with min defaulting to d.
  divisible: { params: ['v', 'd', 'min'], required: 2 },
};

/** `divisible(v, d, min=d)`: a function's signature as people read it. */
export function expressionFunctionSignature(name: string): string {
  const spec = expressionFunctions[name];
  if (!spec) return name;
  const params = spec.params.map((p, i) => (i < spec.required ? p : `${p}=${name === 'divisible' ? 'd' : ''}`));
  return `${name}(${params.join(', ')}${spec.variadic ? ', ...' : ''})`;
}

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
  const spec = Object.hasOwn(expressionFunctions, expr.name) ? expressionFunctions[expr.name] : undefined;
  if (!spec) {
    return { message: `${expr.name}(...) is not a function CNN Lens knows; expressions may call ${Object.keys(expressionFunctions).join(', ')}.`, range: expr.nameRange };
  }
  // Positional arguments fill the parameters in order, keywords by name. An
  // unknown or repeated keyword is reported by the static checks (unknown-arg,
  // bad-value), so here it is passed over and the rest still evaluates.
  const positional = expr.args.filter((a) => a.key === undefined);
  const bound = new Map<string, Expr>();
  positional.slice(0, spec.params.length).forEach((a, i) => bound.set(spec.params[i], a.value));
  for (const a of expr.args) if (a.key !== undefined && spec.params.includes(a.key) && !bound.has(a.key)) bound.set(a.key, a.value);
  const extra = spec.variadic ? positional.slice(spec.params.length).map((a) => a.value) : [];
  if (!spec.variadic && positional.length > spec.params.length) {
    const most = `${spec.required === spec.params.length ? '' : 'at most '}${spec.params.length} argument${spec.params.length === 1 ? '' : 's'}`;
    return { message: `${expr.name} takes ${most}, not ${positional.length}: ${sourceText(expr.range)}; write ${expressionFunctionSignature(expr.name)}.`, range: expr.range };
  }
  const missing = spec.params.slice(0, spec.required).filter((p) => !bound.has(p));
  if (missing.length) {
    return { message: `${expr.name} needs ${missing.join(' and ')}: ${expressionFunctionSignature(expr.name)}, not ${sourceText(expr.range)}.`, range: expr.range };
  }
  const args: number[] = [];
  for (const argument of [...spec.params.filter((p) => bound.has(p)).map((p) => bound.get(p)!), ...extra]) {
    const value = evaluateNumber(argument, env, sourceText);
    if (isError(value)) return value;
    args.push(value);
  }
  const named = (name: string): number | undefined => {
    const index = spec.params.filter((p) => bound.has(p)).indexOf(name);
    return index < 0 ? undefined : args[index];
  };
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
    default: {
      const divisor = named('d')!;
      if (divisor <= 0) return { message: `divisible needs a positive divisor, not ${divisor}.`, range: expr.range };
      value = makeDivisible(named('v')!, divisor, named('min'));
    }
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
