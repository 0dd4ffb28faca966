/** Normalisation layers. */
import { arg, type OpDefinition } from './types';
import type { OpAttributes } from './attributes';

const batchnorm: OpDefinition<OpAttributes['batchnorm']> = {
  names: ['batchnorm', 'batchnorm1d', 'batchnorm2d', 'batchnorm3d'],
  familiarNames: ['batch_norm', 'bn'],
  // batchnorm1d also takes plain feature vectors (N, C) in PyTorch, so only 2d and 3d fix a rank.
  fixedRank: { batchnorm2d: 2, batchnorm3d: 3 },
  family: 'normalization',
  summary: 'Batch normalisation per channel: 2C trainable (scale, shift) and 2C non-trainable running mean and variance.',
  signature: {
    positional: [],
    keywords: [
      arg.number('eps', 'Added to the variance for numerical stability.', 1e-5),
      arg.number('momentum', 'Weight of the newest batch in the running statistics.', 0.1),
      arg.bool('affine', 'Learn a scale and shift per channel.', true),
      { name: 'in', kind: 'int', doc: 'Expected channels (num_features in PyTorch); a different incoming size is an error.' },
    ],
  },
  apply(context) {
    const eps = context.number('eps', { min: 0 });
    const momentum = context.number('momentum', { min: 0, max: 1 });
    const affine = context.bool('affine');
    if (eps === undefined || momentum === undefined || affine === undefined) return null;
    let channels = context.input.shape[0];
    if (context.has('in')) {
      const declared = context.int('in', { min: 1 });
      if (declared !== undefined && declared !== channels) {
        context.report('channel-mismatch', `${context.name} declares in=${declared} but receives ${channels} channels. Set in=${channels}.`, 'in', [
          context.setArgumentFix('in', String(channels), `Set in=${channels}`),
        ]);
        channels = declared;
      }
    }
    return {
      shape: context.input.shape,
      trainable: affine ? 2 * channels : 0,
      nonTrainable: 2 * channels,
      receptiveField: { kind: 'keep' },
      attributes: { eps, momentum, affine },
    };
  },
};

const layernorm: OpDefinition<OpAttributes['layernorm']> = {
  names: ['layernorm'],
  family: 'normalization',
  summary: 'Layer normalisation over the channel axis of each position, with a learned scale and shift per channel (2C).',
  signature: { positional: [], keywords: [arg.number('eps', 'Added to the variance.', 1e-5), arg.bool('affine', 'Learn a scale and shift per channel.', true)] },
  apply(context) {
    const affine = context.bool('affine');
    const eps = context.number('eps', { min: 0 });
    if (affine === undefined || eps === undefined) return null;
    return { shape: context.input.shape, trainable: affine ? 2 * context.input.shape[0] : 0, receptiveField: { kind: 'keep' }, attributes: { eps, affine } };
  },
};

const groupnorm: OpDefinition<OpAttributes['groupnorm']> = {
  names: ['groupnorm'],
  family: 'normalization',
  summary: 'Group normalisation: channels split into groups normalised together; groups must divide C. 2C learned parameters.',
  signature: {
    positional: [arg.int('groups', 'Number of channel groups; must divide the channels.')],
    keywords: [arg.number('eps', 'Added to the variance.', 1e-5), arg.bool('affine', 'Learn a scale and shift per channel.', true)],
  },
  apply(context) {
    const groups = context.int('groups', { min: 1 });
    const affine = context.bool('affine');
    const eps = context.number('eps', { min: 0 });
    if (groups === undefined || affine === undefined || eps === undefined) return null;
    const channels = context.input.shape[0];
    if (channels % groups !== 0) {
      context.report('groups', `groupnorm: ${groups} groups do not divide ${channels} channels; use a divisor of ${channels}.`, 'groups');
    }
    return { shape: context.input.shape, trainable: affine ? 2 * channels : 0, receptiveField: { kind: 'keep' }, attributes: { groups, eps, affine } };
  },
};

const instancenorm: OpDefinition<OpAttributes['instancenorm']> = {
  names: ['instancenorm'],
  family: 'normalization',
  summary: 'Instance normalisation: each channel of each sample normalised over its spatial axes (as torch.nn.InstanceNorm2d, affine=false by default).',
  signature: { positional: [], keywords: [arg.number('eps', 'Added to the variance.', 1e-5), arg.bool('affine', 'Learn a scale and shift per channel.', false)] },
  apply(context) {
    const affine = context.bool('affine');
    const eps = context.number('eps', { min: 0 });
    if (affine === undefined || eps === undefined) return null;
    return { shape: context.input.shape, trainable: affine ? 2 * context.input.shape[0] : 0, receptiveField: { kind: 'keep' }, attributes: { eps, affine } };
  },
};

export const normalizationOps: OpDefinition[] = [batchnorm, layernorm, groupnorm, instancenorm];
