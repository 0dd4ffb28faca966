/**
 * The dispatcher: evaluates a statement or a body of statements, sending each
 * kind to its evaluator (op call, block call, repeat, residual, concat), then
 * checks the `->` assertion and binds the label.
 */
import { type Fix } from '../diagnostics';
import { findOp } from '../ops/registry';
import type { OpOutcome, Tensor } from '../ops/types';
import type { Statement } from '../syntax/ast';
import { evaluateBlockCall } from './blockCall';
import { argumentEdit } from './callContext';
import { evaluateConcat, evaluateResidual } from './compound';
import type { BodyEvaluated, Evaluated, Evaluation, Frame } from './evaluation';
import { evaluateOp } from './opCall';
import { evaluateRepeat } from './repeat';
import type { StatementResult } from './results';
import { formatShape, matchesAssertion } from '../shape';
import { zeroParams } from './totals';

/** Evaluates a nested body one level deeper, statement by statement. */
export function evaluateBody(evaluation: Evaluation, statements: Statement[], input: Tensor | null, frame: Frame): BodyEvaluated {
  evaluation.enter();
  try {
    let current = input;
    const results: StatementResult[] = [];
    for (const statement of statements) {
      const evaluated = evaluateStatement(evaluation, statement, current, frame);
      results.push(evaluated.result);
      current = evaluated.output;
    }
    return { output: current, results };
  } finally {
    evaluation.leave();
  }
}

/** Evaluates one statement: charges its cost, evaluates its body, checks its assertion and binds its label. */
export function evaluateStatement(evaluation: Evaluation, statement: Statement, input: Tensor | null, frame: Frame): Evaluated {
  evaluation.charge(statement);
  const evaluated = evaluateBodyOf(evaluation, statement, input, frame);
  let output = evaluated.output;
  const result = evaluated.result;
  if (statement.assertion) output = checkAssertion(evaluation, statement, result, frame, evaluated.outcome) ?? output;
  if (statement.label) {
    frame.scope.labels.set(statement.label.name, output);
    evaluation.recorder.labelNode(output, statement.label.name);
  }
  evaluation.remember(statement, result);
  return { output, result };
}

function evaluateBodyOf(evaluation: Evaluation, statement: Statement, input: Tensor | null, frame: Frame): Evaluated & { outcome?: OpOutcome } {
  const body = statement.body;
  switch (body.kind) {
    case 'call': {
      if (body.name === 'input') {
        // Reported statically: input belongs only at the top of a network.
        return { output: input, result: evaluation.result(statement, 'input', 'input', input, input, zeroParams(), 0, 0, true) };
      }
      const op = findOp(body.name);
      if (op) return evaluateOp(evaluation, statement, body, op, input, frame);
      const block = evaluation.block(body.name);
      if (block) return evaluateBlockCall(evaluation, statement, body, block, input, frame, evaluateBody);
      return { output: null, result: evaluation.result(statement, body.name, 'op', input, null, zeroParams(), 0, 0, true) };
    }
    case 'repeat':
      return evaluateRepeat(evaluation, statement, input, frame, evaluateBody);
    case 'residual':
      return evaluateResidual(evaluation, statement, input, frame, evaluateBody);
    case 'concatBlock':
      return evaluateConcat(evaluation, statement, input, frame, evaluateBody);
  }
}

/**
 * Checks `-> SHAPE`. When the statement failed but the assertion names a
 * whole shape, returns that shape so later statements are still analysed.
 */
export function checkAssertion(evaluation: Evaluation, statement: Statement, result: StatementResult, frame: Frame, outcome: OpOutcome | undefined): Tensor | undefined {
  const assertion = statement.assertion;
  if (!assertion) return undefined;
  if (!result.outShape) {
    if (result.failed && assertion.dims.every((d) => d !== null)) return { shape: assertion.dims as number[], receptiveField: null };
    return undefined;
  }
  if (matchesAssertion(result.outShape, assertion.dims)) return undefined;
  const computed = formatShape(result.outShape);
  let message = `Expected ${formatShape(assertion.dims)} but ${result.op} gives ${computed}`;
  if (result.formula?.length && assertion.dims.length === result.outShape.length) {
    const wrongAxes = result.formula.filter((_, i) => assertion.dims[i + 1] !== null && assertion.dims[i + 1] !== result.outShape![i + 1]);
    const unique = [...new Set(wrongAxes)];
    if (unique.length) message += `: ${unique.join('; ')}`;
  }
  message += '.';
  const fixes: Fix[] = [{ title: `Change the assertion to -> ${computed}`, edits: [{ range: assertion.range, newText: computed }], preferred: true }];
  // Padding and stride change only the spatial sizes: with the channels wrong too, no such change can fix the assertion.
  const channelsAgree = assertion.dims.length === result.outShape.length && (assertion.dims[0] === null || assertion.dims[0] === result.outShape[0]);
  const suggestion = channelsAgree ? outcome?.suggest?.(assertion.dims) : undefined;
  if (suggestion && statement.body.kind === 'call') {
    message += ` ${suggestion.name}=${suggestion.value} gives ${formatShape([result.outShape[0], ...suggestion.gives])}.`;
    fixes.push({
      title: `Set ${suggestion.name}=${suggestion.value} (gives ${formatShape([result.outShape[0], ...suggestion.gives])})`,
      edits: [argumentEdit(statement.body, suggestion.name, suggestion.value, evaluation.textOf)],
    });
  }
  evaluation.report(frame, 'shape-mismatch', message, assertion.range, fixes);
  return undefined;
}
