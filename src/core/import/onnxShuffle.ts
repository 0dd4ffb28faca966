/**
 * PyTorch's channel orders written as ONNX: `channel_shuffle(g)` as Reshape
 * [N, g, C/g, ...] → Transpose swapping the two channel axes → Reshape back
 * (torchvision's ShuffleNetV2, the project's export), and `pixel_shuffle(r)`
 * as DepthToSpace in CRD mode (2-D) or as Reshape [N, C', r, ..., r, ...sizes]
 * → Transpose interleaving each factor after its axis → Reshape (1-D, 3-D,
 * and torch at opset 9).
 */
import type { OnnxNode } from '../onnx/schema';
import { intAttr, intsAttr, knownConstant, onlyReader, stringAttr, Unsupported, type OnnxContext, type OnnxPattern } from './onnxContext';
import { resolveShape } from './onnxConstants';

const same = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** The Reshape → Transpose → Reshape starting at `node`, as channel_shuffle or pixel_shuffle. */
export const shuffleReshapes: OnnxPattern = (context, node) => {
  if (node.op_type !== 'Reshape') return false;
  const found = context.valueNamed(node.input?.[0] ?? '');
  if (found?.kind !== 'layer') return false;
  const source = context.layers[found.id];
  const transpose = onlyReader(context, node);
  const back = onlyReader(context, transpose);
  if (transpose?.op_type !== 'Transpose' || back?.op_type !== 'Reshape' || back.input?.[0] !== transpose.output?.[0]) return false;
  const firstTarget = knownConstant(context, node, 1);
  const lastTarget = knownConstant(context, back, 1);
  const perm = intsAttr(transpose, 'perm');
  if (!firstTarget || !lastTarget || !perm) return false;
  const input = [1, ...source.outShape];
  const split = resolveShape(input, firstTarget);
  const moved = perm.map((axis) => split[(axis + split.length) % split.length]);
  const output = resolveShape(moved, lastTarget);
  const [channels, ...sizes] = source.outShape;
  const rank = sizes.length;
  const identity = (from: number) => Array.from({ length: rank }, (_, i) => from + i);
  const groups = split[1];
  if (split.length === rank + 3 && same(split, [1, groups, channels / groups, ...sizes]) && same(perm, [0, 2, 1, ...identity(3)]) && same(output, input)) {
    context.addLayer(back, 'channel_shuffle', [{ value: groups }], [source.id], source.outShape);
  } else {
    const factor = split[2];
    const out = channels / factor ** rank;
    const expectedPerm = [0, 1, ...sizes.flatMap((_, axis) => [2 + rank + axis, 2 + axis])];
    const shuffled = [out, ...sizes.map((s) => s * factor)];
    if (!(
      split.length === 2 + 2 * rank &&
      same(split, [1, out, ...sizes.map(() => factor), ...sizes]) &&
      same(
        perm.map((p) => (p + split.length) % split.length),
        expectedPerm,
      ) &&
      same(output, [1, ...shuffled])
    ))
      return false;
    context.addLayer(back, 'pixel_shuffle', [{ value: factor }], [source.id], shuffled);
  }
  context.absorb(node, transpose, back);
  return true;
};

/** DepthToSpace: PyTorch's pixel_shuffle in CRD mode; DCR (TensorFlow's order, the default) has no `.cnn` op. */
export function depthToSpace(context: OnnxContext, node: OnnxNode): void {
  const source = context.layerInput(node);
  const factor = intAttr(node, 'blocksize', 1);
  const mode = stringAttr(node, 'mode') ?? 'DCR';
  if (mode !== 'CRD') throw new Unsupported(node, `it moves depth to space in ${mode} order (TensorFlow's); .cnn's pixel_shuffle is PyTorch's CRD order.`);
  const [channels, ...sizes] = source.outShape;
  context.addLayer(node, 'pixel_shuffle', [{ value: factor }], [source.id], [channels / factor ** sizes.length, ...sizes.map((s) => s * factor)]);
}
