/**
 * A zero Pad that is not symmetric (torch's `F.pad(x, (2, 1))`, a causal or
 * "same" padding written in front of a layer). In front of a convolution whose
 * padding it then makes Keras's "same" or "causal", the convolution states it
 * (onnxGraph.ts's conv); anywhere else it is written exactly in the language's
 * explicit form: `pad` by the larger side on each axis, then a `slice` that
 * takes the extra zeros off the smaller side.
 */
import type { OnnxNode } from '../onnx/schema';
import type { ImportedLayer } from './layers';
import { spatialArg, type OnnxContext } from './onnxContext';

/** Spatial begin and end pads of an uneven zero Pad, kept until the layer that reads it is known. */
export interface UnevenPad {
  node: OnnxNode;
  begin: number[];
  end: number[];
}

/** Adds `pad(max)` and the trimming `slice`s for `pads` on layer `sourceId`; the last layer computes `output`. */
export function explicitUnevenPad(context: OnnxContext, pads: UnevenPad, sourceId: number, output: string): ImportedLayer {
  const { node, begin, end } = pads;
  const source = context.layers[sourceId];
  const most = begin.map((b, i) => Math.max(b, end[i]));
  const trimmed = begin.map((b, i) => i).filter((i) => begin[i] !== end[i]);
  const padded = [source.outShape[0], ...source.outShape.slice(1).map((s, i) => s + 2 * most[i])];
  let layer = context.addLayer(node, 'pad', [{ value: spatialArg(most) }], [source.id], padded, [], trimmed.length ? `${output}#pad` : output);
  trimmed.forEach((axis, n) => {
    const start = most[axis] - begin[axis];
    const stop = most[axis] + source.outShape[axis + 1] + end[axis];
    const shape = layer.outShape.map((s, a) => (a === axis + 1 ? stop - start : s));
    layer = context.addLayer(node, 'slice', [{ value: start }, { value: stop }, { key: 'axis', value: axis + 1 }], [layer.id], shape, [], n === trimmed.length - 1 ? output : `${output}#${axis}`);
  });
  return layer;
}
