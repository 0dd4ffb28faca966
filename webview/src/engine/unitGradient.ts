/**
 * The effective receptive field of one unit (Luo et al., 2016): the gradient
 * of that unit's value with respect to the input, for the current weights and
 * input, taken with `tf.valueAndGrad` through the same executors the forward
 * pass runs (unfused: the fused convolution is only a faster way to compute
 * the same values). Only the layers on the paths to the unit run.
 *
 * A convolution's input gradient is itself a convolution: the transposed
 * convolution of the output gradient with the same weight (PyTorch's
 * conv_transpose(dy, weight) is conv's grad_input). tfjs's own gradient runs
 * the Conv2DBackpropInput kernel, which on WASM is a plain loop: VGG-16's
 * field at pool5 took 90 s. Here that transposed convolution runs as a
 * forward convolution of the zero-stuffed gradient with the flipped kernel,
 * on the fast kernels, through tf.customGrad.
 *
 * Max pooling runs as the maximum of strided slices (ops/pool.ts explains
 * why), and tfjs 4.22 has no gradient for StridedSlice: this file registers
 * one, the transpose of the slice (the gradient stuffed with zeros between
 * the taken positions, then padded back to the input's shape).
 */
import * as tf from '@tensorflow/tfjs';
import { attributesOf, elementCount, type NetworkGraph } from '../../../src/core';
import { fromChannelsFirstData, toChannelsFirst } from './layout';
import { executors } from './ops/registry';
import { convolve, settings, transposedAsForward, zeroStuff } from './ops/conv';
import { maxPoolByTaps } from './ops/pool';
import type { OpInput } from './ops/types';
import type { WeightSet } from './weights';

/** One unit of a node's output: a channel and a spatial index (0-based, channels-first order of the axes). */
export interface Unit {
  node: number;
  channel: number;
  at: number[];
}

/** The unit's value and its gradient with respect to the input, channels first, the input's shape. */
export interface UnitGradient {
  value: number;
  /** ∂unit/∂input, channels first (the input node's shape). */
  gradient: Float32Array;
  shape: number[];
}

/** Why `unit` is not a unit of `graph`, or undefined when it is. */
export function unitProblem(graph: NetworkGraph, unit: Unit): string | undefined {
  const node = graph.nodes[unit.node];
  if (!node || node.failed) return `the graph has no layer ${unit.node}`;
  const [channels, ...sizes] = node.outShape;
  if (sizes.length === 0) return `${node.written} has no spatial axes`;
  if (!Number.isInteger(unit.channel) || unit.channel < 0 || unit.channel >= channels) return `channel ${unit.channel} is not one of ${channels}`;
  if (unit.at.length !== sizes.length || unit.at.some((i, axis) => !Number.isInteger(i) || i < 0 || i >= sizes[axis])) {
    return `(${unit.at.join(', ')}) is not a position of the ${sizes.join('x')} output`;
  }
  return undefined;
}

/** Spreads each axis's values `step` apart with zeros between them: n values become (n-1)·step+1 (any rank, any axis). */
function spread(x: tf.Tensor, steps: number[]): tf.Tensor {
  let y = x;
  steps.forEach((step, axis) => {
    if (step === 1) return;
    const n = y.shape[axis] as number;
    const expanded = tf.expandDims(y, axis + 1);
    const widened = tf.concat([expanded, tf.zeros(expanded.shape.map((d, a) => (a === axis + 1 ? step - 1 : (d as number))))], axis + 1);
    const merged = tf.reshape(widened, [...y.shape.slice(0, axis), n * step, ...y.shape.slice(axis + 1)]);
    y = tf.slice(
      merged,
      new Array(merged.rank).fill(0),
      merged.shape.map((d, a) => (a === axis ? (n - 1) * step + 1 : (d as number))),
    );
  });
  return y;
}

/** Zeros in front of and behind every axis, by concatenation (tfjs's pad fails at rank 5 on WebGL and WebGPU; see layout.ts). */
function padWithZeros(x: tf.Tensor, before: number[], after: number[]): tf.Tensor {
  let y = x;
  before.forEach((b, axis) => {
    const block = (n: number) => tf.zeros(y.shape.map((d, a) => (a === axis ? n : (d as number))));
    const parts = [...(b > 0 ? [block(b)] : []), y, ...(after[axis] > 0 ? [block(after[axis])] : [])];
    if (parts.length > 1) y = tf.concat(parts, axis);
  });
  return y;
}

if (!tf.getGradient('StridedSlice')) {
  tf.registerGradient({
    kernelName: 'StridedSlice',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const a = attrs as unknown as { begin: number[]; strides: number[]; beginMask: number; endMask: number; ellipsisMask: number; newAxisMask: number; shrinkAxisMask: number };
      if (a.beginMask || a.endMask || a.ellipsisMask || a.newAxisMask || a.shrinkAxisMask) throw new Error('the gradient of a masked strided slice is not implemented');
      const gradient = dy as tf.Tensor;
      const begin = x.shape.map((_, axis) => a.begin[axis] ?? 0);
      const strides = x.shape.map((_, axis) => a.strides[axis] ?? 1);
      const spreadOut = spread(gradient, strides);
      const after = x.shape.map((n, axis) => n - begin[axis] - (spreadOut.shape[axis] as number));
      return { x: () => padWithZeros(spreadOut, begin, after) };
    },
  });
}

/**
 * Runs a convolution node whose gradient with respect to its input is the
 * transposed convolution, computed as a forward convolution: with stride s,
 * dilation d, kernel span r = d·(k-1) and front padding p, input i receives
 * dy[o]·w[t] where o·s - p + t·d = i, so dx is the zero-stuffed dy, padded
 * by r - p in front and by n - (m-1)·s - 1 + p behind (n inputs, m outputs;
 * negative amounts crop), correlated with the flipped kernel.
 */
function convolutionWithFastGradient(op: OpInput, run: (op: OpInput) => tf.Tensor): tf.Tensor {
  const { node } = op;
  const groups = node.op === 'depthwise_conv' ? node.inShapes[0][0] : Number(attributesOf(node, 'conv', 'conv_transpose').groups ?? 1);
  const s = settings(op, groups);
  const inSizes = node.inShapes[0].slice(1);
  const outSizes = node.outShape.slice(1);
  const kernel = op.weights.weight.shape.slice(2);
  const reach = kernel.map((k, i) => s.dilation[i] * (k - 1));
  const backward = (dy: tf.Tensor) =>
    convolve({ ...op, cached: (_key, build) => build() }, zeroStuff(dy, s.stride), transposedAsForward(op.weights.weight, groups), undefined, {
      groups,
      stride: s.stride.map(() => 1),
      dilation: s.dilation,
      padLeft: reach.map((r, i) => r - s.padLeft[i]),
      padRight: inSizes.map((n, i) => n - (outSizes[i] - 1) * s.stride[i] - 1 + s.padLeft[i]),
    });
  const withGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: run({ ...op, inputs: [args[0] as tf.Tensor] }),
    gradFunc: (dy: tf.Tensor) => [backward(dy)],
  }));
  return withGradient(op.inputs[0]);
}

/** The nodes the unit's node reads, directly or not, itself included. */
function ancestorsOf(graph: NetworkGraph, id: number): Set<number> {
  const seen = new Set<number>();
  const pending = [id];
  while (pending.length) {
    const next = pending.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    pending.push(...graph.nodes[next].inputs);
  }
  return seen;
}

/**
 * The gradient of `unit` with respect to the input (channels first, the
 * input node's shape). Every tensor it makes is freed before it returns, also
 * when it throws; a backend without a gradient kernel that a layer needs
 * throws with tfjs's message.
 */
export async function unitGradient(graph: NetworkGraph, weights: WeightSet, input: Float32Array, unit: Unit): Promise<UnitGradient> {
  const problem = unitProblem(graph, unit);
  if (problem) throw new Error(problem);
  const inputShape = graph.nodes[0].outShape;
  if (input.length !== elementCount(inputShape)) throw new Error(`the input has ${input.length} values but the network takes ${inputShape.join('x')}`);
  const needed = ancestorsOf(graph, unit.node);
  const target = graph.nodes[unit.node];
  const forward = (x: tf.Tensor): tf.Scalar => {
    const live = new Map<number, tf.Tensor>([[0, x]]);
    for (const node of graph.nodes) {
      if (node.id === 0 || !needed.has(node.id)) continue;
      const executor = executors[node.op];
      if (!executor) throw new Error(`the preview's engine has no implementation of '${node.written}'`);
      const reason = executor.unsupported?.(node);
      if (reason) throw new Error(`${node.written} on line ${node.range.start.line + 1}: ${reason}`);
      const inputs = node.inputs.map((id) => live.get(id)!);
      const op: OpInput = { node, inputs, weights: weights.get(node.id) ?? {}, cached: (_key, build) => build() };
      const run = node.op === 'conv' || node.op === 'depthwise_conv' ? convolutionWithFastGradient(op, executor.run) : node.op === 'maxpool' ? maxPoolByTaps(op) : executor.run(op);
      live.set(node.id, run);
      if (node.id === unit.node) break;
    }
    // Channels last inside: the unit is [0, ...at, channel].
    const out = live.get(target.id)!;
    return tf.sum(tf.slice(out, [0, ...unit.at, unit.channel], [1, ...unit.at.map(() => 1), 1]));
  };
  const x = fromChannelsFirstData(input, inputShape);
  let value: tf.Tensor | undefined;
  let gradient: tf.Tensor | undefined;
  try {
    ({ value, gradient } = tf.tidy(() => {
      const { value, grad } = tf.valueAndGrad(forward)(x);
      return { value, gradient: toChannelsFirst(grad).clone() };
    }));
    const [valueData, gradientData] = await Promise.all([value.data(), gradient.data()]);
    return { value: valueData[0], gradient: gradientData as Float32Array, shape: inputShape };
  } finally {
    x.dispose();
    value?.dispose();
    gradient?.dispose();
  }
}
