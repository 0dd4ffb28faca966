/**
 * The argument readers an op uses while it computes its outcome: arguments
 * are bound to the op's signature once, read by kind (whole numbers,
 * per-axis tuples, words, labels), and every problem becomes a diagnostic on
 * the argument itself.
 */
import { diagnosticSeverity, type DiagnosticCode, type Fix, type Range } from '../diagnostics';
import { allArgs } from '../ops/registry';
import type { OpContext, OpDefinition, Tensor } from '../ops/types';
import type { CallNode } from '../syntax/ast';
import type { Evaluation, Frame } from './evaluation';
import { formatShape } from '../shape';
import type { Value } from '../types';
import { describeValue, evaluate, formatValue, isError } from './values';

/** The argument readers an op uses; every problem becomes a diagnostic on the argument. */
export class CallContext implements OpContext {
  failed = false;
  /**
   * Whether the outcome depends only on the call's text, the names in scope
   * and the input's shape, and reported nothing: then another statement with
   * the same text, scope and input shape gets the same outcome (the
   * evaluation's op cache). A report (its range is this call's) or a label
   * looked up (its tensor is this scope's) makes it false.
   */
  dependsOnArgumentsOnly = true;
  readonly name: string;
  readonly spatialRank: number;
  readonly callRange: Range;
  private readonly bound = new Map<string, { value: Value | null; range: Range }>();

  constructor(
    private readonly evaluation: Evaluation,
    private readonly call: CallNode,
    private readonly op: OpDefinition,
    readonly input: Tensor,
    private readonly frame: Frame,
  ) {
    this.name = call.name;
    this.spatialRank = input.shape.length - 1;
    this.callRange = call.range;
    if (op.signature.labels) return;
    let index = 0;
    for (const argument of call.args) {
      if (argument.key !== undefined) continue;
      const spec = op.signature.positional[index++];
      if (spec) this.bind(spec.name, argument.value, argument.range);
    }
    for (const argument of call.args) if (argument.key !== undefined) this.bind(argument.key, argument.value, argument.range);
  }

  private bind(name: string, expr: CallNode['args'][number]['value'], range: Range): void {
    const value = evaluate(expr, this.frame.env, this.evaluation.textOf);
    if (isError(value)) {
      this.report(value.tooLarge ? 'too-large' : 'bad-value', value.message, value.range);
      this.bound.set(name, { value: null, range });
      return;
    }
    this.bound.set(name, { value, range });
  }

  has(name: string): boolean {
    return this.bound.has(name);
  }

  value(name: string): Value | undefined {
    const given = this.bound.get(name);
    if (given) return given.value ?? undefined;
    return allArgs(this.op).find((a) => a.name === name)?.defaultValue;
  }

  argRange(name: string): Range | undefined {
    return this.bound.get(name)?.range;
  }

  report(code: DiagnosticCode, message: string, at?: string | Range, fixes?: Fix[]): void {
    this.dependsOnArgumentsOnly = false;
    const range = typeof at === 'string' ? (this.argRange(at) ?? this.call.nameRange) : (at ?? this.call.nameRange);
    if (diagnosticSeverity[code] === 'error') this.failed = true;
    this.evaluation.report(this.frame, code, message, range, fixes);
  }

  setArgumentFix(name: string, valueText: string, title: string): Fix {
    return { title, edits: [argumentEdit(this.call, name, valueText, this.evaluation.textOf)] };
  }

  /** Gets a value for a typed reader; undefined means absent with no default, null means already failed. */
  private take(name: string): Value | undefined | null {
    const given = this.bound.get(name);
    if (given && given.value === null) {
      this.failed = true;
      return null;
    }
    const value = this.value(name);
    if (value?.kind === 'name') {
      // Undefined names are reported statically, at their own line.
      this.failed = true;
      return null;
    }
    return value;
  }

  private wrongKind(name: string, wanted: string, value: Value): undefined {
    this.report('bad-value', `${name} must be ${wanted}, not ${describeValue(value)}.`, name);
    return undefined;
  }

  int(name: string, options: { min?: number } = {}): number | undefined {
    const value = this.take(name);
    if (!value) return undefined;
    const number = value.kind === 'number' ? value.value : value.kind === 'shape' && value.dims.length === 1 ? value.dims[0] : undefined;
    if (number === undefined || number === null) return this.wrongKind(name, 'a whole number', value);
    return this.checkWhole(name, number, options.min ?? 0);
  }

  private checkWhole(name: string, number: number, min: number): number | undefined {
    if (!Number.isInteger(number)) {
      this.report('bad-value', `${name} must be a whole number, but it is ${+number.toFixed(6)}; use // to divide and round down.`, name);
      return undefined;
    }
    if (number < min) {
      this.report('bad-value', `${name} must be at least ${min}, not ${number}.`, name);
      return undefined;
    }
    return number;
  }

  number(name: string, options: { min?: number; max?: number } = {}): number | undefined {
    const value = this.take(name);
    if (!value) return undefined;
    if (value.kind !== 'number') return this.wrongKind(name, 'a number', value);
    if ((options.min !== undefined && value.value < options.min) || (options.max !== undefined && value.value > options.max)) {
      const range = options.max !== undefined ? `between ${options.min ?? '-∞'} and ${options.max}` : `at least ${options.min}`;
      this.report('bad-value', `${name} must be ${range}, not ${value.value}.`, name);
      return undefined;
    }
    return value.value;
  }

  bool(name: string): boolean | undefined {
    const value = this.take(name);
    if (!value) return undefined;
    if (value.kind !== 'bool') return this.wrongKind(name, 'true or false', value);
    return value.value;
  }

  string(name: string): string | undefined {
    const value = this.take(name);
    if (!value) return undefined;
    const choices = allArgs(this.op).find((a) => a.name === name)?.choices ?? [];
    if (value.kind !== 'string') return this.wrongKind(name, `one of ${choices.map((c) => `"${c}"`).join(', ')}`, value);
    if (choices.length && !choices.includes(value.value)) {
      this.report('bad-value', `${name} "${value.value}" is not one of ${choices.map((c) => `"${c}"`).join(', ')}.`, name);
      return undefined;
    }
    return value.value;
  }

  spatial(name: string, options: { min?: number } = {}): number[] | undefined {
    const value = this.take(name);
    if (!value) return undefined;
    const min = options.min ?? 1;
    let items: (number | null)[];
    if (value.kind === 'number') items = [value.value];
    else if (value.kind === 'shape') items = value.dims;
    else if (value.kind === 'tuple' && value.items.every((i) => i.kind === 'number')) items = value.items.map((i) => (i.kind === 'number' ? i.value : null));
    else return this.wrongKind(name, 'a whole number or a tuple of them', value);
    if (items.some((i) => i === null)) {
      this.report('bad-value', `${name} cannot contain '?': give every size.`, name);
      return undefined;
    }
    const rank = this.spatialRank;
    if (items.length !== 1 && items.length !== rank) {
      this.report(
        'bad-value',
        `${name} ${formatValue(value)} has ${items.length} entries, but the input ${formatShape(this.input.shape)} has ${rank} spatial ${rank === 1 ? 'axis' : 'axes'}; give one number or ${rank}.`,
        name,
      );
      return undefined;
    }
    const checked: number[] = [];
    for (const item of items) {
      const whole = this.checkWhole(name, item as number, min);
      if (whole === undefined) return undefined;
      checked.push(whole);
    }
    return checked.length === 1 ? new Array(rank).fill(checked[0]) : checked;
  }

  labelled(name: string): Tensor | null | undefined {
    this.dependsOnArgumentsOnly = false;
    const given = this.bound.get(name);
    if (!given?.value || given.value.kind !== 'name') return undefined;
    return this.evaluation.labelTensor(this.frame, given.value.name);
  }

  labels(): { name: string; tensor: Tensor | null; range: Range }[] {
    this.dependsOnArgumentsOnly = false;
    const labels: { name: string; tensor: Tensor | null; range: Range }[] = [];
    for (const argument of this.call.args) {
      if (argument.value.kind === 'name') labels.push({ name: argument.value.name, tensor: this.evaluation.labelTensor(this.frame, argument.value.name), range: argument.range });
    }
    return labels;
  }
}

/** An edit that sets a call's argument: replaces its value, or inserts `name=value` before the `)`. */
export function argumentEdit(call: CallNode, name: string, valueText: string, textOf: (range: Range) => string): { range: Range; newText: string } {
  const existing = call.args.find((a) => a.key === name);
  if (existing) return { range: existing.value.range, newText: valueText };
  if (!call.argsRange) return { range: { start: call.nameRange.end, end: call.nameRange.end }, newText: `(${name}=${valueText})` };
  const close = { line: call.argsRange.end.line, character: call.argsRange.end.character - 1 };
  const inside = textOf({ start: call.argsRange.start, end: close });
  const separator = inside.replace(/[()\s]/g, '').length ? ', ' : '';
  return { range: { start: close, end: close }, newText: `${separator}${name}=${valueText}` };
}
