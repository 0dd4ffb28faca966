/**
 * Which layers run fused: a 2-D convolution (plain or depthwise) followed by
 * batch norm and/or ReLU runs as one tfjs fused convolution, with the batch
 * norm folded into its weights, when nobody reads the intermediate outputs.
 * That saves two passes over every feature map of a ResNet-style network.
 * Nodes whose outputs are kept (read back for the panel) are never absorbed,
 * so every output asked for is computed exactly as the unfused graph would.
 */
import { attributesOf, type GraphNode, type NetworkGraph } from '../../../src/core';

/** A convolution and the layers folded into it; the last one's output is the chain's. */
export interface FusedChain {
  conv: GraphNode;
  batchnorm?: GraphNode;
  relu?: GraphNode;
  /** The node whose output the fused convolution produces. */
  tail: GraphNode;
}

/** Chains by the id of their convolution, and the nodes they absorb (everything after the convolution) with their convolution's id. */
export interface FusionPlan {
  byConv: Map<number, FusedChain>;
  absorbed: Map<number, number>;
}

const same = (values: unknown, n: number) => Array.isArray(values) && values.every((v) => v === n);

/** A convolution tfjs can fuse: 2-D data, no groups but depthwise, and not both strided and dilated. */
export function fusable(node: GraphNode): boolean {
  if (node.inShapes[0]?.length !== 3) return false;
  const a = attributesOf(node, 'conv', 'depthwise_conv');
  if (node.op === 'conv' && Number(attributesOf(node, 'conv').groups ?? 1) !== 1) return false;
  if (node.op !== 'conv' && node.op !== 'depthwise_conv') return false;
  return same(a.stride, 1) || same(a.dilation, 1);
}

/** The chains to fuse in one run: only where no node in the middle of a chain is kept or read by another layer. */
export function planFusion(graph: NetworkGraph, kept: Set<number>): FusionPlan {
  const readers = new Map<number, GraphNode[]>();
  for (const node of graph.nodes) for (const id of node.inputs) readers.set(id, [...(readers.get(id) ?? []), node]);
  const onlyReader = (node: GraphNode, op: string) => {
    const r = readers.get(node.id) ?? [];
    return !kept.has(node.id) && r.length === 1 && r[0].op === op && r[0].inputs.length === 1 ? r[0] : undefined;
  };
  const plan: FusionPlan = { byConv: new Map(), absorbed: new Map() };
  for (const conv of graph.nodes) {
    if (!fusable(conv)) continue;
    const batchnorm = onlyReader(conv, 'batchnorm');
    const relu = onlyReader(batchnorm ?? conv, 'relu');
    const tail = relu ?? batchnorm;
    if (!tail) continue;
    plan.byConv.set(conv.id, { conv, batchnorm, relu, tail });
    for (const node of [batchnorm, relu]) if (node) plan.absorbed.set(node.id, conv.id);
  }
  return plan;
}
