/**
 * The effective receptive field of one unit (Luo et al., 2016): the gradient
 * of that unit's value with respect to the input, for the current weights and
 * input, through the same executors the forward pass runs (unfused: the fused
 * convolution is only a faster way to compute the same values).
 *
 * It runs layer by layer and gives the page's thread back between layers
 * (with progress, and a signal that cancels it): on WASM and the CPU backend
 * the tfjs kernels hold the thread while they run, and VGG-16's field took
 * half a minute in one piece, during which the panel did not answer.
 *
 * Only the unit's cone is differentiated: the core's `unitCone` gives, for
 * every layer on the unit's paths, the rows and columns of its output that
 * reach the unit; outside them the gradient is zero. Each gradient lives as a
 * crop of its layer's output ("frame") and convolutions propagate crops: a
 * convolution's input gradient is the transposed convolution of the output
 * gradient with the same weight (PyTorch's conv_transpose(dy, weight) is
 * conv's grad_input), computed here as a forward convolution of the
 * zero-stuffed crop with the flipped kernel on the fast forward kernels, so
 * it needs no backward kernel of the backend (tfjs's WASM backend has none
 * for depthwise and separable convolutions, and its Conv2DBackpropInput is a
 * plain loop). Other layers use tfjs's gradient of their executor
 * (`tf.grads` with the output gradient), on the whole tensor.
 *
 * Max pooling runs as the maximum of strided slices (ops/pool.ts explains
 * why), and tfjs 4.22 has no gradient for StridedSlice: this file registers
 * one, the transpose of the slice (the gradient stuffed with zeros between
 * the taken positions, then padded back to the input's shape).
 */
import * as tf from '@tensorflow/tfjs';
import { attributesOf, elementCount, findOp, unitCone, type GraphNode, type NetworkGraph } from '../../../src/core';
import { fromChannelsFirstData, padSpatial, toChannelsFirst } from './layout';
import { executors } from './ops/registry';
import { convolve, fusedConvolution, plainFilter2d, settings, splittable, transposedAsForward, zeroStuff, type ConvSettings } from './ops/conv';
import { cropChannelsLast, maxPoolByTaps, tiledMaxPoolGradient } from './ops/pool';
import type { OpInput } from './ops/types';
import type { WeightSet, WeightTensor } from './weights';

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

/** Raised when the signal given to `unitGradient` aborts (a newer pick replaced this one). */
export class GradientCancelledError extends Error {
  override name = 'AbortError';
  constructor() {
    super('the effective field was cancelled');
  }
}

/** How a computation of the effective field reports and stops. */
export interface GradientOptions {
  /** Stops the computation between layers; it then rejects with GradientCancelledError. */
  signal?: AbortSignal;
  /** Called after each layer of the forward and the backward pass, with the count done and the total. */
  onProgress?(done: number, total: number): void;
  /**
   * Where tensors derived from the weights (filters) are kept between calls
   * (the forward engine's `cachedFor`); without it they are built for this
   * call and freed at its end.
   */
  cached?(node: number, key: string, build: () => tf.Tensor): tf.Tensor;
}

/** Per spatial axis, the inclusive output range a gradient covers (a layer's part of the cone), or null where it covers nothing. */
type Frame = ([number, number] | null)[];

/** A gradient with respect to a layer's output, channels last, holding only the frame's rows and columns. */
interface Cropped {
  tensor: tf.Tensor;
  frame: [number, number][];
}

/**
 * Moves a channels-last tensor that covers `from` (per spatial axis, its
 * first index) onto the frame `to`: what lies outside `to` is cropped and
 * what `x` does not cover is filled with zeros.
 */
function reframe(x: tf.Tensor, from: number[], to: [number, number][]): tf.Tensor {
  const sizes = x.shape.slice(1, 1 + to.length) as number[];
  const inside = to.map(([lo, hi], axis) => [Math.max(lo, from[axis]), Math.min(hi, from[axis] + sizes[axis] - 1)]);
  if (inside.some(([lo, hi]) => lo > hi)) return tf.zeros([1, ...to.map(([lo, hi]) => hi - lo + 1), x.shape[x.rank - 1] as number]);
  const crop = cropChannelsLast(
    x,
    inside.map(([lo], axis) => lo - from[axis]),
    inside.map(([lo, hi]) => hi - lo + 1),
  );
  return padSpatial(
    crop,
    inside.map(([lo], axis) => lo - to[axis][0]),
    inside.map(([, hi], axis) => to[axis][1] - hi),
  );
}

/** A forward weight's transposed-and-flipped copy, made once per weight tensor (VGG-16's take a tenth of a second). */
const transposedWeights = new WeakMap<WeightTensor, Map<number, WeightTensor>>();

function transposedOnce(weight: WeightTensor, groups: number): WeightTensor {
  let byGroups = transposedWeights.get(weight);
  if (!byGroups) transposedWeights.set(weight, (byGroups = new Map()));
  let made = byGroups.get(groups);
  if (!made) byGroups.set(groups, (made = transposedAsForward(weight, groups)));
  return made;
}

/**
 * The input gradient of a convolution with settings `s` and PyTorch weight
 * `weight`, for the output gradient `dy` over output rows `frame`, on the
 * input frame `inFrame`. Input i receives dy[o]·w[t] where o·s − p + t·d = i,
 * so the zero-stuffed crop, padded by the kernel's reach r on both sides and
 * correlated with the flipped kernel, gives the input rows from a·s − p to
 * b·s − p + r for output rows a..b.
 */
function convolutionInputGradient(op: OpInput, dy: tf.Tensor, frame: [number, number][], weight: WeightTensor, s: ConvSettings, inFrame: [number, number][], key: string): tf.Tensor {
  const kernel = weight.shape.slice(2);
  const reach = kernel.map((k, i) => s.dilation[i] * (k - 1));
  const ones = s.stride.map(() => 1);
  const back = convolve(op, zeroStuff(dy, s.stride), transposedOnce(weight, s.groups), undefined, { groups: s.groups, stride: ones, dilation: s.dilation, padLeft: reach, padRight: reach }, key);
  return reframe(
    back,
    frame.map(([a], axis) => a * s.stride[axis] - s.padLeft[axis]),
    inFrame,
  );
}

/** The gradient of a convolution node (plain, grouped, depthwise or separable) with respect to its input, or undefined for another node. */
function convolutionBackward(op: OpInput, dy: tf.Tensor, frame: [number, number][], inFrame: [number, number][]): tf.Tensor | undefined {
  const { node } = op;
  if (splittable(node)) {
    // A plain 2-D convolution: the backward filter is the forward one (a run's own) with in and out swapped and the
    // kernel flipped, made on the backend (arranging VGG-16's filters in JavaScript took seconds).
    const s = settings(op, 1);
    const filter = op.cached('back:plain', () => tf.reverse(tf.transpose(plainFilter2d(op), [0, 1, 3, 2]), [0, 1])) as tf.Tensor4D;
    const reach = filter.shape.slice(0, 2).map((k, i) => s.dilation[i] * (k - 1));
    const back = tf.conv2d(
      zeroStuff(dy, s.stride) as tf.Tensor4D,
      filter,
      1,
      [
        [0, 0],
        [reach[0], reach[0]],
        [reach[1], reach[1]],
        [0, 0],
      ],
      'NHWC',
      s.dilation as [number, number],
    );
    return reframe(
      back,
      frame.map(([a], axis) => a * s.stride[axis] - s.padLeft[axis]),
      inFrame,
    );
  }
  if (node.op === 'conv') return convolutionInputGradient(op, dy, frame, op.weights.weight, settings(op, Number(attributesOf(node, 'conv').groups ?? 1)), inFrame, 'back:');
  if (node.op === 'depthwise_conv') return convolutionInputGradient(op, dy, frame, op.weights.weight, settings(op, node.inShapes[0][0]), inFrame, 'back:');
  if (node.op !== 'separable_conv') return undefined;
  // Depthwise, then a 1x1 convolution that keeps the frame: back through the 1x1, then through the depthwise.
  const s = settings(op, node.inShapes[0][0]);
  const zeros = s.stride.map(() => 0);
  const ones = s.stride.map(() => 1);
  const middle = convolve(op, dy, transposedOnce(op.weights['pointwise.weight'], 1), undefined, { groups: 1, stride: ones, dilation: ones, padLeft: zeros, padRight: zeros }, 'back:pointwise.');
  return convolutionInputGradient(op, middle, frame, op.weights['depthwise.weight'], s, inFrame, 'back:depthwise.');
}

/** Gives the page's thread back for a moment (a message, not a timer: timers in a hidden panel wait a second). */
function yieldToPage(): Promise<void> {
  if (typeof MessageChannel === 'undefined') return new Promise((done) => setTimeout(done, 0));
  return new Promise((done) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      done();
    };
    channel.port2.postMessage(null);
  });
}

const covers = (frame: Frame): frame is [number, number][] => frame.every((range) => range !== null);

/**
 * The gradient of `unit` with respect to the input (channels first, the
 * input node's shape). Every tensor it makes is freed before it returns, also
 * when it throws or is cancelled; a backend without a gradient kernel that a
 * layer needs throws with tfjs's message.
 */
export async function unitGradient(graph: NetworkGraph, weights: WeightSet, input: Float32Array, unit: Unit, options: GradientOptions = {}): Promise<UnitGradient> {
  const problem = unitProblem(graph, unit);
  if (problem) throw new Error(problem);
  const inputShape = graph.nodes[0].outShape;
  if (input.length !== elementCount(inputShape)) throw new Error(`the input has ${input.length} values but the network takes ${inputShape.join('x')}`);
  const cone = unitCone(graph, unit.node, unit.at);
  if (!cone) throw new Error(`the unit (${unit.at.join(', ')}) cannot be traced back to the input`);
  const nodes = graph.nodes.filter((node) => cone.has(node.id) && node.id <= unit.node);
  for (const node of nodes) {
    if (node.id === 0) continue;
    const executor = executors[node.op];
    if (!executor) throw new Error(`the preview's engine has no implementation of '${node.written}'`);
    const reason = executor.unsupported?.(node);
    if (reason) throw new Error(`${node.written} on line ${node.range.start.line + 1}: ${reason}`);
  }
  const total = 2 * nodes.length - 1;
  let done = 0;
  const step = async () => {
    options.onProgress?.(++done, total);
    await yieldToPage();
    if (options.signal?.aborted) throw new GradientCancelledError();
  };
  // Filters made from the weights, per node, for the forward and the backward convolutions.
  const cache = new Map<string, tf.Tensor>();
  const opFor = (node: GraphNode, inputs: tf.Tensor[]): OpInput => ({
    node,
    inputs,
    weights: weights.get(node.id) ?? {},
    cached: (key, build) => {
      if (options.cached) return options.cached(node.id, key, build);
      const name = `${node.id}:${key}`;
      let made = cache.get(name);
      if (!made) cache.set(name, (made = tf.keep(build())));
      return made;
    },
  });
  // Plain 2-D convolutions run as the panel's run ran them, on its filters.
  const run = (op: OpInput) => (splittable(op.node) ? fusedConvolution(op, undefined, false) : executors[op.node.op]!.run(op));
  const outputs = new Map<number, tf.Tensor>();
  const gradients = new Map<number, Cropped>();
  try {
    if (options.signal?.aborted) throw new GradientCancelledError();
    outputs.set(0, fromChannelsFirstData(input, inputShape));
    await step();
    for (const node of nodes) {
      if (node.id === 0) continue;
      const inputs = node.inputs.map((id) => outputs.get(id)!);
      const output = tf.tidy(() => run(opFor(node, inputs)));
      // An executor may hand back its input (an identity); every output must be a tensor of its own.
      outputs.set(node.id, inputs.includes(output) ? output.clone() : output);
      await step();
    }
    const target = outputs.get(unit.node)!;
    const valueTensor = tf.tidy(() => tf.slice(target, [0, ...unit.at, unit.channel], [1, ...unit.at.map(() => 1), 1]));
    const value = (await valueTensor.data())[0];
    valueTensor.dispose();
    // The unit's own gradient: one at its channel, on the frame of its position.
    const channels = graph.nodes[unit.node].outShape[0];
    gradients.set(unit.node, {
      // From values, not tf.oneHot: tfjs 4.22's WASM oneHot writes the integer 1's bits into a float (1.4e-45).
      tensor: tf.tensor(
        Float32Array.from({ length: channels }, (_, c) => (c === unit.channel ? 1 : 0)),
        [1, ...unit.at.map(() => 1), channels],
        'float32',
      ),
      frame: unit.at.map((i) => [i, i]),
    });
    for (const node of [...nodes].reverse()) {
      const dy = gradients.get(node.id);
      if (node.id === 0 || !dy) {
        if (node.id !== 0) await step();
        continue;
      }
      gradients.delete(node.id);
      const contributions = tf.tidy(() =>
        backward(
          node,
          dy,
          opFor(
            node,
            node.inputs.map((id) => outputs.get(id)!),
          ),
          outputs.get(node.id)!,
          cone,
        ),
      );
      // A layer that passes its gradient through unchanged hands back `dy` itself.
      if (!contributions.includes(dy.tensor)) dy.tensor.dispose();
      contributions.forEach((contribution, k) => {
        if (!contribution) return;
        const id = node.inputs[k];
        const known = gradients.get(id);
        if (!known) gradients.set(id, { tensor: contribution, frame: cone.get(id) as [number, number][] });
        else {
          gradients.set(id, { tensor: tf.add(known.tensor, contribution), frame: known.frame });
          known.tensor.dispose();
          contribution.dispose();
        }
      });
      await step();
    }
    const atInput = gradients.get(0);
    const sizes = inputShape.slice(1);
    const whole = tf.tidy(() => {
      const full = atInput
        ? reframe(
            atInput.tensor,
            atInput.frame.map(([lo]) => lo),
            sizes.map((n) => [0, n - 1]),
          )
        : tf.zeros([1, ...sizes, inputShape[0]]);
      return toChannelsFirst(full).clone();
    });
    const gradient = (await whole.data()) as Float32Array;
    whole.dispose();
    return { value, gradient, shape: inputShape };
  } finally {
    for (const tensor of outputs.values()) tensor.dispose();
    for (const { tensor } of gradients.values()) tensor.dispose();
    for (const tensor of cache.values()) tensor.dispose();
  }
}

/**
 * One node's step back: the gradients with respect to its inputs, each on
 * its input's frame in the cone (undefined for an input the unit does not
 * reach), from the gradient `dy` with respect to its output.
 */
function backward(node: GraphNode, dy: Cropped, op: OpInput, output: tf.Tensor, cone: Map<number, Frame>): (tf.Tensor | undefined)[] {
  const inFrames = node.inputs.map((id) => cone.get(id) ?? []);
  if (!covers(inFrames[0]) && node.inputs.length === 1) return [undefined];
  const lows = dy.frame.map(([lo]) => lo);
  if (covers(inFrames[0])) {
    const convolved = convolutionBackward(op, dy.tensor, dy.frame, inFrames[0]);
    if (convolved) return [convolved];
    if (node.op === 'maxpool') {
      const pooled = tiledMaxPoolGradient(node, op.inputs[0], output, dy.tensor, dy.frame);
      if (pooled) return [reframe(pooled.gradient, pooled.origin, inFrames[0])];
    }
    // A layer that maps each position on its own (activations, dropout, batch norm in eval mode): its gradient on the frame alone.
    if ((findOp(node.op)?.pointwise || node.op === 'batchnorm') && node.inputs.length === 1 && dy.frame.length > 0 && dy.frame.length === op.inputs[0].rank - 2) {
      const crop = cropChannelsLast(
        op.inputs[0],
        lows,
        dy.frame.map(([lo, hi]) => hi - lo + 1),
      );
      const executor = executors[node.op]!;
      const [gradient] = tf.grads((x: tf.Tensor) => executor.run({ ...op, inputs: [x] }))([crop], dy.tensor);
      return [reframe(gradient, lows, inFrames[0])];
    }
  }
  // Any other layer: tfjs's gradient of its executor, on the whole tensors (these layers cost little beside the convolutions).
  const outSizes = node.outShape.slice(1);
  const full =
    dy.frame.length === outSizes.length
      ? reframe(
          dy.tensor,
          lows,
          outSizes.map((n) => [0, n - 1]),
        )
      : dy.tensor;
  // Copies, so a layer that reads one tensor twice (add(x, x)) gets one gradient per operand.
  const operands = op.inputs.map((x) => x.clone());
  const run = (xs: tf.Tensor[]) => (node.op === 'maxpool' ? maxPoolByTaps({ ...op, inputs: xs }) : executors[node.op]!.run({ ...op, inputs: xs }));
  const grads = tf.grads((...xs: tf.Tensor[]) => run(xs))(operands, full);
  return grads.map((grad, k) => {
    const frame = inFrames[k];
    if (!covers(frame)) return undefined;
    return frame.length === grad.rank - 2
      ? reframe(
          grad,
          frame.map(() => 0),
          frame,
        )
      : grad;
  });
}
