/**
 * Convolutions as tfjs ops: 1-D runs as 2-D with a height of one; dilation
 * with stride runs at stride 1 and keeps every stride-th output (tfjs
 * refuses both at once); grouped convolution splits the channels and
 * concatenates (tfjs has only depthwise); a transposed convolution is a
 * convolution of the zero-stuffed input with the flipped kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { permute } from '../arrays';
import { channelwise, padSpatial, takeEvery } from '../layout';
import type { WeightTensor } from '../weights';
import { attributesOf, type GraphNode, elementCount } from '../../../../src/core';
import type { Conv2dPlan } from '../parallel/split';
import { spatialAttribute, type OpInput, type OpSupport } from './types';
import { fusable } from '../fusion';

export interface ConvSettings {
  groups: number;
  stride: number[];
  dilation: number[];
  padLeft: number[];
  padRight: number[];
}

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => i + from);

/**
 * PyTorch [out, in/g, ...k] (one group's rows) to tfjs [...k, in/g, out],
 * each output channel's weights times `scale[channel]` when given (a batch
 * norm folded in on the way, so the weights are read and written once).
 * One loop, reading the weights in order: the filters of a large network
 * are millions of values, and a Run that follows the weights' making at once pays for them.
 */
function kernelToTfjs(weight: WeightTensor, firstOut: number, outCount: number, scale?: Float32Array): tf.Tensor {
  const [, perGroup, ...kernel] = weight.shape;
  const taps = elementCount(kernel);
  const block = perGroup * taps;
  const moved = new Float32Array(outCount * block);
  const data = weight.data;
  for (let o = 0; o < outCount; o++) {
    const factor = scale ? scale[firstOut + o] : 1;
    let from = (firstOut + o) * block;
    for (let i = 0; i < perGroup; i++) {
      for (let k = 0; k < taps; k++) moved[(k * perGroup + i) * outCount + o] = data[from++] * factor;
    }
  }
  return tf.tensor(moved, [...kernel, perGroup, outCount], 'float32');
}

/** tfjs's explicit padding of a 2-D convolution, or 'valid' when the input is already padded. */
type Padding2d = 'valid' | [[number, number], [number, number], [number, number], [number, number]];

/** A stride-1-or-dilation-1 convolution of a 2-D (padded by tfjs) or 3-D (padded beforehand) channels-last tensor. */
function plainConv(x: tf.Tensor, filter: tf.Tensor, stride: number[], dilation: number[], pad: Padding2d): tf.Tensor {
  if (x.rank === 4) return tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, stride as [number, number], pad, 'NHWC', dilation as [number, number]);
  return tf.conv3d(x as tf.Tensor5D, filter as tf.Tensor5D, stride as [number, number, number], 'valid', 'NDHWC', dilation as [number, number, number]);
}

/**
 * Runs a PyTorch-layout convolution on a channels-last tensor of any spatial
 * rank. `key` names the cached filters, so two convolutions in one node
 * (separable) keep theirs apart.
 */
export function convolve(op: OpInput, x: tf.Tensor, weight: WeightTensor, bias: WeightTensor | undefined, s: ConvSettings, key = ''): tf.Tensor {
  let input = x;
  let stride = s.stride;
  let dilation = s.dilation;
  let padLeft = s.padLeft;
  let padRight = s.padRight;
  const lifted = input.rank === 3;
  if (lifted) {
    // tfjs has no dilated 1-D kernels of its own; a height-1 image is the same computation.
    input = tf.expandDims(input, 1);
    stride = [1, ...stride];
    dilation = [1, ...dilation];
    padLeft = [0, ...padLeft];
    padRight = [0, ...padRight];
  }
  // 2-D kernels pad inside the kernel (one copy of the image fewer); 3-D ones and crops (negative amounts) pad first.
  let pad: Padding2d = 'valid';
  if (input.rank === 4 && [...padLeft, ...padRight].every((p) => p >= 0))
    pad = [
      [0, 0],
      [padLeft[0], padRight[0]],
      [padLeft[1], padRight[1]],
      [0, 0],
    ];
  else input = padSpatial(input, padLeft, padRight);
  const after = stride.some((v) => v > 1) && dilation.some((v) => v > 1) ? stride : undefined;
  const runStride = after ? stride.map(() => 1) : stride;
  const liftKernel = (t: tf.Tensor) => (lifted ? tf.expandDims(t, 0) : t);
  const inChannels = input.shape[input.rank - 1] as number;
  const out = weight.shape[0];
  let y: tf.Tensor;
  if (s.groups === 1) {
    y = plainConv(
      input,
      op.cached(`${key}filter`, () => liftKernel(kernelToTfjs(weight, 0, out))),
      runStride,
      dilation,
      pad,
    );
  } else if (s.groups === inChannels && input.rank === 4) {
    // Depthwise: PyTorch [in·m, 1, kh, kw] is tfjs [kh, kw, in, m] with output channel c·m + j in both.
    const filter = op.cached(`${key}depthwise`, () => {
      const m = out / inChannels;
      const kernel = weight.shape.slice(2);
      const moved = permute(weight.data, [inChannels, m, ...kernel], [...range(kernel.length, 2), 0, 1]);
      return liftKernel(tf.tensor(moved.data, moved.shape, 'float32'));
    });
    y = tf.depthwiseConv2d(input as tf.Tensor4D, filter as tf.Tensor4D, runStride as [number, number], pad, 'NHWC', dilation as [number, number]);
  } else {
    const perGroupOut = out / s.groups;
    const parts = tf.split(input, s.groups, input.rank - 1);
    y = tf.concat(
      parts.map((part, g) =>
        plainConv(
          part,
          op.cached(`${key}filter${g}`, () => liftKernel(kernelToTfjs(weight, g * perGroupOut, perGroupOut))),
          runStride,
          dilation,
          pad,
        ),
      ),
      input.rank - 1,
    );
  }
  if (after) y = takeEvery(y, after);
  if (lifted) y = tf.squeeze(y, [1]);
  if (bias)
    y = tf.add(
      y,
      channelwise(
        y,
        op.cached(`${key}bias`, () => tf.tensor1d(bias.data, 'float32')),
      ),
    );
  return y;
}

export function settings(op: OpInput, groups: number): ConvSettings {
  const n = op.node;
  return { groups, stride: spatialAttribute(n, 'stride'), dilation: spatialAttribute(n, 'dilation'), padLeft: spatialAttribute(n, 'padLeft'), padRight: spatialAttribute(n, 'padRight') };
}

/** Inserts stride-1 zeros between the values of each spatial axis: n values become (n-1)·s+1. */
export function zeroStuff(x: tf.Tensor, stride: number[]): tf.Tensor {
  let y = x;
  stride.forEach((s, i) => {
    if (s === 1) return;
    const axis = i + 1;
    const n = y.shape[axis] as number;
    // Each value followed by s-1 zeros; a concat, not a pad, because tfjs's pad breaks at rank 5 on WebGL and WebGPU (see layout.ts).
    const expanded = tf.expandDims(y, axis + 1);
    const widened = tf.concat([expanded, tf.zeros(expanded.shape.map((d, a) => (a === axis + 1 ? s - 1 : (d as number))))], axis + 1);
    const merged = tf.reshape(widened, [...y.shape.slice(0, axis), n * s, ...y.shape.slice(axis + 1)]);
    y = tf.slice(
      merged,
      new Array(merged.rank).fill(0),
      merged.shape.map((d, a) => (a === axis ? (n - 1) * s + 1 : (d as number))),
    );
  });
  return y;
}

/**
 * PyTorch's transposed weight [in, out/g, ...k] as the equivalent forward
 * convolution's [out, in/g, ...k] with every spatial axis flipped (flipping
 * all axes of a row-major block reverses its order).
 */
export function transposedAsForward(weight: WeightTensor, groups: number): WeightTensor {
  const [inChannels, perGroupOut, ...kernel] = weight.shape;
  const taps = elementCount(kernel);
  const perGroupIn = inChannels / groups;
  const data = new Float32Array(weight.data.length);
  for (let g = 0; g < groups; g++)
    for (let il = 0; il < perGroupIn; il++)
      for (let ol = 0; ol < perGroupOut; ol++) {
        const from = ((g * perGroupIn + il) * perGroupOut + ol) * taps;
        const to = ((g * perGroupOut + ol) * perGroupIn + il) * taps;
        for (let k = 0; k < taps; k++) data[to + taps - 1 - k] = weight.data[from + k];
      }
  return { shape: [perGroupOut * groups, perGroupIn, ...kernel], data };
}

export const convolutionExecutors: Record<string, OpSupport> = {
  conv: { run: (op) => convolve(op, op.inputs[0], op.weights.weight, op.weights.bias, settings(op, Number(attributesOf(op.node, 'conv').groups ?? 1))) },
  depthwise_conv: { run: (op) => convolve(op, op.inputs[0], op.weights.weight, op.weights.bias, settings(op, op.node.inShapes[0][0])) },
  separable_conv: {
    run: (op) => {
      const s = settings(op, op.node.inShapes[0][0]);
      const middle = convolve(op, op.inputs[0], op.weights['depthwise.weight'], undefined, s, 'depthwise.');
      const zeros = s.stride.map(() => 0);
      const ones = s.stride.map(() => 1);
      return convolve(op, middle, op.weights['pointwise.weight'], op.weights['pointwise.bias'], { groups: 1, stride: ones, dilation: ones, padLeft: zeros, padRight: zeros }, 'pointwise.');
    },
  },
  conv_transpose: {
    run: (op) => {
      const n = op.node;
      const groups = Number(attributesOf(n, 'conv_transpose').groups ?? 1);
      const kernel = spatialAttribute(n, 'kernel');
      const dilation = spatialAttribute(n, 'dilation');
      const padding = spatialAttribute(n, 'padding');
      const outputPadding = spatialAttribute(n, 'outputPadding');
      const reach = kernel.map((k, i) => dilation[i] * (k - 1));
      const forward = transposedAsForward(op.weights.weight, groups);
      return convolve(op, zeroStuff(op.inputs[0], spatialAttribute(n, 'stride')), forward, op.weights.bias, {
        groups,
        stride: kernel.map(() => 1),
        dilation,
        padLeft: reach.map((r, i) => r - padding[i]),
        padRight: reach.map((r, i) => r - padding[i] + outputPadding[i]),
      });
    },
  },
};

/** The batch norm folded into a convolution: its tensors and epsilon. */
export interface FoldedBatchnorm {
  weights: Record<string, WeightTensor>;
  eps: number;
}

/**
 * The convolution's weights with the batch norm folded in, made on the first
 * call and shared by the cached tensors that need them (folding reads every
 * weight: it once ran for each cached tensor, through a callback per weight).
 */
function foldedWeights(op: OpInput, batchnorm: FoldedBatchnorm | undefined): () => { weight: WeightTensor; bias: Float32Array } {
  const weight = op.weights.weight;
  const out = weight.shape[0];
  let folded: { weight: WeightTensor; bias: Float32Array } | undefined;
  return () => {
    if (folded) return folded;
    const { scale, bias } = foldedScaleAndBias(op, batchnorm);
    const perOut = weight.data.length / out;
    const data = new Float32Array(weight.data.length);
    // One output channel's weights are contiguous and share one scale.
    for (let c = 0; c < out; c++) {
      const channelScale = scale[c];
      for (let i = c * perOut, end = i + perOut; i < end; i++) data[i] = weight.data[i] * channelScale;
    }
    folded = { weight: { shape: weight.shape, data }, bias };
    return folded;
  };
}

/** What folding the batch norm does per output channel: the factor on its weights, and its bias. */
function foldedScaleAndBias(op: OpInput, batchnorm: FoldedBatchnorm | undefined): { scale: Float32Array; bias: Float32Array } {
  const { scale, shift } = foldBatchnorm(op.weights.weight.shape[0], batchnorm);
  const bias = op.weights.bias;
  return { scale, bias: Float32Array.from(shift, (b, c) => b + (bias ? bias.data[c] * scale[c] : 0)) };
}

/**
 * A plain (not grouped, not depthwise) 2-D convolution with a following
 * batch norm folded into its weights and bias and an optional ReLU, as the
 * arguments of one tfjs fused convolution. A plain convolution alone is the
 * same with no batch norm and no ReLU. For the nodes `splittable` accepts.
 */
export function fusedConv2dPlan(op: OpInput, batchnorm: FoldedBatchnorm | undefined, relu: boolean): Conv2dPlan {
  const n = op.node;
  const padLeft = spatialAttribute(n, 'padLeft');
  const padRight = spatialAttribute(n, 'padRight');
  return {
    x: op.inputs[0] as tf.Tensor4D,
    ...fusedConv2dFilter(op, batchnorm),
    strides: spatialAttribute(n, 'stride') as [number, number],
    dilations: spatialAttribute(n, 'dilation') as [number, number],
    pad: [
      [0, 0],
      [padLeft[0], padRight[0]],
      [padLeft[1], padRight[1]],
      [0, 0],
    ],
    activation: relu ? 'relu' : 'linear',
  };
}

/**
 * The filter [kh, kw, in, out] and bias of `fusedConv2dPlan`, with the batch
 * norm folded in, made once and cached: the one-time work of a convolution's
 * first run, which a preparation does ahead of it (ForwardEngine.prepareFilters).
 */
export function fusedConv2dFilter(op: OpInput, batchnorm: FoldedBatchnorm | undefined): { filter: tf.Tensor4D; bias: tf.Tensor1D } {
  const weight = op.weights.weight;
  // Folded only when a tensor is made: a cached filter needs none of it.
  let fold: ReturnType<typeof foldedScaleAndBias> | undefined;
  const folded = () => (fold ??= foldedScaleAndBias(op, batchnorm));
  // A convolution runs with its batch norm in one run and without in another (when its own output is kept): separate caches.
  const cache = batchnorm ? 'folded' : 'plain';
  return {
    filter: op.cached(`${cache}:filter`, () => kernelToTfjs(weight, 0, weight.shape[0], batchnorm ? folded().scale : undefined)) as tf.Tensor4D,
    bias: op.cached(`${cache}:bias`, () => tf.tensor1d(folded().bias, 'float32')) as tf.Tensor1D,
  };
}

/**
 * The tfjs filter [kh, kw, in, out] of a plain 2-D convolution without a
 * folded batch norm: the tensor `fusedConv2dPlan` caches for such a run, so
 * whoever asks for it after a run gets the run's own.
 */
export function plainFilter2d(op: OpInput): tf.Tensor4D {
  return op.cached('plain:filter', () => kernelToTfjs(op.weights.weight, 0, op.weights.weight.shape[0])) as tf.Tensor4D;
}

/**
 * Whether a node is a convolution that `fusedConv2dPlan` can describe: a
 * plain convolution tfjs can fuse (fusion.ts), whether or not a batch norm
 * or ReLU follows it.
 */
export function splittable(node: GraphNode): boolean {
  return node.op === 'conv' && fusable(node);
}

/**
 * A 2-D convolution (plain or depthwise) with a following batch norm folded
 * into its weights and bias, and an optional ReLU, as one tfjs fused
 * convolution. Only for the chains fusion.ts plans (2-D, not grouped, not
 * both strided and dilated).
 */
export function fusedConvolution(op: OpInput, batchnorm: FoldedBatchnorm | undefined, relu: boolean): tf.Tensor {
  const n = op.node;
  if (n.op !== 'depthwise_conv') {
    const plan = fusedConv2dPlan(op, batchnorm, relu);
    return tf.fused.conv2d({ ...plan, dataFormat: 'NHWC' });
  }
  const weight = op.weights.weight;
  const out = weight.shape[0];
  const fold = foldedWeights(op, batchnorm);
  const stride = spatialAttribute(n, 'stride') as [number, number];
  const dilation = spatialAttribute(n, 'dilation') as [number, number];
  const padLeft = spatialAttribute(n, 'padLeft');
  const padRight = spatialAttribute(n, 'padRight');
  let x = op.inputs[0] as tf.Tensor4D;
  const bias = op.cached('fused:bias', () => tf.tensor1d(fold().bias, 'float32'));
  const inChannels = x.shape[3];
  const filter = op.cached('fused:depthwise', () => {
    const moved = permute(fold().weight.data, [inChannels, out / inChannels, ...weight.shape.slice(2)], [2, 3, 0, 1]);
    return tf.tensor(moved.data, moved.shape, 'float32');
  });
  // The fused depthwise kernel takes only one padding for all sides; other paddings are applied first.
  const even = [...padLeft, ...padRight].every((p) => p === padLeft[0]);
  if (!even) x = padSpatial(x, padLeft, padRight) as tf.Tensor4D;
  return tf.fused.depthwiseConv2d({
    x,
    filter: filter as tf.Tensor4D,
    strides: stride,
    pad: even ? padLeft[0] : 'valid',
    dataFormat: 'NHWC',
    dilations: dilation,
    bias,
    activation: relu ? 'relu' : 'linear',
  });
}

/** Batch norm in eval mode as a scale and shift per channel (identity when there is none). */
function foldBatchnorm(channels: number, batchnorm: FoldedBatchnorm | undefined): { scale: Float32Array; shift: Float32Array } {
  const scale = new Float32Array(channels).fill(1);
  const shift = new Float32Array(channels);
  if (!batchnorm) return { scale, shift };
  const { weight, bias, running_mean: mean, running_var: variance } = batchnorm.weights;
  for (let c = 0; c < channels; c++) {
    scale[c] = (weight ? weight.data[c] : 1) / Math.sqrt(variance.data[c] + batchnorm.eps);
    shift[c] = (bias ? bias.data[c] : 0) - mean.data[c] * scale[c];
  }
  return { scale, shift };
}
