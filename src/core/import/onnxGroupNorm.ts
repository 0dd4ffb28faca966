/**
 * Instance and group normalisation written out, as the project's export
 * writes them (ONNX opset 13 has no GroupNormalization): the normalisation
 * of onnxLayerNorm.ts over every spatial axis (`instancenorm`), or over the
 * third axis of a Reshape to [N, groups, -1] that a Reshape undoes
 * (`groupnorm(groups)`), each with its optional per-channel scale and shift.
 * torch's own InstanceNormalization op, which GroupNorm also uses between
 * Reshapes, is read here too.
 */
import type { OnnxNode, OnnxTensor } from '../onnx/schema';
import type { ImportedTensor, LayerArg } from './layers';
import { floatAttr, floatsOf, knownConstant, onlyReader, type OnnxContext, type OnnxPattern } from './onnxContext';
import { resolveShape } from './onnxConstants';
import { affineAfter, normalisation } from './onnxLayerNorm';

function addNorm(
  context: OnnxContext,
  op: 'instancenorm' | 'groupnorm',
  last: OnnxNode,
  sourceId: number,
  eps: number,
  affine: { scale: OnnxTensor; shift: OnnxTensor } | undefined,
  groups?: number,
): void {
  const source = context.layers[sourceId];
  const channels = source.outShape[0];
  const args: LayerArg[] = groups !== undefined ? [{ value: groups }] : [];
  if (Math.abs(eps - 1e-5) > 1e-9) args.push({ key: 'eps', value: Number(eps.toPrecision(6)) });
  const tensors: ImportedTensor[] = [];
  if (affine) tensors.push(context.tensorOf(affine.scale, 'weight', [channels]), context.tensorOf(affine.shift, 'bias', [channels]));
  // instancenorm is plain by default and groupnorm affine, as in PyTorch.
  if (op === 'instancenorm' && affine) args.push({ key: 'affine', value: true });
  if (op === 'groupnorm' && !affine) args.push({ key: 'affine', value: false });
  context.addLayer(last, op, args, [sourceId], source.outShape, tensors);
}

/** Instance normalisation written out over every spatial axis, from its first ReduceMean. */
export const writtenOutInstanceNorm: OnnxPattern = (context, node) => {
  if (node.op_type !== 'ReduceMean') return false;
  const x = node.input?.[0] ?? '';
  const found = context.valueNamed(x);
  if (found?.kind !== 'layer') return false;
  const source = context.layers[found.id];
  const rank = source.outShape.length + 1;
  if (rank < 3) return false;
  const spatial = Array.from({ length: rank - 2 }, (_, i) => i + 2).join();
  const matched = normalisation(context, x, node, spatial, rank);
  if (!matched) return false;
  const affine = affineAfter(context, matched.end, source.outShape[0]);
  addNorm(context, 'instancenorm', affine ? affine.nodes[1] : matched.end, source.id, matched.eps, affine);
  context.absorb(...matched.nodes, ...(affine?.nodes ?? []));
  return true;
};

/** The Reshape to [N, groups, -1] that starts a group normalisation; the normalisation is written out or torch's InstanceNormalization. */
export const groupNorm: OnnxPattern = (context, node) => {
  if (node.op_type !== 'Reshape') return false;
  const found = context.valueNamed(node.input?.[0] ?? '');
  if (found?.kind !== 'layer') return false;
  const source = context.layers[found.id];
  const target = knownConstant(context, node, 1);
  if (!target) return false;
  const grouped = resolveShape([1, ...source.outShape], target);
  if (grouped.length !== 3 || grouped[0] !== 1) return false;
  const groups = grouped[1];
  const x = node.output?.[0] ?? '';
  const readers = context.readers(x);
  let nodes: OnnxNode[];
  let end: OnnxNode;
  let eps: number;
  if (readers.length === 1 && readers[0].op_type === 'InstanceNormalization') {
    // torch writes GroupNorm with ones and zeros as the instance norm's own scale and shift, then the real affine after.
    const norm = readers[0];
    const stored = (index: number) => {
      const v = context.valueNamed(norm.input?.[index] ?? '');
      return v?.kind === 'constant' ? v.values : v?.kind === 'weight' ? Array.from(floatsOf(v.tensor)) : undefined;
    };
    if (!stored(1)?.every((v) => v === 1) || !stored(2)?.every((v) => v === 0)) return false;
    nodes = [norm];
    end = norm;
    eps = floatAttr(norm, 'epsilon', 1e-5);
  } else {
    const mean = readers.find((n) => n.op_type === 'ReduceMean');
    const matched = mean && readers.length === 2 ? normalisation(context, x, mean, 2, 3) : undefined;
    if (!matched) return false;
    nodes = matched.nodes;
    end = matched.end;
    eps = matched.eps;
  }
  const back = onlyReader(context, end);
  const backTarget = back?.op_type === 'Reshape' ? knownConstant(context, back, 1) : undefined;
  if (!back || !backTarget || resolveShape(grouped, backTarget).join() !== [1, ...source.outShape].join()) return false;
  const affine = affineAfter(context, back, source.outShape[0]);
  addNorm(context, 'groupnorm', affine ? affine.nodes[1] : back, source.id, eps, affine, groups);
  context.absorb(node, ...nodes, back, ...(affine?.nodes ?? []));
  return true;
};
