/**
 * Ops that cut or reorder a tensor without mixing positions: slice,
 * channel_shuffle and pixel_shuffle (ShuffleNetV2, CSP/C2f and GhostNet
 * splits, sub-pixel upsampling), and layer_scale, ConvNeXt's learned
 * per-channel multiplier.
 */
import { axesName, formatShape } from '../shape';
import { arg, type OpDefinition } from './types';
import type { OpAttributes } from './attributes';

const slice: OpDefinition<OpAttributes['slice']> = {
  names: ['slice'],
  family: 'channel',
  summary:
    'Keeps indices start..end-1 of one axis (0 = channels, as the shape is written, no batch); negative indices count from the end, as Python. ShuffleNetV2 splits channels with slice(0, c) and slice(c, 2c).',
  signature: {
    positional: [
      arg.int('start', 'First index kept; negative counts from the end.'),
      { name: 'end', kind: 'int', defaultText: 'the end', doc: 'One past the last index kept; negative counts from the end; omitted means to the end.' },
    ],
    keywords: [arg.int('axis', 'The axis to cut: 0 is channels, 1 the first spatial axis, and so on.', 0)],
  },
  apply(context) {
    const shape = context.input.shape;
    const axis = context.int('axis');
    const start = context.int('start', { min: -Number.MAX_SAFE_INTEGER });
    const end = context.has('end') ? context.int('end', { min: -Number.MAX_SAFE_INTEGER }) : undefined;
    if (axis === undefined || start === undefined || (context.has('end') && end === undefined)) return null;
    if (axis >= shape.length) {
      context.report('bad-value', `slice axis=${axis} does not exist: ${formatShape(shape)} is ${axesName(shape.length)} with axes 0 to ${shape.length - 1} (0 is channels).`, 'axis');
      return null;
    }
    const size = shape[axis];
    // Python's rules: negative indices count from the end, and both ends clamp to the axis.
    const resolve = (i: number) => Math.min(Math.max(i < 0 ? i + size : i, 0), size);
    const from = resolve(start);
    const to = end === undefined ? size : resolve(end);
    if (to <= from) {
      context.report('nonpositive-size', `slice(${start}${end === undefined ? '' : `, ${end}`}) keeps nothing of the ${size} entries of axis ${axis}; start must come before end.`, 'start');
      return null;
    }
    const out = [...shape];
    out[axis] = to - from;
    return {
      shape: out,
      attributes: { axis, start: from, end: to },
      receptiveField: axis === 0 ? { kind: 'keep' } : { kind: 'slice', axis: axis - 1, start: from },
    };
  },
};

const channelShuffle: OpDefinition<OpAttributes['channel_shuffle']> = {
  names: ['channel_shuffle'],
  family: 'channel',
  summary: 'Interleaves the channels of `groups` groups (channel g·(C/groups) + i moves to i·groups + g), as torch.nn.ChannelShuffle in ShuffleNet.',
  signature: { positional: [arg.int('groups', 'Number of channel groups; must divide the channels.')], keywords: [] },
  apply(context) {
    const groups = context.int('groups', { min: 1 });
    if (groups === undefined) return null;
    const channels = context.input.shape[0];
    if (channels % groups !== 0) {
      context.report('groups', `channel_shuffle groups=${groups} does not divide the ${channels} channels.`, 'groups');
      return null;
    }
    return { shape: context.input.shape, attributes: { groups }, receptiveField: { kind: 'keep' } };
  },
};

const pixelShuffle: OpDefinition<OpAttributes['pixel_shuffle']> = {
  names: ['pixel_shuffle'],
  family: 'channel',
  spatialRanks: [1, 2, 3],
  summary:
    "Moves channels into space: C x H x W becomes C/r² x rH x rW (r^n for n spatial axes), in PyTorch's channel order (torch.nn.PixelShuffle; TensorFlow's depth_to_space orders channels differently).",
  signature: { positional: [arg.int('factor', 'Upscaling factor r per spatial axis; r^n must divide the channels.')], keywords: [] },
  apply(context) {
    const factor = context.int('factor', { min: 1 });
    if (factor === undefined) return null;
    const [channels, ...sizes] = context.input.shape;
    const block = factor ** sizes.length;
    if (channels % block !== 0) {
      context.report('groups', `pixel_shuffle(${factor}) needs channels divisible by ${factor}^${sizes.length} = ${block}, but the input has ${channels}.`, 'factor');
      return null;
    }
    return {
      shape: [channels / block, ...sizes.map((n) => n * factor)],
      attributes: { factor },
      receptiveField: { kind: 'pixelShuffle', factor },
    };
  },
};

const layerScale: OpDefinition<OpAttributes['layer_scale']> = {
  names: ['layer_scale'],
  family: 'channel',
  summary: "Multiplies each channel by a learned factor (C parameters), ConvNeXt's layer scale (gamma, initialised to `init`).",
  signature: { positional: [], keywords: [arg.number('init', 'Initial value of every factor.', 1e-6)] },
  apply(context) {
    const init = context.number('init');
    if (init === undefined) return null;
    return { shape: context.input.shape, trainable: context.input.shape[0], attributes: { init }, receptiveField: { kind: 'keep' } };
  },
};

export const channelOps: OpDefinition[] = [slice, channelShuffle, pixelShuffle, layerScale];
