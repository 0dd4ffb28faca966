/** Convolutions: conv (1-D/2-D/3-D by input rank), transposed, depthwise and separable. */
import { elementCount } from '../shape';
import { declaredInput } from './declaredInput';
import { arg, type OpContext, type OpDefinition, type OpOutcome } from './types';
import { resolvePadding, suggestWindowChange, windowAttributes, windowOutput, windowStep, type WindowGeometry } from './window';
import type { OpAttributes } from './attributes';

const sharedWindowArgs = [
  arg.spatial('stride', 'Step between windows, per spatial axis.', 1),
  arg.padding(
    'Zeros added on each side: a number, a tuple, "valid" (0), "same" (output ceil(in/stride), odd pixel right/bottom, as Keras), "full" (d(k-1)) or "causal" (d(k-1) in front only, as TCN and WaveNet).',
    true,
  ),
  arg.spatial('dilation', 'Spacing between kernel taps; the window spans d(k-1)+1 pixels.', 1),
];

/** Shared by every windowed convolution: reads kernel/stride/padding/dilation and computes output sizes. */
function convWindow(context: OpContext): { g: WindowGeometry; out: { sizes: number[]; formula: string[] } } | undefined {
  const sizes = context.input.shape.slice(1);
  const kernel = context.spatial('kernel');
  const stride = context.spatial('stride');
  const dilation = context.spatial('dilation');
  if (!kernel || !stride || !dilation) return undefined;
  const padding = resolvePadding(context, sizes, kernel, stride, dilation);
  if (!padding) return undefined;
  const g: WindowGeometry = { kernel, stride, dilation, padLeft: padding.left, padRight: padding.right, ceilMode: false };
  const out = windowOutput(context, sizes, g);
  return out ? { g, out } : undefined;
}

function checkGroups(context: OpContext, inChannels: number, outChannels: number, groups: number): void {
  if (inChannels % groups !== 0 || outChannels % groups !== 0) {
    const which = inChannels % groups !== 0 ? `the ${inChannels} input channels` : `the ${outChannels} output channels`;
    context.report('groups', `groups=${groups} does not divide ${which}; both channel counts must be multiples of groups.`, 'groups');
  }
}

const conv: OpDefinition<OpAttributes['conv']> = {
  names: ['conv', 'conv1d', 'conv2d', 'conv3d'],
  fixedRank: { conv1d: 1, conv2d: 2, conv3d: 3 },
  spatialRanks: [1, 2, 3],
  family: 'convolution',
  summary: 'Convolution over the spatial axes (1-D, 2-D or 3-D by the input rank; conv1d/conv2d/conv3d demand one). As torch.nn.Conv2d.',
  signature: {
    positional: [arg.int('out', 'Output channels (filters).'), arg.spatial('kernel', 'Kernel size: an int, or a tuple/shape per axis such as (1, 7) or 1x7.')],
    keywords: [
      ...sharedWindowArgs,
      arg.int('groups', 'Split channels into groups convolved separately; must divide in and out.', 1),
      arg.bool('bias', 'Add a learned bias per output channel.', true),
      { name: 'in', kind: 'int', doc: 'Expected input channels, as PyTorch code states them; a different incoming size is an error.' },
    ],
  },
  apply(context) {
    const out = context.int('out', { min: 1 });
    const groups = context.int('groups', { min: 1 });
    const bias = context.bool('bias');
    const window = convWindow(context);
    if (out === undefined || groups === undefined || bias === undefined || !window) return null;
    const inChannels = declaredInput(context);
    checkGroups(context, inChannels, out, groups);
    const taps = elementCount(window.g.kernel);
    const perGroupIn = Math.floor(inChannels / groups);
    const shape = [out, ...window.out.sizes];
    return {
      shape,
      trainable: perGroupIn * taps * out + (bias ? out : 0),
      macs: elementCount(shape) * perGroupIn * taps,
      attributes: { out, groups, bias, ...windowAttributes(window.g) },
      receptiveField: windowStep(window.g),
      formula: window.out.formula,
      suggest: suggestWindowChange(context.input.shape.slice(1), window.g),
    };
  },
};

const convTranspose: OpDefinition<OpAttributes['conv_transpose']> = {
  names: ['conv_transpose', 'conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d'],
  familiarNames: ['deconv'],
  fixedRank: { conv_transpose1d: 1, conv_transpose2d: 2, conv_transpose3d: 3 },
  spatialRanks: [1, 2, 3],
  family: 'convolution',
  summary: 'Transposed convolution ("deconvolution"), which upsamples: out = (in-1)s - 2p + d(k-1) + output_padding + 1. As torch.nn.ConvTranspose2d.',
  signature: {
    positional: [arg.int('out', 'Output channels.'), arg.spatial('kernel', 'Kernel size: an int or a tuple per axis.')],
    keywords: [
      arg.spatial('stride', 'Upsampling factor between input pixels.', 1),
      arg.spatial('padding', 'Zeros implicitly removed from each side of the output, as PyTorch defines it.', 0),
      arg.spatial('output_padding', 'Extra size added to one side of the output; must be smaller than stride or dilation.', 0),
      arg.spatial('dilation', 'Spacing between kernel taps.', 1),
      arg.int('groups', 'Channel groups; must divide in and out.', 1),
      arg.bool('bias', 'Add a learned bias per output channel.', true),
      { name: 'in', kind: 'int', doc: 'Expected input channels; a different incoming size is an error.' },
    ],
  },
  apply(context) {
    const out = context.int('out', { min: 1 });
    const kernel = context.spatial('kernel');
    const stride = context.spatial('stride');
    const padding = context.spatial('padding', { min: 0 });
    const outputPadding = context.spatial('output_padding', { min: 0 });
    const dilation = context.spatial('dilation');
    const groups = context.int('groups', { min: 1 });
    const bias = context.bool('bias');
    if (out === undefined || !kernel || !stride || !padding || !outputPadding || !dilation || groups === undefined || bias === undefined) return null;
    const bad = outputPadding.findIndex((op, i) => op >= Math.max(stride[i], dilation[i]));
    if (bad >= 0) {
      context.report('bad-value', `output_padding ${outputPadding[bad]} must be smaller than stride or dilation (${Math.max(stride[bad], dilation[bad])}), as PyTorch requires.`, 'output_padding');
      return null;
    }
    const inChannels = declaredInput(context);
    checkGroups(context, inChannels, out, groups);
    const sizes = context.input.shape.slice(1);
    const outSizes = sizes.map((n, i) => (n - 1) * stride[i] - 2 * padding[i] + dilation[i] * (kernel[i] - 1) + outputPadding[i] + 1);
    const formula = sizes.map((n, i) => `(${n}-1)*${stride[i]} - 2*${padding[i]} + ${dilation[i]}*(${kernel[i]}-1) + ${outputPadding[i]} + 1 = ${outSizes[i]}`);
    const bad2 = outSizes.findIndex((o) => o < 1);
    if (bad2 >= 0) {
      context.report('nonpositive-size', `${context.name}: padding ${padding[bad2]} removes the whole output on axis ${bad2 + 1}: ${formula[bad2]}. Use less padding.`, 'padding');
      return null;
    }
    const taps = elementCount(kernel);
    return {
      shape: [out, ...outSizes],
      trainable: inChannels * Math.floor(out / groups) * taps + (bias ? out : 0),
      attributes: { out, kernel, stride, padding, outputPadding, dilation, groups, bias },
      macs: elementCount(context.input.shape) * Math.floor(out / groups) * taps,
      receptiveField: { kind: 'transpose', kernel: kernel.map((k, i) => dilation[i] * (k - 1) + 1), stride, padLeft: padding, dilation },
      formula,
    };
  },
};

const depthwise: OpDefinition<OpAttributes['depthwise_conv']> = {
  names: ['depthwise_conv', 'depthwise_conv1d', 'depthwise_conv2d', 'depthwise_conv3d'],
  fixedRank: { depthwise_conv1d: 1, depthwise_conv2d: 2, depthwise_conv3d: 3 },
  spatialRanks: [1, 2, 3],
  family: 'convolution',
  summary: 'Depthwise convolution: one filter per input channel (conv with groups=in, out=in·multiplier), as in MobileNet.',
  signature: {
    positional: [arg.spatial('kernel', 'Kernel size: an int or a tuple per axis.')],
    keywords: [arg.int('multiplier', 'Output channels per input channel.', 1), ...sharedWindowArgs, arg.bool('bias', 'Add a learned bias per output channel.', true)],
  },
  apply(context) {
    const multiplier = context.int('multiplier', { min: 1 });
    const bias = context.bool('bias');
    const window = convWindow(context);
    if (multiplier === undefined || bias === undefined || !window) return null;
    const inChannels = context.input.shape[0];
    const out = inChannels * multiplier;
    const taps = elementCount(window.g.kernel);
    const shape = [out, ...window.out.sizes];
    return {
      shape,
      trainable: taps * out + (bias ? out : 0),
      macs: elementCount(shape) * taps,
      attributes: { multiplier, bias, ...windowAttributes(window.g) },
      receptiveField: windowStep(window.g),
      formula: window.out.formula,
      suggest: suggestWindowChange(context.input.shape.slice(1), window.g),
    };
  },
};

const separable: OpDefinition<OpAttributes['separable_conv']> = {
  names: ['separable_conv', 'separable_conv1d', 'separable_conv2d', 'separable_conv3d'],
  fixedRank: { separable_conv1d: 1, separable_conv2d: 2, separable_conv3d: 3 },
  spatialRanks: [1, 2, 3],
  family: 'convolution',
  summary: 'Depthwise separable convolution: a depthwise convolution (no bias) then a 1x1 pointwise convolution, as Keras SeparableConv2D.',
  signature: {
    positional: [arg.int('out', 'Output channels of the pointwise step.'), arg.spatial('kernel', 'Depthwise kernel size.')],
    keywords: [arg.int('multiplier', 'Depthwise channels per input channel.', 1), ...sharedWindowArgs, arg.bool('bias', 'Bias on the pointwise step.', true)],
  },
  apply(context) {
    const out = context.int('out', { min: 1 });
    const multiplier = context.int('multiplier', { min: 1 });
    const bias = context.bool('bias');
    const window = convWindow(context);
    if (out === undefined || multiplier === undefined || bias === undefined || !window) return null;
    const inChannels = context.input.shape[0];
    const taps = elementCount(window.g.kernel);
    const positions = elementCount(window.out.sizes);
    const middle = inChannels * multiplier;
    return {
      shape: [out, ...window.out.sizes],
      trainable: inChannels * taps * multiplier + middle * out + (bias ? out : 0),
      macs: positions * middle * taps + positions * out * middle,
      attributes: { out, multiplier, bias, ...windowAttributes(window.g) },
      receptiveField: windowStep(window.g),
      formula: window.out.formula,
      suggest: suggestWindowChange(context.input.shape.slice(1), window.g),
    };
  },
};

export const convolutionOps: OpDefinition[] = [conv, convTranspose, depthwise, separable];
export type { OpOutcome };
