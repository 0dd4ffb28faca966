/**
 * GELU written out, 0.5·x·(1 + erf(x/√2)), as torch 1.13 writes nn.GELU
 * (Div → Erf → Add 1 → Mul x → Mul 0.5) and as the project's export does
 * (the half Mul x·0.5 on its own, then Mul by the Add): `.cnn`'s `gelu`.
 */
import type { OnnxNode } from '../onnx/schema';
import { knownConstant, onlyReader, type OnnxContext, type OnnxPattern } from './onnxContext';

const near = (value: number | undefined, expected: number) => value !== undefined && Math.abs(value - expected) < 1e-6;

/** The other input of a two-input node, given one of them. */
const otherInput = (node: OnnxNode, name: string) => (node.input?.[0] === name ? node.input?.[1] : node.input?.[1] === name ? node.input?.[0] : undefined);

/** A Mul of `name` by the constant 0.5. */
function halves(context: OnnxContext, node: OnnxNode | undefined, name: string): boolean {
  if (node?.op_type !== 'Mul') return false;
  const index = node.input?.[0] === name ? 1 : node.input?.[1] === name ? 0 : -1;
  return index >= 0 && near(knownConstant(context, node, index)?.[0], 0.5);
}

export const writtenOutGelu: OnnxPattern = (context, node) => {
  if (node.op_type !== 'Div' || !near(knownConstant(context, node, 1)?.[0], Math.SQRT2)) return false;
  const x = node.input?.[0] ?? '';
  const found = context.valueNamed(x);
  if (found?.kind !== 'layer') return false;
  const erf = onlyReader(context, node);
  const plusOne = onlyReader(context, erf);
  if (erf?.op_type !== 'Erf' || plusOne?.op_type !== 'Add') return false;
  const erfOut = erf.output?.[0] ?? '';
  const one = plusOne.input?.[0] === erfOut ? 1 : 0;
  if (!near(knownConstant(context, plusOne, one)?.[0], 1)) return false;
  const product = onlyReader(context, plusOne);
  if (product?.op_type !== 'Mul') return false;
  const factor = otherInput(product, plusOne.output?.[0] ?? '');
  let nodes: OnnxNode[];
  let last: OnnxNode;
  if (factor === x) {
    // torch: (x · (1 + erf)) · 0.5.
    const half = onlyReader(context, product);
    if (!halves(context, half, product.output?.[0] ?? '')) return false;
    nodes = [node, erf, plusOne, product, half!];
    last = half!;
  } else {
    // The project's export: (x · 0.5) · (1 + erf).
    const half = factor ? context.producer(factor) : undefined;
    if (!half || !halves(context, half, x) || context.readers(factor!).length !== 1) return false;
    nodes = [node, erf, half, plusOne, product];
    last = product;
  }
  const source = context.layers[found.id];
  context.addLayer(last, 'gelu', [], [source.id], source.outShape);
  context.absorb(...nodes);
  return true;
};
