/**
 * Layer normalisation over the channels, `.cnn`'s `layernorm`, in the forms
 * exporters write: written out as ReduceMean → Sub → Pow (or Mul) →
 * ReduceMean → Add eps → Sqrt → Div, then Mul and Add by the learned scale
 * and shift, either on the channel axis (the project's export) or on the last
 * axis between two Transposes (torch 1.13's nn.LayerNorm on a channels-last
 * view, opsets below 17), or as LayerNormalization between the Transposes
 * (opset 17).
 */
import type { OnnxNode, OnnxTensor } from '../onnx/schema';
import type { ImportedTensor, LayerArg } from './layers';
import { floatAttr, intAttr, intsAttr, knownConstant, onlyReader, type OnnxContext, type OnnxPattern } from './onnxContext';

const axesOf = (context: OnnxContext, node: OnnxNode, rank: number) => (intsAttr(node, 'axes') ?? knownConstant(context, node, 1) ?? []).map((a) => (a + rank) % rank);

/** The written-out normalisation from `mean` (a ReduceMean of `x` over `axes`, comma-joined): its nodes, eps and the Div that ends it. */
export function normalisation(context: OnnxContext, x: string, mean: OnnxNode, axis: number | string, rank: number): { nodes: OnnxNode[]; eps: number; end: OnnxNode } | undefined {
  if (mean.op_type !== 'ReduceMean' || mean.input?.[0] !== x || intAttr(mean, 'keepdims', 1) !== 1 || axesOf(context, mean, rank).join() !== String(axis)) return undefined;
  const centre = onlyReader(context, mean);
  if (centre?.op_type !== 'Sub' || centre.input?.[0] !== x || centre.input?.[1] !== mean.output?.[0]) return undefined;
  const centred = centre.output?.[0] ?? '';
  const readers = context.readers(centred);
  const square = readers.find((n) => (n.op_type === 'Pow' && knownConstant(context, n, 1)?.[0] === 2) || (n.op_type === 'Mul' && n.input?.[0] === centred && n.input?.[1] === centred));
  const divide = readers.find((n) => n.op_type === 'Div' && n.input?.[0] === centred);
  if (!square || !divide || readers.length !== 2) return undefined;
  const variance = onlyReader(context, square);
  if (variance?.op_type !== 'ReduceMean' || intAttr(variance, 'keepdims', 1) !== 1 || axesOf(context, variance, rank).join() !== String(axis)) return undefined;
  const shift = onlyReader(context, variance);
  const eps = shift?.op_type === 'Add' ? knownConstant(context, shift, 1) : undefined;
  const root = onlyReader(context, shift);
  if (!eps || eps.length !== 1 || root?.op_type !== 'Sqrt' || onlyReader(context, root) !== divide || divide.input?.[1] !== root.output?.[0]) return undefined;
  return { nodes: [mean, centre, square, variance, shift!, root, divide], eps: eps[0], end: divide };
}

/** The per-channel Mul and Add after `end`, when they multiply and add stored tensors of `channels` values. */
export function affineAfter(context: OnnxContext, end: OnnxNode, channels: number): { nodes: OnnxNode[]; scale: OnnxTensor; shift: OnnxTensor } | undefined {
  const scaleNode = onlyReader(context, end);
  const shiftNode = onlyReader(context, scaleNode);
  if (scaleNode?.op_type !== 'Mul' || shiftNode?.op_type !== 'Add') return undefined;
  const stored = (node: OnnxNode, index: number) => {
    const found = context.valueNamed(node.input?.[index] ?? '');
    return found?.kind === 'weight' && (found.tensor.dims ?? []).reduce((p: number, d) => p * Number(d), 1) === channels ? found.tensor : undefined;
  };
  const scale = stored(scaleNode, 1);
  const shift = stored(shiftNode, 1);
  if (!scale || !shift || scaleNode.input?.[0] !== end.output?.[0] || shiftNode.input?.[0] !== scaleNode.output?.[0]) return undefined;
  return { nodes: [scaleNode, shiftNode], scale, shift };
}

function addLayerNorm(context: OnnxContext, last: OnnxNode, sourceId: number, eps: number, affine?: { scale: OnnxTensor; shift: OnnxTensor }): void {
  const source = context.layers[sourceId];
  const channels = source.outShape[0];
  const args: LayerArg[] = Math.abs(eps - 1e-5) > 1e-9 ? [{ key: 'eps', value: Number(eps.toPrecision(6)) }] : [];
  const tensors: ImportedTensor[] = [];
  if (affine) tensors.push(context.tensorOf(affine.scale, 'weight', [channels]), context.tensorOf(affine.shift, 'bias', [channels]));
  else args.push({ key: 'affine', value: false });
  context.addLayer(last, 'layernorm', args, [sourceId], source.outShape, tensors);
}

/** The written-out form on the channel axis, from its first ReduceMean. */
export const channelLayerNorm: OnnxPattern = (context, node) => {
  if (node.op_type !== 'ReduceMean') return false;
  const x = node.input?.[0] ?? '';
  const found = context.valueNamed(x);
  if (found?.kind !== 'layer') return false;
  const source = context.layers[found.id];
  const matched = normalisation(context, x, node, 1, source.outShape.length + 1);
  if (!matched) return false;
  const affine = affineAfter(context, matched.end, source.outShape[0]);
  addLayerNorm(context, affine ? affine.nodes[1] : matched.end, source.id, matched.eps, affine);
  context.absorb(...matched.nodes, ...(affine?.nodes ?? []));
  return true;
};

/** torch's channels-last form: Transpose moving the channels last, a normalisation over the last axis, Transpose back. */
export const channelsLastLayerNorm: OnnxPattern = (context, node) => {
  if (node.op_type !== 'Transpose') return false;
  const found = context.valueNamed(node.input?.[0] ?? '');
  if (found?.kind !== 'layer') return false;
  const source = context.layers[found.id];
  const rank = source.outShape.length + 1;
  const perm = (intsAttr(node, 'perm') ?? []).map((p) => (p + rank) % rank);
  const toLast = [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1];
  const fromLast = [0, rank - 1, ...Array.from({ length: rank - 2 }, (_, i) => i + 1)];
  if (rank < 3 || perm.join() !== toLast.join()) return false;
  const moved = node.output?.[0] ?? '';
  const readers = context.readers(moved);
  let nodes: OnnxNode[];
  let end: OnnxNode;
  let eps: number;
  let affine: { scale: OnnxTensor; shift: OnnxTensor } | undefined;
  if (readers.length === 1 && readers[0].op_type === 'LayerNormalization') {
    const norm = readers[0];
    if ((intAttr(norm, 'axis', -1) + rank) % rank !== rank - 1 || (norm.output?.length ?? 1) > 1) return false;
    const scale = context.valueNamed(norm.input?.[1] ?? '');
    const shift = norm.input?.[2] ? context.valueNamed(norm.input[2]) : undefined;
    if (scale?.kind !== 'weight' || (shift && shift.kind !== 'weight')) return false;
    nodes = [norm];
    end = norm;
    eps = floatAttr(norm, 'epsilon', 1e-5);
    // Without a bias input the shift is zero; .cnn's affine layer norm has both, so only the full form is read.
    if (shift?.kind !== 'weight') return false;
    affine = { scale: scale.tensor, shift: shift.tensor };
  } else {
    const mean = readers.find((n) => n.op_type === 'ReduceMean');
    const matched = mean && readers.length === 2 ? normalisation(context, moved, mean, rank - 1, rank) : undefined;
    if (!matched) return false;
    const after = affineAfter(context, matched.end, source.outShape[0]);
    nodes = [...matched.nodes, ...(after?.nodes ?? [])];
    end = after ? after.nodes[1] : matched.end;
    eps = matched.eps;
    affine = after;
  }
  const back = onlyReader(context, end);
  if (back?.op_type !== 'Transpose' || (intsAttr(back, 'perm') ?? []).map((p) => (p + rank) % rank).join() !== fromLast.join()) return false;
  addLayerNorm(context, back, source.id, eps, affine);
  context.absorb(node, ...nodes, back);
  return true;
};
