/**
 * ConvNeXt's layer scale: a Mul by a stored per-channel tensor shaped to
 * broadcast over the channels ([C, 1, 1], or [C] on a feature vector), which
 * is `.cnn`'s `layer_scale` with C parameters. A squeeze-excitation gate
 * multiplies by a computed tensor instead, and stays a `multiply`.
 */
import type { OnnxNode } from '../onnx/schema';
import type { ImportedLayer } from './layers';
import type { OnnxContext } from './onnxContext';

/** Converts `node` (a Mul of `target` by its input `index`) to `layer_scale` when that input is a stored per-channel tensor; false otherwise. */
export function layerScale(context: OnnxContext, node: OnnxNode, target: ImportedLayer, index: number): boolean {
  const found = context.value(node, index);
  if (found.kind !== 'weight') return false;
  const dims = (found.tensor.dims ?? []).map(Number);
  const channels = target.outShape[0];
  // A leading batch axis of 1 may be written too ([1, C, 1, 1]).
  const perChannel = dims[0] === 1 && dims.length === target.outShape.length + 1 ? dims.slice(1) : dims;
  if (perChannel[0] !== channels || perChannel.slice(1).some((d) => d !== 1) || perChannel.length > target.outShape.length) return false;
  if (perChannel.length !== target.outShape.length && target.outShape.length > 1) return false;
  context.addLayer(node, 'layer_scale', [], [target.id], target.outShape, [context.tensorOf(found.tensor, 'weight', [channels])]);
  return true;
}
