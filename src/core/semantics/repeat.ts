/** `repeat(N) { ... }`: the body N times, fast-forwarded once a pass keeps the shape and the stride. */
import type { Tensor } from '../ops/types';
import type { Statement } from '../syntax/ast';
import type { EvaluateBody, Evaluated, Evaluation, Frame } from './evaluation';
import type { ReceptiveField } from '../types';
import type { StatementResult } from './results';
import { sameShape } from '../shape';
import { addInto, sumResults, zeroParams, zeroTotals } from './totals';
import { describeValue, evaluate, isError } from './values';

/** The most passes a repeat may ask for. */
const maxPasses = 10000;

/** Evaluates a repeat pass by pass, or fast-forwards the passes that would repeat themselves exactly. */
export function evaluateRepeat(evaluation: Evaluation, statement: Statement, input: Tensor | null, frame: Frame, evaluateBody: EvaluateBody): Evaluated {
  const body = statement.body;
  if (body.kind !== 'repeat') throw new Error('unreachable');
  const fail = () => ({ output: null, result: evaluation.result(statement, 'repeat', 'repeat', input, null, zeroParams(), 0, 0, true) });
  if (!body.count) return fail();
  const countValue = evaluate(body.count, frame.env, evaluation.textOf);
  if (isError(countValue)) {
    evaluation.report(frame, countValue.tooLarge ? 'too-large' : 'bad-value', countValue.message, countValue.range);
    return fail();
  }
  if (countValue.kind !== 'number' || !Number.isInteger(countValue.value)) {
    evaluation.report(frame, 'bad-value', `repeat needs a whole number of passes, not ${describeValue(countValue)}.`, body.count.range);
    return fail();
  }
  const count = countValue.value;
  if (count < 1 || count > maxPasses) {
    evaluation.report(frame, 'bad-value', `repeat(${count}): the count must be between 1 and ${maxPasses}.`, body.count.range);
    return fail();
  }
  let current = input;
  const totals = zeroTotals();
  let firstPass: StatementResult[] = [];
  let passes = 0;
  const repeatFrame = evaluation.openGroup(frame, 'repeat', `repeat ×${count}`, statement.range);
  while (passes < count) {
    const before = current;
    const passFrame = evaluation.openGroup(repeatFrame, 'repeat', `pass ${passes + 1} of ${count}`, statement.range);
    const pass = evaluateBody(evaluation, body.body, current, { ...passFrame, scope: { labels: new Map(), parent: frame.scope } });
    passes++;
    if (passes === 1) firstPass = pass.results;
    const passTotals = sumResults(pass.results);
    addInto(totals, passTotals, 1);
    current = pass.output;
    // Past a pass that failed, every later pass has an unknown input and adds nothing: stop instead of running them.
    if (!current) break;
    // A pass that keeps the shape and the jump will repeat itself exactly, except
    // that the receptive field grows by the same amount each time: fast-forward.
    // A recorded graph needs every pass's layers, so it never fast-forwards.
    const remaining = count - passes;
    if (!evaluation.recorder.recording && remaining > 0 && before && current && sameShape(before.shape, current.shape) && sameJumps(before.receptiveField, current.receptiveField)) {
      addInto(totals, passTotals, remaining);
      current = { shape: current.shape, receptiveField: extrapolate(before.receptiveField, current.receptiveField, remaining) };
      passes = count;
    }
  }
  const result = evaluation.result(statement, 'repeat', 'repeat', input, current, totals.params, totals.macs, totals.activations, false);
  result.parts = [{ name: 'pass 1', results: firstPass }];
  result.passes = count;
  return { output: current, result };
}

function sameJumps(a: ReceptiveField | null, b: ReceptiveField | null): boolean {
  if (!a || !b) return a === b;
  return a.jump.length === b.jump.length && a.jump.every((j, i) => j === b.jump[i]);
}

function isPlainNumber(value: number): boolean {
  return Number.isFinite(value) && !Object.is(value, -0);
}

/** Continues the per-pass growth of a receptive field for `times` more passes. */
function extrapolate(before: ReceptiveField | null, after: ReceptiveField | null, times: number): ReceptiveField | null {
  if (!before || !after) return after;
  // A pass that passed the field on unchanged (pointwise layers) adds nothing: s + (s - s) * times is s again, so
  // the same field serves (unless an entry is -0 or not finite, which that sum would change to 0 or NaN, or it
  // names a gate, which the field written below leaves out).
  if (before === after && after.gate === undefined && after.size.every(isPlainNumber) && after.start.every(isPlainNumber)) return after;
  return {
    size: after.size.map((s, i) => s + (s - before.size[i]) * times),
    jump: after.jump,
    start: after.start.map((s, i) => s + (s - before.start[i]) * times),
  };
}
