/** The contract between the runner and one op family's executors. */
import type * as tf from '@tensorflow/tfjs';
import { attributesOf, type AttributeName, type AttributeValue, type GraphNode, type OpName } from '../../../../src/core';
import type { WeightTensor } from '../weights';

/** What an executor gets for one node. */
export interface OpInput {
  node: GraphNode;
  /** The input tensors (channels last, batch 1), in `node.inputs` order. */
  inputs: tf.Tensor[];
  /** The node's learned tensors in PyTorch layout. */
  weights: Record<string, WeightTensor>;
  /** A tensor derived from the weights, built once and kept until the weights or backend change. */
  cached(key: string, build: () => tf.Tensor): tf.Tensor;
}

/** Runs one node: synchronous tfjs ops (the runner wraps them in `tf.tidy`). */
export type Executor = (input: OpInput) => tf.Tensor;

/** An executor and, optionally, the reason it cannot run a particular node. */
export interface OpSupport {
  run: Executor;
  /** Why this node cannot run (named in the panel), or undefined when it can. */
  unsupported?: (node: GraphNode) => string | undefined;
}

/** The spatial settings of a node as arrays (empty for missing attributes). */
export function spatialAttribute(node: GraphNode, name: AttributeName): number[] {
  const value = (attributesOf<OpName>(node) as Partial<Record<AttributeName, AttributeValue>>)[name];
  return Array.isArray(value) ? value : typeof value === 'number' ? [value] : [];
}
