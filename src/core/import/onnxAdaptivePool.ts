/**
 * Adaptive pooling to a size that does not divide the input, as the
 * project's export writes it (ONNX has no adaptive pooling): per axis, one
 * Slice per output cell over PyTorch's cell [floor(i·n/out), ceil((i+1)·n/out)),
 * each reduced by ReduceMean or ReduceMax over that axis, then a Concat on the
 * axis. The axes come one after another; together they are one
 * `adaptive_avgpool` or `adaptive_maxpool`.
 */
import type { OnnxNode } from '../onnx/schema';
import { intAttr, intsAttr, knownConstant, onlyReader, spatialArg, type OnnxPattern } from './onnxContext';

export const slicedAdaptivePool: OnnxPattern = (context, node) => {
  if (node.op_type !== 'Slice' || (node.input?.length ?? 0) < 4) return false;
  const x = node.input?.[0] ?? '';
  const found = context.valueNamed(x);
  if (found?.kind !== 'layer') return false;
  const source = context.layers[found.id];
  const rank = source.outShape.length + 1;
  const axisOf = (slice: OnnxNode) => ((knownConstant(context, slice, 3)?.[0] ?? -1) + rank) % rank;
  const axis = axisOf(node);
  const reduce = onlyReader(context, node);
  const concat = onlyReader(context, reduce);
  if (axis < 2 || !reduce || !['ReduceMean', 'ReduceMax'].includes(reduce.op_type) || concat?.op_type !== 'Concat' || (intAttr(concat, 'axis', 1) + rank) % rank !== axis) return false;
  const kind = reduce.op_type === 'ReduceMean' ? 'avg' : 'max';
  const size = source.outShape[axis - 1];
  const out = concat.input?.length ?? 0;
  const nodes: OnnxNode[] = [concat];
  for (let i = 0; i < out; i++) {
    const piece = context.producer(concat.input?.[i] ?? '');
    const slice = piece ? context.producer(piece.input?.[0] ?? '') : undefined;
    const axes = piece ? (intsAttr(piece, 'axes') ?? knownConstant(context, piece, 1) ?? []).map((a) => (a + rank) % rank) : [];
    if (piece?.op_type !== reduce.op_type || axes.join() !== String(axis) || intAttr(piece, 'keepdims', 1) !== 1 || slice?.op_type !== 'Slice' || slice.input?.[0] !== x || axisOf(slice) !== axis)
      return false;
    const start = knownConstant(context, slice, 1)?.[0];
    const end = knownConstant(context, slice, 2)?.[0];
    if (start !== Math.floor((i * size) / out) || end !== Math.ceil(((i + 1) * size) / out) || (slice.input?.[4] && knownConstant(context, slice, 4)?.[0] !== 1)) return false;
    nodes.push(piece, slice);
  }
  const sizes = source.outShape.slice(1).map((s, i) => (i === axis - 2 ? out : s));
  const slices = nodes.filter((n) => n.op_type === 'Slice');
  // The axis before, already pooled by this pattern and read by nothing else, takes this axis too.
  const earlier = source.op === `adaptive_${kind}pool` && source.sourceOp === 'Slice+Reduce' && context.readers(x).every((n) => slices.includes(n));
  if (earlier) {
    source.args = [{ value: spatialArg(sizes) }];
    source.outShape = [source.outShape[0], ...sizes];
    context.define(concat.output?.[0] ?? '', { kind: 'layer', id: source.id });
  } else {
    const layer = context.addLayer(concat, `adaptive_${kind}pool`, [{ value: spatialArg(sizes) }], [source.id], [source.outShape[0], ...sizes]);
    layer.sourceOp = 'Slice+Reduce';
  }
  context.absorb(...nodes);
  return true;
};
