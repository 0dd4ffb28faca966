/**
 * `Slice` and `Split` on a computed tensor as `.cnn`'s `slice(start, end,
 * axis=...)`: `x[:, a:b]`, torch.chunk and torch.split (ShuffleNetV2's
 * halves), a time step of a sequence. One `slice` per sliced axis.
 */
import type { OnnxNode } from '../onnx/schema';
import type { LayerArg } from './layers';
import { intAttr, intsAttr, Unsupported, type OnnxContext } from './onnxContext';
import { sliceIndices } from './onnxConstants';

/** Adds the `slice` layers that keep [start, end) of each axis, the last one computing `output`. */
function addSlices(context: OnnxContext, node: OnnxNode, bounds: { axis: number; start: number; end: number }[], output: string): void {
  let source = context.layerInput(node);
  const kept = bounds.filter(({ axis, start, end }) => start > 0 || end < source.outShape[axis - 1]);
  if (!kept.length) {
    context.define(output, { kind: 'layer', id: source.id });
    return;
  }
  kept.forEach(({ axis, start, end }, i) => {
    const size = source.outShape[axis - 1];
    const args: LayerArg[] = [{ value: start }];
    if (end < size) args.push({ value: end });
    if (axis !== 1) args.push({ key: 'axis', value: axis - 1 });
    const shape = source.outShape.map((s, a) => (a === axis - 1 ? end - start : s));
    source = context.addLayer(node, 'slice', args, [source.id], shape, [], i === kept.length - 1 ? output : `${output}#${axis}`);
  });
}

/** ONNX's Slice (attributes before opset 10, inputs since) on a computed tensor. */
export function sliceLayer(context: OnnxContext, node: OnnxNode): void {
  const source = context.layerInput(node);
  const rank = source.outShape.length + 1;
  const fromAttributes = (node.input?.length ?? 0) < 3;
  const starts = (fromAttributes ? intsAttr(node, 'starts') : context.constantInput(node, 1)) ?? [];
  const ends = (fromAttributes ? intsAttr(node, 'ends') : context.constantInput(node, 2)) ?? [];
  const axes = (fromAttributes ? intsAttr(node, 'axes') : node.input?.[3] ? context.constantInput(node, 3) : undefined) ?? starts.map((_, i) => i);
  const steps = (!fromAttributes && node.input?.[4] ? context.constantInput(node, 4) : undefined) ?? starts.map(() => 1);
  const bounds = starts.map((start, i) => {
    const axis = (axes[i] + rank) % rank;
    const size = axis === 0 ? 1 : source.outShape[axis - 1];
    if (steps[i] !== 1) throw new Unsupported(node, `it takes every ${steps[i]}th element of axis ${axis}; .cnn's slice keeps a contiguous range.`);
    const indices = sliceIndices(size, start, ends[i], 1);
    if (!indices.length) throw new Unsupported(node, `it keeps nothing of axis ${axis}.`);
    if (axis === 0 && indices.length !== 1) throw new Unsupported(node, 'it slices the batch axis; .cnn keeps one sample per batch entry.');
    return { axis, start: indices[0], end: indices[indices.length - 1] + 1 };
  });
  addSlices(
    context,
    node,
    bounds.filter((b) => b.axis > 0),
    node.output?.[0] ?? '',
  );
}

/** ONNX's Split: each output is a `slice` of the input (sizes from the input since opset 13, the attribute before, else equal parts). */
export function splitLayers(context: OnnxContext, node: OnnxNode): void {
  const source = context.layerInput(node);
  const rank = source.outShape.length + 1;
  const axis = (intAttr(node, 'axis', 0) + rank) % rank;
  if (axis === 0) throw new Unsupported(node, 'it splits the batch axis; .cnn keeps one sample per batch entry.');
  const outputs = node.output ?? [];
  const size = source.outShape[axis - 1];
  const sizes = (node.input?.[1] ? context.constantInput(node, 1) : intsAttr(node, 'split')) ?? outputs.map(() => Math.ceil(size / outputs.length));
  let start = 0;
  outputs.forEach((output, i) => {
    const end = Math.min(start + sizes[i], size);
    if (output) addSlices(context, node, [{ axis, start, end }], output);
    start = end;
  });
}
