/** Evaluating one layer: the op checks the input's rank, reads its arguments and computes its outcome. */
import type { OpDefinition, OpOutcome, Tensor } from '../ops/types';
import type { CallNode, Statement } from '../syntax/ast';
import { CallContext } from './callContext';
import type { Evaluated, Evaluation, Frame } from './evaluation';
import type { ReceptiveField } from '../types';
import { stepReceptiveField } from './receptiveField';
import { axesName, elementCount, formatShape } from '../shape';
import { zeroParams } from './totals';
import { maxExact } from './values';

/** Evaluates a call of an op on `input`; the outcome is kept for the assertion's suggestions. */
export function evaluateOp(evaluation: Evaluation, statement: Statement, call: CallNode, op: OpDefinition, input: Tensor | null, frame: Frame): Evaluated & { outcome?: OpOutcome } {
  if (!input) return failedOp(evaluation, statement, call, op, input, frame, false);
  const spatialRank = input.shape.length - 1;
  const fixed = op.fixedRank?.[call.name];
  if ((fixed !== undefined && spatialRank !== fixed) || (op.spatialRanks && !op.spatialRanks.includes(spatialRank))) {
    const wanted = fixed !== undefined ? `a ${axesName(fixed + 1)} input (${fixed} spatial ${fixed === 1 ? 'axis' : 'axes'})` : 'an input with spatial axes';
    const general = op.names[0];
    const hint =
      fixed !== undefined && op.spatialRanks?.includes(spatialRank) ? ` Use ${general}, which follows the input's rank.` : spatialRank === 0 ? ' It cannot follow flatten or global pooling.' : '';
    evaluation.report(frame, 'rank', `${call.name} needs ${wanted} but receives ${formatShape(input.shape)} (${axesName(input.shape.length)}).${hint}`, call.nameRange);
    return failedOp(evaluation, statement, call, op, input, frame, true);
  }
  const recorder = evaluation.recorder;
  // A graph needs each call's own labelled inputs and node, so the cache serves only analyses without one.
  const cacheKey = recorder.recording || op.signature.labels ? undefined : evaluation.opCacheKey(call, frame.env);
  const cached = cacheKey === undefined ? undefined : evaluation.cachedOp(cacheKey, input.shape);
  let outcome: OpOutcome;
  let failed: boolean;
  let context: CallContext | undefined;
  if (cached) {
    outcome = cached.outcome;
    failed = cached.failed;
  } else {
    context = new CallContext(evaluation, call, op, input, frame);
    let applied: OpOutcome | null;
    try {
      applied = op.apply(context);
    } catch (error) {
      // An op bug must not take the editor down: report it on the statement and carry on.
      evaluation.report(frame, 'bad-value', `CNN Lens could not analyse ${call.name}: ${(error as Error).message}`, call.range);
      return failedOp(evaluation, statement, call, op, input, frame, true);
    }
    if (!applied) return failedOp(evaluation, statement, call, op, input, frame, true);
    outcome = applied;
    failed = context.failed;
    if (cacheKey !== undefined && context.dependsOnArgumentsOnly) evaluation.cacheOp(cacheKey, input.shape, { outcome, failed });
  }
  if (exceedsExactCounting(outcome)) {
    evaluation.report(frame, 'too-large', `${call.name} produces sizes past 2^53 (${formatShape(outcome.shape)}), beyond exact counting. Check the sizes involved.`, call.range);
    return failedOp(evaluation, statement, call, op, input, frame, true);
  }
  let field: ReceptiveField | null;
  if (outcome.receptiveField.kind === 'merge') {
    field = evaluation.merge(outcome.receptiveField.fields, statement, frame, call.name);
    // A broadcast gate (squeeze-excitation) makes every unit depend on the whole input; the summary keeps the local field and names the gate.
    if (field && outcome.receptiveField.gated) field = { ...field, gate: `${evaluation.textOf(call.range)} at line ${call.range.start.line + 1}` };
  } else field = stepReceptiveField(input.receptiveField, outcome.receptiveField);
  const output: Tensor = { shape: outcome.shape, receptiveField: field };
  if (recorder.recording && context) {
    if (context.failed) recorder.incomplete();
    else {
      const labelled = op.signature.labels ? context.labels().map((l) => l.tensor as Tensor) : [];
      output.node = recorder.addNode(
        {
          op: op.names[0],
          written: call.name,
          inputs: [input, ...labelled],
          outShape: outcome.shape,
          range: statement.range,
          attributes: outcome.attributes,
          params: { trainable: outcome.trainable ?? 0, nonTrainable: outcome.nonTrainable ?? 0 },
          macs: outcome.macs ?? 0,
          field: outcome.receptiveField.kind === 'merge' ? { kind: 'merge' } : outcome.receptiveField,
        },
        frame.group,
      );
    }
  }
  const result = evaluation.result(
    statement,
    call.name,
    'op',
    input,
    output,
    { trainable: outcome.trainable ?? 0, nonTrainable: outcome.nonTrainable ?? 0 },
    outcome.macs ?? 0,
    elementCount(outcome.shape),
    failed,
  );
  if (outcome.formula) result.formula = outcome.formula;
  // A block call being memoised replays each layer's step on its own input's receptive field (blockMemo.ts).
  const memos = evaluation.recordingBlockMemos();
  if (memos && outcome.receptiveField.kind !== 'merge') memos.noteStep(result, outcome.receptiveField);
  return { output, result, outcome };
}

/** The result of a call that gives no tensor: failed (an error reported) or skipped (its input unknown). */
function failedOp(evaluation: Evaluation, statement: Statement, call: CallNode, op: OpDefinition, input: Tensor | null, frame: Frame, failed: boolean): Evaluated {
  // The layer that failed is recorded too, so a diagram can show where the network breaks.
  if (failed && input) evaluation.recorder.addNode({ op: op.names[0], written: call.name, inputs: [input], outShape: [], range: statement.range, failed: true }, frame.group);
  return { output: null, result: evaluation.result(statement, call.name, 'op', input, null, zeroParams(), 0, 0, failed) };
}

/** Whether an outcome has a size or count past 2^53, where counting is no longer exact. */
function exceedsExactCounting(outcome: OpOutcome): boolean {
  for (const d of outcome.shape) if (d > maxExact) return true;
  return elementCount(outcome.shape) > maxExact || (outcome.macs ?? 0) > maxExact || (outcome.trainable ?? 0) > maxExact;
}
