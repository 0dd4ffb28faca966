/** Block calls: arguments bound to the block's parameters, then its body evaluated in a fresh scope. */
import type { Tensor } from '../ops/types';
import type { BlockDecl, CallNode, Statement } from '../syntax/ast';
import type { EvaluateBody, BodyEvaluated, Evaluated, Evaluation, Frame } from './evaluation';
import { sumResults, zeroParams } from './totals';
import type { Value } from '../types';
import { evaluate, formatValue, isError } from './values';
import { argumentsKey } from './blockMemo';

/** Evaluates a call of `block` on `input`. A block already being expanded (recursion, reported statically) fails. */
export function evaluateBlockCall(evaluation: Evaluation, statement: Statement, call: CallNode, block: BlockDecl, input: Tensor | null, frame: Frame, evaluateBody: EvaluateBody): Evaluated {
  if (frame.expanding.has(block.name)) return failedCall(evaluation, statement, block, input, true);
  // Binding reads every parameter of the block, so a call costs their number too.
  evaluation.spend(block.params.length);
  const env = bindArguments(evaluation, call, block, frame);
  if (!env.ok) return failedCall(evaluation, statement, block, input, env.failed);
  // The second and later calls with the same argument values and input shape replay the first (blockMemo.ts).
  const memos = input ? evaluation.blockMemos() : undefined;
  const key = memos ? argumentsKey(env.values) : '';
  const memo = memos && input ? memos.find(block, key, input.shape) : undefined;
  if (memos && memo && input) {
    const replayed = memos.replayCall(evaluation, statement, block, memo, input);
    if (memos.recording > 0) memos.describe(replayed.result, memo);
    return replayed;
  }
  const calls = frame.calls;
  // The group shows the call with its arguments' values (`Bottleneck(128, 2)`, not `Bottleneck(width, s)`), as a user reads one instance.
  const shown = evaluation.recorder.recording ? shownArguments(evaluation, call, block, env.values) : [];
  const grouped = evaluation.openGroup(frame, 'block', `${block.name}(${shown.join(', ')})`, statement.range);
  const inner: Frame = { env: env.values, scope: { labels: new Map() }, calls, expanding: frame.expanding, group: grouped.group };
  calls.push({ blockName: block.name, range: call.range });
  frame.expanding.add(block.name);
  let evaluated: BodyEvaluated;
  const diagnosticsBefore = evaluation.diagnosticsAdded;
  if (memos) memos.recording++;
  try {
    evaluated = evaluateBody(evaluation, block.body, input, inner);
  } finally {
    if (memos) memos.recording--;
    calls.pop();
    frame.expanding.delete(block.name);
  }
  const totals = sumResults(evaluated.results);
  const failed = input !== null && evaluated.output === null;
  const result = evaluation.result(statement, block.name, 'block', input, evaluated.output, totals.params, totals.macs, totals.activations, failed);
  result.parts = [{ name: block.name, results: evaluated.results }];
  const field = evaluated.output?.receptiveField;
  if (field !== undefined) result.receptiveField = field;
  if (memos && input && evaluation.diagnosticsAdded === diagnosticsBefore) {
    const kept = memos.keep(evaluation, block, key, input, evaluated.results, evaluated.output, totals, failed);
    if (kept && memos.recording > 0) memos.describe(result, kept);
  }
  return { output: evaluated.output, result };
}

/** The result of a call that gives no tensor: a recursive call, or arguments that could not be bound. */
function failedCall(evaluation: Evaluation, statement: Statement, block: BlockDecl, input: Tensor | null, failed: boolean): Evaluated {
  return { output: null, result: evaluation.result(statement, block.name, 'block', input, null, zeroParams(), 0, 0, failed) };
}

/**
 * The block's parameters bound to the call's arguments: a keyword argument,
 * else the positional one, else the default. Arguments are evaluated in the
 * caller's scope; defaults in the block's, after the parameters before them.
 */
function bindArguments(evaluation: Evaluation, call: CallNode, block: BlockDecl, frame: Frame): { ok: true; values: Map<string, Value> } | { ok: false; failed: boolean } {
  const env = new Map<string, Value>();
  // Most calls have only positional arguments (a megabyte file may hold a hundred thousand calls): no lists or maps for them.
  let positional = call.args;
  let keyed: Map<string, CallNode['args'][number]> | undefined;
  if (call.args.some((a) => a.key !== undefined)) {
    positional = call.args.filter((a) => a.key === undefined);
    keyed = new Map();
    for (const argument of call.args) if (argument.key !== undefined && !keyed.has(argument.key)) keyed.set(argument.key, argument);
  }
  for (let index = 0; index < block.params.length; index++) {
    const param = block.params[index];
    const given = keyed?.get(param.name) ?? positional[index];
    // An argument is evaluated in the caller's scope, a default in the block's.
    const expr = given ? given.value : param.defaultValue;
    if (!expr) return { ok: false, failed: false }; // missing-arg is reported statically.
    const value = evaluate(expr, given ? frame.env : env, evaluation.textOf);
    if (isError(value)) {
      evaluation.report(frame, value.tooLarge ? 'too-large' : 'bad-value', value.message, value.range);
      return { ok: false, failed: true };
    }
    env.set(param.name, value);
  }
  return { ok: true, values: env };
}

/** The call's arguments as values, for the graph group's label. */
function shownArguments(evaluation: Evaluation, call: CallNode, block: BlockDecl, env: Map<string, Value>): string[] {
  let position = 0;
  return call.args.map((a) => {
    const value = env.get(a.key ?? block.params[position++]?.name ?? '');
    const text = value ? formatValue(value) : evaluation.textOf(a.value.range);
    return a.key === undefined ? text : `${a.key}=${text}`;
  });
}
