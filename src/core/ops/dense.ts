/** Fully connected layers. */
import { elementCount } from '../shape';
import { declaredInput } from './declaredInput';
import { arg, type OpDefinition } from './types';
import type { OpAttributes } from './attributes';

const dense: OpDefinition<OpAttributes['dense']> = {
  names: ['dense', 'linear'],
  familiarNames: ['fc'],
  family: 'dense',
  summary: 'Fully connected layer on the last axis (as torch.nn.Linear); flatten first to connect every value.',
  signature: {
    positional: [arg.int('units', 'Output features.')],
    keywords: [
      arg.bool('bias', 'Add a learned bias per output feature.', true),
      { name: 'in', kind: 'int', doc: 'Expected input features, as PyTorch code states them; a different incoming size is an error.' },
    ],
  },
  apply(context) {
    const units = context.int('units', { min: 1 });
    const bias = context.bool('bias');
    if (units === undefined || bias === undefined) return null;
    const shape = context.input.shape;
    const features = declaredInput(context, shape.length - 1, 'input features');
    if (shape.length > 1) {
      context.report(
        'dense-on-spatial',
        `${context.name} acts on the last axis only, but its input ${shape.join('x')} still has spatial axes, so it mixes just the ${shape[shape.length - 1]} values of each row. Add flatten (or global_avgpool) before it.`,
      );
    }
    const outShape = [...shape.slice(0, -1), units];
    return {
      shape: outShape,
      trainable: features * units + (bias ? units : 0),
      macs: elementCount(outShape) * features,
      attributes: { units, bias },
      receptiveField: { kind: shape.length > 1 ? 'mixLast' : 'keep' },
    };
  },
};

export const denseOps: OpDefinition[] = [dense];
