/** Compound statements that join paths: `residual { } shortcut { }` and `concat { branch { } ... }`. */
import type { Fix } from '../diagnostics';
import type { Tensor } from '../ops/types';
import type { Statement } from '../syntax/ast';
import type { EvaluateBody, Evaluated, Evaluation, Frame } from './evaluation';
import type { StatementResult } from './results';
import { formatShape, sameShape } from '../shape';
import { sumResults } from './totals';

/** Adds a residual's body to its shortcut (or its input); the shapes must agree. */
export function evaluateResidual(evaluation: Evaluation, statement: Statement, input: Tensor | null, outerFrame: Frame, evaluateBody: EvaluateBody): Evaluated {
  const body = statement.body;
  if (body.kind !== 'residual') throw new Error('unreachable');
  const bodyScope = { labels: new Map(), parent: outerFrame.scope };
  const frame = evaluation.openGroup(outerFrame, 'residual', 'residual', statement.range);
  const main = evaluateBody(evaluation, body.body, input, { ...frame, scope: bodyScope });
  const parts = [{ name: 'body', results: main.results }];
  let shortcutOutput = input;
  if (body.shortcut) {
    const shortcut = evaluateBody(evaluation, body.shortcut, input, { ...frame, scope: { labels: new Map(), parent: frame.scope } });
    shortcutOutput = shortcut.output;
    parts.push({ name: 'shortcut', results: shortcut.results });
  }
  const totals = sumResults(parts.flatMap((p) => p.results));
  let output: Tensor | null = null;
  let failed = false;
  if (main.output && shortcutOutput) {
    if (!sameShape(main.output.shape, shortcutOutput.shape)) {
      failed = true;
      reportResidualMismatch(evaluation, statement, body.shortcut !== undefined, input, main.output, shortcutOutput, frame);
    } else {
      const merged = evaluation.merge([main.output.receptiveField, shortcutOutput.receptiveField], statement, frame, 'residual');
      output = { shape: main.output.shape, receptiveField: merged };
      output.node = evaluation.recorder.addNode(
        { op: 'add', written: 'residual', inputs: [main.output, shortcutOutput], outShape: output.shape, range: body.keywordRange, field: { kind: 'merge' } },
        frame.group,
      );
    }
  }
  const result = evaluation.result(statement, 'residual', 'residual', input, output, totals.params, totals.macs, totals.activations, failed);
  result.parts = parts;
  return { output, result };
}

/** Concatenates the branches' outputs on the channel axis; every other axis must agree. */
export function evaluateConcat(evaluation: Evaluation, statement: Statement, input: Tensor | null, outerFrame: Frame, evaluateBody: EvaluateBody): Evaluated {
  const body = statement.body;
  if (body.kind !== 'concatBlock') throw new Error('unreachable');
  const frame = evaluation.openGroup(outerFrame, 'concat', 'concat', statement.range);
  const parts = body.branches.map((branch, i) => ({
    name: `branch ${i + 1}`,
    results: [] as StatementResult[],
    output: null as Tensor | null,
    branch,
  }));
  for (const part of parts) {
    const evaluated = evaluateBody(evaluation, part.branch.body, input, { ...frame, scope: { labels: new Map(), parent: frame.scope } });
    part.results = evaluated.results;
    part.output = part.branch.body.length ? evaluated.output : input;
  }
  const totals = sumResults(parts.flatMap((p) => p.results));
  let output: Tensor | null = null;
  let failed = false;
  if (parts.length === 0) {
    failed = true;
    evaluation.report(frame, 'missing-arg', 'concat { } needs at least one branch { ... } inside.', body.keywordRange);
  } else if (parts.every((p) => p.output)) {
    const shapes = parts.map((p) => p.output!.shape);
    const sameRest = shapes.every((s) => sameShape(s.slice(1), shapes[0].slice(1)));
    if (!sameRest) {
      failed = true;
      evaluation.report(
        frame,
        'merge-mismatch',
        `concat joins branches on the channel axis, so every other axis must match, but ${parts.map((p, i) => `branch ${i + 1} gives ${formatShape(p.output!.shape)}`).join(', ')}. Adjust the branches' stride or padding.`,
        body.keywordRange,
      );
    } else {
      const merged = evaluation.merge(
        parts.map((p) => p.output!.receptiveField),
        statement,
        frame,
        'concat',
      );
      output = { shape: [shapes.reduce((sum, s) => sum + s[0], 0), ...shapes[0].slice(1)], receptiveField: merged };
      output.node = evaluation.recorder.addNode(
        { op: 'concat', written: 'concat', inputs: parts.map((p) => p.output!), outShape: output.shape, range: body.keywordRange, field: { kind: 'merge' } },
        frame.group,
      );
    }
  }
  const result = evaluation.result(statement, 'concat', 'concat', input, output, totals.params, totals.macs, totals.activations, failed);
  result.parts = parts.map((p) => ({ name: p.name, results: p.results }));
  return { output, result };
}

/** Reports a residual whose body and shortcut differ, offering a 1x1 projection when a stride explains it. */
function reportResidualMismatch(evaluation: Evaluation, statement: Statement, hasShortcut: boolean, input: Tensor | null, main: Tensor, shortcut: Tensor, frame: Frame): void {
  const body = statement.body;
  if (body.kind !== 'residual') return;
  let message = `residual adds its body (${formatShape(main.shape)}) to its ${hasShortcut ? 'shortcut' : 'input'} (${formatShape(shortcut.shape)}), so both must have the same shape.`;
  const fixes: Fix[] = [];
  if (!hasShortcut && input && main.shape.length === input.shape.length && main.shape.length >= 2) {
    const strides = input.shape.slice(1).map((n, i) => n / main.shape[i + 1]);
    const stride = strides[0];
    if (strides.every((s) => s === stride && Number.isInteger(s) && s >= 1)) {
      const projection = `conv(${main.shape[0]}, 1${stride !== 1 ? `, stride=${stride}` : ''}, bias=false); batchnorm`;
      message += ` Add a projection: shortcut { ${projection} }.`;
      fixes.push({
        title: `Add shortcut { ${projection} }`,
        edits: [{ range: { start: body.range.end, end: body.range.end }, newText: ` shortcut { ${projection} }` }],
        preferred: true,
      });
    }
  }
  evaluation.report(frame, 'merge-mismatch', message, body.keywordRange, fixes);
}
