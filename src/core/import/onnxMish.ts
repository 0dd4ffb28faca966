/**
 * Mish written out, x·tanh(softplus(x)), as torch 1.13 and the project's
 * export write it (Softplus → Tanh → Mul by x): `.cnn`'s `mish`.
 */
import { onlyReader, type OnnxPattern } from './onnxContext';

export const writtenOutMish: OnnxPattern = (context, node) => {
  if (node.op_type !== 'Softplus') return false;
  const x = node.input?.[0] ?? '';
  const found = context.valueNamed(x);
  if (found?.kind !== 'layer') return false;
  const tanh = onlyReader(context, node);
  const product = onlyReader(context, tanh);
  if (tanh?.op_type !== 'Tanh' || product?.op_type !== 'Mul') return false;
  const inputs = product.input ?? [];
  if (!(inputs.includes(x) && inputs.includes(tanh.output?.[0] ?? ''))) return false;
  const source = context.layers[found.id];
  context.addLayer(product, 'mish', [], [source.id], source.outShape);
  context.absorb(node, tanh, product);
  return true;
};
