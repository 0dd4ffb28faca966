/**
 * A run's layer outputs kept as tensors on the backend, so the panel can
 * show any layer after a run by reading back that one layer (a few
 * milliseconds), instead of reading every layer back during the run, which
 * cost more than the run itself and ruled out fusing convolution chains.
 * Layers computed inside a fused chain (a convolution's output before its
 * batch norm, say) have no tensor of their own: they are computed again from
 * the chain's kept input when asked for, exactly as the unfused graph would.
 */
import * as tf from '@tensorflow/tfjs';
import type { GraphNode, NetworkGraph } from '../../../src/core';
import { toChannelsFirst } from './layout';

/** A node's output as the panel shows it: channels first, no batch. */
export interface NodeOutput {
  node: number;
  shape: number[];
  data: Float32Array;
}

/** Computes a node that has no kept tensor from the kept ones, or undefined when it cannot (its inputs were not kept). */
export type Recompute = (node: GraphNode, kept: ReadonlyMap<number, tf.Tensor>) => tf.Tensor | undefined;

/** The tensor as channels-first values, read asynchronously (`dataSync()` blocks the page, and broke software WebGPU). */
export async function readBack(node: GraphNode, tensor: tf.Tensor): Promise<NodeOutput> {
  const cf = tf.tidy(() => toChannelsFirst(tensor).clone());
  const data = (await cf.data()) as Float32Array;
  cf.dispose();
  return { node: node.id, shape: node.outShape, data };
}

/** The outputs a run kept; free them with `dispose()` before the next run. */
export class KeptOutputs {
  /** The last layer read, so showing it again (another tab, a redraw) reads nothing. */
  private last: NodeOutput | undefined;
  private disposed = false;

  constructor(
    private readonly graph: NetworkGraph,
    private readonly tensors: Map<number, tf.Tensor>,
    private readonly recompute: Recompute,
    /** How many values the kept tensors hold. */
    readonly values: number,
    /** Nodes whose outputs did not fit the budget and were freed. */
    readonly dropped: number,
  ) {}

  /** The node's output, read back now; undefined when it was not kept (over the budget) and cannot be computed from what was, or after `dispose()`. */
  async read(id: number): Promise<NodeOutput | undefined> {
    if (this.disposed) return undefined;
    if (this.last?.node === id) return this.last;
    const node = this.graph.nodes[id];
    if (!node) return undefined;
    const kept = this.tensors.get(id);
    const tensor = kept ?? this.recompute(node, this.tensors);
    if (!tensor) return undefined;
    try {
      const output = await readBack(node, tensor);
      if (!this.disposed) this.last = output;
      return output;
    } finally {
      if (!kept) tensor.dispose();
    }
  }

  /** Frees every kept tensor. */
  dispose(): void {
    this.disposed = true;
    this.last = undefined;
    for (const tensor of this.tensors.values()) tensor.dispose();
    this.tensors.clear();
  }
}
