/**
 * ConvTranspose as `.cnn`'s `conv_transpose`: groups, output_padding, pads
 * and dilations as PyTorch's ConvTranspose1d/2d/3d states them. Its weight
 * is [in, out/groups, ...kernel] in ONNX as in PyTorch.
 */
import type { OnnxNode } from '../onnx/schema';
import type { LayerArg } from './layers';
import { intAttr, intsAttr, spatialArg, stringAttr, Unsupported, type OnnxContext } from './onnxContext';

export function convTranspose(context: OnnxContext, node: OnnxNode): void {
  const source = context.layerInput(node);
  const weight = context.weightInput(node, 1, 'weight');
  const wDims = (weight.dims ?? []).map(Number);
  const kernel = intsAttr(node, 'kernel_shape') ?? wDims.slice(2);
  const rank = kernel.length;
  const ones = kernel.map(() => 1);
  const zeros = kernel.map(() => 0);
  const strides = intsAttr(node, 'strides') ?? ones;
  const dilations = intsAttr(node, 'dilations') ?? ones;
  const outputPadding = intsAttr(node, 'output_padding') ?? zeros;
  const groups = intAttr(node, 'group', 1);
  const autoPad = stringAttr(node, 'auto_pad') ?? 'NOTSET';
  if (autoPad !== 'NOTSET' && autoPad !== 'VALID') throw new Unsupported(node, `its auto_pad ${autoPad} is not a padding PyTorch's transposed convolution states; export with explicit pads.`);
  if (intsAttr(node, 'output_shape')) throw new Unsupported(node, 'it states an output_shape; .cnn states padding and output_padding, as PyTorch does.');
  const pads = autoPad === 'VALID' ? [...zeros, ...zeros] : (intsAttr(node, 'pads') ?? [...zeros, ...zeros]);
  const begin = pads.slice(0, rank);
  if (begin.some((p, i) => p !== pads[rank + i]))
    throw new Unsupported(node, `its padding is not symmetric (begin ${begin.join(', ')}, end ${pads.slice(rank).join(', ')}); .cnn's conv_transpose removes padding equally from both sides.`);
  const channels = source.outShape[0];
  if (wDims[0] !== channels) throw new Unsupported(node, `its weight is ${wDims.join('x')}, which does not fit ${channels} input channels.`);
  const out = wDims[1] * groups;
  const sizes = source.outShape.slice(1).map((s, i) => (s - 1) * strides[i] - 2 * begin[i] + dilations[i] * (kernel[i] - 1) + outputPadding[i] + 1);
  const hasBias = Boolean(node.input?.[2]);
  const tensors = [context.tensorOf(weight, 'weight')];
  if (hasBias) tensors.push(context.tensorOf(context.weightInput(node, 2, 'bias'), 'bias'));
  const args: LayerArg[] = [{ value: out }, { value: spatialArg(kernel) }];
  if (strides.some((s) => s !== 1)) args.push({ key: 'stride', value: spatialArg(strides) });
  if (begin.some((p) => p !== 0)) args.push({ key: 'padding', value: spatialArg(begin) });
  if (outputPadding.some((p) => p !== 0)) args.push({ key: 'output_padding', value: spatialArg(outputPadding) });
  if (dilations.some((d) => d !== 1)) args.push({ key: 'dilation', value: spatialArg(dilations) });
  if (groups !== 1) args.push({ key: 'groups', value: groups });
  if (!hasBias) args.push({ key: 'bias', value: false });
  context.addLayer(node, 'conv_transpose', args, [source.id], [out, ...sizes], tensors);
}
