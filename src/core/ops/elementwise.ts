/** Shape-preserving layers: activations, dropout, PReLU, local response normalisation. */
import { arg, type OpDefinition, type ArgSpec } from './types';
import type { OpAttributes } from './attributes';

function elementwise(names: string[], summary: string, keywords: ArgSpec[] = [], positional: ArgSpec[] = []): OpDefinition {
  return {
    names,
    family: 'activation',
    pointwise: true,
    summary,
    signature: { positional, keywords },
    apply(context) {
      const attributes: Record<string, number> = {};
      for (const spec of [...positional, ...keywords]) {
        const value = spec.kind === 'int' ? context.int(spec.name) : context.number(spec.name);
        if (value === undefined) return null;
        attributes[spec.name] = value;
      }
      return { shape: context.input.shape, receptiveField: { kind: 'keep' }, attributes };
    },
  };
}

const dropout: OpDefinition<OpAttributes['dropout']> = {
  names: ['dropout', 'dropout1d', 'dropout2d', 'dropout3d'],
  family: 'regularization',
  pointwise: true,
  summary: 'Dropout: zeroes values with probability p while training (dropout2d/3d drop whole channels); the identity at inference.',
  signature: { positional: [arg.number('p', 'Probability of dropping a value, 0 to 1.', 0.5)], keywords: [] },
  apply(context) {
    const p = context.number('p', { min: 0, max: 1 });
    if (p === undefined) return null;
    return { shape: context.input.shape, receptiveField: { kind: 'keep' }, attributes: { p } };
  },
};

const prelu: OpDefinition<OpAttributes['prelu']> = {
  names: ['prelu'],
  family: 'activation',
  summary: 'Parametric ReLU: a learned slope for negative values, one shared (1 parameter) or one per channel (C).',
  signature: { positional: [], keywords: [arg.bool('shared', 'One slope for all channels (true) or one per channel (false).', true)] },
  apply(context) {
    const shared = context.bool('shared');
    if (shared === undefined) return null;
    return { shape: context.input.shape, trainable: shared ? 1 : context.input.shape[0], receptiveField: { kind: 'keep' }, attributes: { shared } };
  },
};

const lrn: OpDefinition<OpAttributes['lrn']> = {
  names: ['lrn'],
  family: 'normalization',
  summary: 'Local response normalisation across neighbouring channels (AlexNet). No parameters.',
  signature: {
    positional: [arg.int('size', 'Number of neighbouring channels.')],
    keywords: [arg.number('alpha', 'Scale.', 1e-4), arg.number('beta', 'Exponent.', 0.75), arg.number('k', 'Additive constant.', 1)],
  },
  apply(context) {
    const size = context.int('size', { min: 1 });
    const alpha = context.number('alpha');
    const beta = context.number('beta');
    const k = context.number('k');
    if (size === undefined || alpha === undefined || beta === undefined || k === undefined) return null;
    return { shape: context.input.shape, receptiveField: { kind: 'keep' }, attributes: { size, alpha, beta, k } };
  },
};

export const elementwiseOps: OpDefinition[] = [
  { ...elementwise(['relu'], 'Rectified linear unit: max(0, x).'), familiarNames: ['relu_'] },
  elementwise(['relu6'], 'ReLU capped at 6: min(max(0, x), 6) (MobileNet).'),
  elementwise(['leaky_relu'], 'Leaky ReLU: x for x > 0, slope·x otherwise.', [], [arg.number('slope', 'Slope for negative inputs.', 0.01)]),
  elementwise(['elu'], 'Exponential linear unit.', [arg.number('alpha', 'Saturation value for negative inputs.', 1)]),
  elementwise(['gelu'], 'Gaussian error linear unit.'),
  elementwise(['silu', 'swish'], 'Sigmoid linear unit x·sigmoid(x), also called swish.'),
  elementwise(['sigmoid'], 'Logistic sigmoid 1/(1+e^-x).'),
  elementwise(['tanh'], 'Hyperbolic tangent.'),
  elementwise(['hardswish'], 'Hard swish x·relu6(x+3)/6 (MobileNetV3).'),
  elementwise(['hardsigmoid'], 'Hard sigmoid relu6(x+3)/6.'),
  elementwise(['mish'], 'Mish: x·tanh(softplus(x)).'),
  elementwise(['softplus'], 'Softplus: log(1 + e^x).'),
  // Softmax mixes every channel of a position into each output.
  { ...elementwise(['softmax'], 'Softmax over the channel axis (the last axis of a feature vector): outputs sum to 1.'), pointwise: false },
  { ...elementwise(['log_softmax'], 'Logarithm of softmax.'), pointwise: false },
  elementwise(['identity'], 'Passes the tensor through; `x: identity` names a block input.'),
  dropout,
  prelu,
  lrn,
];
