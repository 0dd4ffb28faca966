/** One network: its `input`, then every statement in order, then its totals. */
import { diagnostic } from '../diagnostics';
import type { Tensor } from '../ops/types';
import type { CallNode, NetworkDecl } from '../syntax/ast';
import { BudgetExceeded, maxEvaluationDepth, NestingExceeded, type Evaluated, type Evaluation, type Frame } from './evaluation';
import type { NetworkGraph } from './graph';
import { GraphTooLarge, maxGraphLayers, NetworkGraphRecorder, notRecording } from './graphRecorder';
import type { ReceptiveField, Value } from '../types';
import { inputReceptiveField } from './receptiveField';
import type { NetworkAnalysis, StatementResult } from './results';
import { checkAssertion, evaluateStatement } from './statements';
import { sumResults, zeroParams } from './totals';
import { evaluate, isError, maxExact } from './values';

/**
 * Where a network's evaluation resumes (incremental analysis): the first
 * `statements.length` statements of its body were evaluated before, exactly
 * as they would be now, and this is what they left.
 */
export interface ResumePoint {
  statements: StatementResult[];
  input: number[] | null;
  output: Tensor | null;
  lastField: ReceptiveField | null;
  /** The network's labels bound so far, in order. */
  labels: [string, Tensor | null][];
}

/** For incremental analysis: where to resume, and who records the state after each statement of the body (by index). */
export interface NetworkProgress {
  from?: ResumePoint;
  step(index: number, output: Tensor | null, lastField: ReceptiveField | null): void;
}

/**
 * Analyses one network; when `graphs` is given, its graph is recorded and
 * appended there. `progress` (never with graphs) resumes after an unchanged
 * prefix and records each statement's state.
 */
export function analyzeNetwork(evaluation: Evaluation, network: NetworkDecl, graphs?: NetworkGraph[], progress?: NetworkProgress): NetworkAnalysis {
  const frame: Frame = { env: new Map(), scope: { labels: new Map() }, calls: [], expanding: new Set() };
  const statements: StatementResult[] = [];
  const recorder = graphs ? new NetworkGraphRecorder(network.name) : notRecording;
  evaluation.recorder = recorder;
  let statementIndex = 0;
  recorder.atStatement(statementIndex);
  const [first] = network.body;
  const hasInput = first !== undefined && first.body.kind === 'call' && first.body.name === 'input';
  let input: number[] | null = null;
  let current: Tensor | null = null;
  let startAt = 0;
  const from = progress?.from;
  if (from) {
    statements.push(...from.statements);
    input = from.input;
    current = from.output;
    for (const [name, tensor] of from.labels) frame.scope.labels.set(name, tensor);
    startAt = from.statements.length;
    statementIndex = hasInput ? startAt - 1 : startAt;
  } else if (hasInput && first.body.kind === 'call') {
    input = inputShape(evaluation, first.body, frame);
    current = input ? { shape: input, receptiveField: inputReceptiveField(input.length - 1) } : null;
    if (current && recorder.recording) current.node = recorder.addNode({ op: 'input', written: 'input', inputs: [], outShape: input!, range: first.range, label: first.label?.name }, frame.group);
    const result = evaluation.result(first, 'input', 'input', null, current, zeroParams(), 0, 0, !input);
    checkAssertion(evaluation, first, result, frame, undefined);
    if (first.label) frame.scope.labels.set(first.label.name, current);
    statements.push(result);
    evaluation.remember(first, result);
    progress?.step(0, current, current?.receptiveField ?? null);
    startAt = 1;
  } else {
    evaluation.add(diagnostic('missing-arg', `Network ${network.name} needs input(SHAPE) as its first statement, e.g. input(3x224x224) (channels x height x width, no batch).`, network.nameRange));
  }
  let lastField: ReceptiveField | null = from ? from.lastField : (current?.receptiveField ?? null);
  let stopped = false;
  for (let index = startAt; index < network.body.length; index++) {
    const statement = network.body[index];
    recorder.atStatement(++statementIndex);
    let evaluated: Evaluated;
    try {
      evaluated = evaluateStatement(evaluation, statement, current, frame);
    } catch (error) {
      if (!(error instanceof BudgetExceeded || error instanceof NestingExceeded || error instanceof GraphTooLarge)) throw error;
      const stops = `CNN Lens stops analysing ${network.name} here, so its output and totals are unknown`;
      const message =
        error instanceof BudgetExceeded
          ? `Analysing this costs more than ${evaluation.budget.toLocaleString('en-US')} steps (layer evaluations and their arguments, through nested repeats or block calls); ${stops}.`
          : error instanceof GraphTooLarge
            ? // Only an analysis with graphs records layers: the plain analysis may still finish this network, with its totals.
              `The graph of ${network.name} has more than ${maxGraphLayers.toLocaleString('en-US')} layers here (every repeat pass and block call expanded); CNN Lens stops recording its graph here, so its training memory and forward pass are unavailable.`
            : `Block calls and nested bodies here go deeper than ${maxEvaluationDepth} levels; ${stops}.`;
      evaluation.add(diagnostic('too-large', message, statement.range));
      recorder.incomplete();
      stopped = true;
      break;
    }
    statements.push(evaluated.result);
    current = evaluated.output;
    if (current?.receptiveField) lastField = current.receptiveField;
    progress?.step(index, current, lastField);
  }
  const graph = recorder.finish(current);
  if (graph) graphs?.push(graph);
  evaluation.recorder = notRecording;
  if (stopped) {
    // What was counted so far is not the network's: past the statement that stopped, nothing is known.
    return { name: network.name, declaration: network, input, output: null, params: zeroParams(), macs: 0, activations: 0, receptiveField: null, statements, stopped: true };
  }
  const totals = sumResults(statements);
  for (const count of [totals.params.trainable + totals.params.nonTrainable, totals.macs, totals.activations]) {
    if (count > maxExact) {
      evaluation.add(diagnostic('too-large', `Network ${network.name} counts past 2^53 (${count.toExponential(3)}), beyond exact arithmetic; totals are approximate.`, network.nameRange));
      break;
    }
  }
  return {
    name: network.name,
    declaration: network,
    input,
    output: current?.shape ?? null,
    params: totals.params,
    macs: totals.macs,
    activations: totals.activations,
    receptiveField: lastField,
    statements,
  };
}

/** Reads `input(3x224x224)` or `input(3, 224, 224)`. */
function inputShape(evaluation: Evaluation, call: CallNode, frame: Frame): number[] | null {
  const values: Value[] = [];
  for (const argument of call.args) {
    const value = evaluate(argument.value, frame.env, evaluation.textOf);
    if (isError(value)) {
      evaluation.report(frame, value.tooLarge ? 'too-large' : 'bad-value', value.message, value.range);
      return null;
    }
    values.push(value);
  }
  let dims: (number | null)[] | undefined;
  if (values.length === 1 && values[0].kind === 'shape') dims = values[0].dims;
  else if (values.length >= 1 && values.every((v) => v.kind === 'number')) dims = values.map((v) => (v.kind === 'number' ? v.value : null));
  else if (values.length === 1 && values[0].kind === 'tuple') dims = values[0].items.map((v) => (v.kind === 'number' ? v.value : null));
  if (!dims || dims.length < 1 || dims.length > 4 || dims.some((d) => d === null || !Number.isInteger(d) || d < 1)) {
    evaluation.report(
      frame,
      call.args.length === 0 ? 'missing-arg' : 'bad-value',
      'input needs a shape of 1 to 4 positive whole numbers, channels first and without the batch: input(3x224x224), input(1x16000), input(3x16x112x112).',
      call.range,
    );
    return null;
  }
  return dims as number[];
}
