/** Ops that combine the current tensor with labelled ones: add, concat, multiply. */
import { formatShape, sameShape } from '../shape';
import type { OpContext, OpDefinition, Tensor } from './types';
import type { OpAttributes } from './attributes';

/** The current tensor and the labelled ones, with the labels' names (for messages); null when one is unknown or failed. */
function labelledInputs(context: OpContext): { tensors: Tensor[]; labelNames: string[] } | null {
  const labels = context.labels();
  if (labels.length === 0) {
    context.report('missing-arg', `${context.name} needs at least one label to combine with the current tensor, e.g. ${context.name}(skip).`);
    return null;
  }
  // An unknown label was already reported where it is used; a label whose own tensor failed stays quiet.
  const tensors: Tensor[] = [context.input];
  const labelNames: string[] = [];
  for (const label of labels) {
    if (label.tensor === null) return null;
    tensors.push(label.tensor);
    labelNames.push(label.name);
  }
  return { tensors, labelNames };
}

/** "the current tensor is 8x4x4, 'skip' is 8x8x8": each input's shape, for a mismatch message. */
function describeAll(inputs: { tensors: Tensor[]; labelNames: string[] }): string {
  const names = ['the current tensor', ...inputs.labelNames.map((name) => `'${name}'`)];
  return inputs.tensors.map((t, i) => `${names[i]} is ${formatShape(t.shape)}`).join(', ');
}

const add: OpDefinition<OpAttributes['add']> = {
  names: ['add'],
  familiarNames: ['skip'],
  family: 'merge',
  summary: 'Element-wise sum of the current tensor and labelled tensors of the same shape (a skip connection).',
  signature: { positional: [], keywords: [], labels: true },
  apply(context) {
    const inputs = labelledInputs(context);
    if (!inputs) return null;
    const first = inputs.tensors[0].shape;
    if (inputs.tensors.some((t) => !sameShape(t.shape, first))) {
      context.report('merge-mismatch', `add needs equal shapes, but ${describeAll(inputs)}.`);
      return null;
    }
    return { shape: first, receptiveField: { kind: 'merge', fields: inputs.tensors.map((t) => t.receptiveField) } };
  },
};

const concat: OpDefinition<OpAttributes['concat']> = {
  names: ['concat'],
  familiarNames: ['concatenate'],
  family: 'merge',
  summary: 'Concatenates the current tensor and labelled tensors on the channel axis, in the order written; other axes must match.',
  signature: { positional: [], keywords: [], labels: true },
  apply(context) {
    const inputs = labelledInputs(context);
    if (!inputs) return null;
    const shape = concatShapes(inputs.tensors.map((t) => t.shape));
    if (!shape) {
      context.report('merge-mismatch', `concat joins channels, so every other axis must match, but ${describeAll(inputs)}.`);
      return null;
    }
    return { shape, receptiveField: { kind: 'merge', fields: inputs.tensors.map((t) => t.receptiveField) } };
  },
};

/** Channel-axis concatenation, or undefined when ranks or non-channel axes differ. */
export function concatShapes(shapes: number[][]): number[] | undefined {
  const first = shapes[0];
  if (shapes.some((s) => !sameShape(s.slice(1), first.slice(1)))) return undefined;
  return [shapes.reduce((sum, s) => sum + s[0], 0), ...first.slice(1)];
}

const multiply: OpDefinition<OpAttributes['multiply']> = {
  names: ['multiply'],
  family: 'merge',
  summary: 'Element-wise product with labelled tensors, broadcasting like NumPy over equal ranks (Cx1x1 against CxHxW, as in squeeze-and-excitation).',
  signature: { positional: [], keywords: [], labels: true },
  apply(context) {
    const inputs = labelledInputs(context);
    if (!inputs) return null;
    let shape = inputs.tensors[0].shape;
    for (const tensor of inputs.tensors.slice(1)) {
      const next = broadcast(shape, tensor.shape);
      if (!next) {
        context.report('merge-mismatch', `multiply broadcasts tensors of equal rank where each axis matches or is 1, but ${describeAll(inputs)}.`);
        return null;
      }
      shape = next;
    }
    // A broadcast operand (a Cx1x1 gate) reaches every unit with one value computed from the whole input:
    // the full-size paths give the local field, and the merge is marked gated.
    const spatialPaths = inputs.tensors.filter((t) => sameShape(t.shape, shape));
    const gated = spatialPaths.length > 0 && spatialPaths.length < inputs.tensors.length && shape.length > 1;
    return { shape, receptiveField: { kind: 'merge', fields: (spatialPaths.length ? spatialPaths : inputs.tensors).map((t) => t.receptiveField), gated } };
  },
};

function broadcast(a: number[], b: number[]): number[] | undefined {
  if (a.length !== b.length) return undefined;
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i] && a[i] !== 1 && b[i] !== 1) return undefined;
    out.push(Math.max(a[i], b[i]));
  }
  return out;
}

export const mergeOps: OpDefinition[] = [add, concat, multiply];
