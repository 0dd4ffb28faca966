/**
 * Keras export in the TensorFlow.js layers format: a functional model's
 * `model.json` (topology plus weights manifest) and one binary shard,
 * channels-last as Keras computes. One table entry per op turns a graph node
 * into Keras layers with their weights converted from PyTorch layout. What
 * tfjs-layers cannot compute exactly (grouped convolutions, PyTorch-style
 * padding of a max pool on values that may be negative, most 1-D and 3-D
 * padding, slicing channels, bilinear resizing) is an error naming the line
 * and the op, never an approximation.
 *
 * A Dense after Flatten reads Keras's height-width-channel order: its kernel
 * rows are reordered so the layer computes what PyTorch's did, as the
 * preview's tfjs loader expects; a Flatten feeding anything else is preceded
 * by a Permute to channels-first, so its values come out in PyTorch's order.
 */
import type { GraphNode, NetworkGraph } from '../semantics/graph';
import { describeStatement, type ExportFailure, type ExportSource, type ExportWeights } from './network';
import { attributesOf, type WindowedOpName } from '../ops/attributes';
import { samePadding } from '../ops/window';

/** A depthwise kernel in Keras's layout: PyTorch's [in·m, 1, kh, kw] is [in, m, kh, kw]; Keras wants [kh, kw, in, m]. */
function depthwiseKernel(data: Float32Array, channels: number, multiplier: number, kernel: number[]): { shape: number[]; data: Float32Array } {
  return { shape: [kernel[0], kernel[1], channels, multiplier], data: permute(data, [channels, multiplier, kernel[0], kernel[1]], [2, 3, 0, 1]) };
}

/** A written Keras model: the model.json object and its one weight shard. */
export interface KerasExport {
  modelJson: Record<string, unknown>;
  /** The shard's file name, as model.json names it. */
  shardName: string;
  shard: Uint8Array;
  /** Learned values written (kernels, biases, scales, running statistics). */
  parameterCount: number;
}

interface KerasLayer {
  class_name: string;
  config: Record<string, unknown>;
  name: string;
  inbound_nodes: [string, number, number, Record<string, never>][][];
}

/** A Keras weight in the manifest: name, shape, float32 values. */
interface KerasWeight {
  name: string;
  shape: number[];
  data: Float32Array;
}

interface KerasContext {
  node: GraphNode;
  graph: NetworkGraph;
  rank: number;
  /** Keras layer names of the node's inputs. */
  inputs: string[];
  /** Adds a layer reading `inputs` (the node's by default); returns its name. */
  layer(className: string, config: Record<string, unknown>, weights?: { suffix: string; shape: number[]; data: Float32Array }[], inputs?: string[]): string;
  tensor(name: string): { shape: number[]; data: Float32Array } | undefined;
}

type Entry = (context: KerasContext) => string | { unsupported: string };

function numbers(value: unknown): number[] {
  return Array.isArray(value) ? (value as number[]) : [];
}

/** Permutes a row-major array: output axis i is input axis perm[i]. */
function permute(data: Float32Array, shape: number[], perm: number[]): Float32Array {
  const outShape = perm.map((p) => shape[p]);
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const out = new Float32Array(data.length);
  const index = new Array(outShape.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let from = 0;
    for (let i = 0; i < perm.length; i++) from += index[i] * strides[perm[i]];
    out[o] = data[from];
    for (let i = outShape.length - 1; i >= 0; i--) {
      if (++index[i] < outShape[i]) break;
      index[i] = 0;
    }
  }
  return out;
}

/** PyTorch's conv kernel [out, in, ...k] as Keras's [...k, in, out]. */
function convKernel(tensor: { shape: number[]; data: Float32Array }): { shape: number[]; data: Float32Array } {
  const [outputs, inputs, ...kernel] = tensor.shape;
  const positions = kernel.reduce((a, b) => a * b, 1);
  const data = new Float32Array(tensor.data.length);
  // The spatial axes keep their order, so one loop over kernel positions covers 1-D, 2-D and 3-D kernels.
  for (let o = 0; o < outputs; o++) {
    for (let i = 0; i < inputs; i++) {
      const from = (o * inputs + i) * positions;
      for (let p = 0; p < positions; p++) data[(p * inputs + i) * outputs + o] = tensor.data[from + p];
    }
  }
  return { shape: [...kernel, inputs, outputs], data };
}

/** Keras's "same" amounts for these sizes, to tell whether a layer's padding is Keras's own. */
function kerasSame(node: GraphNode): { left: number[]; right: number[] } {
  const a = attributesOf<WindowedOpName>(node);
  const sizes = node.inShapes[0].slice(1);
  const kernel = numbers(a.kernel);
  const stride = numbers(a.stride);
  const dilation = numbers(a.dilation).length ? numbers(a.dilation) : sizes.map(() => 1);
  return samePadding(sizes, kernel, stride, dilation);
}

/**
 * The Keras `padding` of a windowed layer: "valid", "same", or explicit
 * amounts that need a ZeroPadding2D before it (returned as `pad`).
 */
function windowPadding(node: GraphNode): { padding: 'valid' | 'same'; pad?: [number, number][] } {
  const left = numbers(attributesOf<WindowedOpName>(node).padLeft);
  const right = numbers(attributesOf<WindowedOpName>(node).padRight);
  if ([...left, ...right].every((p) => p === 0)) return { padding: 'valid' };
  const same = kerasSame(node);
  if (same.left.join() === left.join() && same.right.join() === right.join()) return { padding: 'same' };
  return { padding: 'valid', pad: left.map((l, i) => [l, right[i]]) };
}

/** Ops whose outputs are never negative, after which zero padding cannot win a max pool. */
const nonNegative = new Set(['relu', 'relu6', 'sigmoid', 'softplus', 'softmax', 'hardsigmoid']);

function padded(context: KerasContext, pad: [number, number][] | undefined, what: string): string | { unsupported: string } {
  if (!pad) return context.inputs[0];
  if (context.rank !== 2) return { unsupported: `${what} with explicit padding on a ${context.rank}-D map (tfjs-layers has ZeroPadding2D only)` };
  return context.layer('ZeroPadding2D', { padding: pad, data_format: 'channels_last' });
}

const suffix = (rank: number) => `${rank}D`;

const entries: Record<string, Entry> = {
  conv(context) {
    const a = attributesOf(context.node, 'conv');
    if (Number(a.groups) !== 1) return { unsupported: 'a grouped convolution (tfjs-layers has no groups)' };
    if (context.rank === 3 && numbers(a.dilation).some((d) => d !== 1)) return { unsupported: 'a dilated 3-D convolution' };
    const { padding, pad } = windowPadding(context.node);
    const input = padded(context, pad, 'a convolution');
    if (typeof input !== 'string') return input;
    const weights = [{ suffix: 'kernel', ...convKernel(context.tensor('weight')!) }];
    const bias = context.tensor('bias');
    if (bias) weights.push({ suffix: 'bias', ...bias });
    return context.layer(
      `Conv${suffix(context.rank)}`,
      {
        filters: Number(a.out),
        kernel_size: numbers(a.kernel),
        strides: numbers(a.stride),
        padding,
        data_format: 'channels_last',
        dilation_rate: numbers(a.dilation),
        use_bias: !!bias,
        activation: 'linear',
      },
      weights,
      [input],
    );
  },
  conv_transpose(context) {
    const a = attributesOf(context.node, 'conv_transpose');
    const kernel = numbers(a.kernel);
    const stride = numbers(a.stride);
    const plain = Number(a.groups) === 1 && [...numbers(a.padding), ...numbers(a.outputPadding)].every((p) => p === 0) && numbers(a.dilation).every((d) => d === 1);
    // Keras's "valid" transposed size is in·s + max(k - s, 0), PyTorch's (in-1)·s + k: equal when k >= s.
    if (!plain || context.rank !== 2 || kernel.some((k, i) => k < stride[i])) {
      return { unsupported: 'a transposed convolution with padding, output padding, dilation, groups, a kernel smaller than its stride, or not 2-D (tfjs-layers cannot size it as PyTorch does)' };
    }
    const weight = context.tensor('weight')!;
    // PyTorch [in, out, kh, kw] → Keras [kh, kw, out, in].
    const weights = [{ suffix: 'kernel', shape: [kernel[0], kernel[1], weight.shape[1], weight.shape[0]], data: permute(weight.data, weight.shape, [2, 3, 1, 0]) }];
    const bias = context.tensor('bias');
    if (bias) weights.push({ suffix: 'bias', ...bias });
    return context.layer(
      'Conv2DTranspose',
      { filters: Number(a.out), kernel_size: kernel, strides: stride, padding: 'valid', data_format: 'channels_last', use_bias: !!bias, activation: 'linear' },
      weights,
    );
  },
  depthwise_conv(context) {
    const a = attributesOf(context.node, 'depthwise_conv');
    if (context.rank !== 2) return { unsupported: `a ${context.rank}-D depthwise convolution (tfjs-layers has DepthwiseConv2D only)` };
    const { padding, pad } = windowPadding(context.node);
    const input = padded(context, pad, 'a depthwise convolution');
    if (typeof input !== 'string') return input;
    const weight = context.tensor('weight')!;
    const multiplier = Number(a.multiplier);
    const channels = context.node.inShapes[0][0];
    const kernel = numbers(a.kernel);
    const weights = [{ suffix: 'depthwise_kernel', ...depthwiseKernel(weight.data, channels, multiplier, kernel) }];
    const bias = context.tensor('bias');
    if (bias) weights.push({ suffix: 'bias', ...bias });
    return context.layer(
      'DepthwiseConv2D',
      {
        kernel_size: kernel,
        depth_multiplier: multiplier,
        strides: numbers(a.stride),
        padding,
        data_format: 'channels_last',
        dilation_rate: numbers(a.dilation),
        use_bias: !!bias,
        activation: 'linear',
      },
      weights,
      [input],
    );
  },
  separable_conv(context) {
    const a = attributesOf(context.node, 'separable_conv');
    if (context.rank !== 2) return { unsupported: `a ${context.rank}-D separable convolution (tfjs-layers has SeparableConv2D only)` };
    const { padding, pad } = windowPadding(context.node);
    const input = padded(context, pad, 'a separable convolution');
    if (typeof input !== 'string') return input;
    const depthwise = context.tensor('depthwise.weight')!;
    const pointwise = context.tensor('pointwise.weight')!;
    const multiplier = Number(a.multiplier);
    const channels = context.node.inShapes[0][0];
    const kernel = numbers(a.kernel);
    const weights = [
      { suffix: 'depthwise_kernel', ...depthwiseKernel(depthwise.data, channels, multiplier, kernel) },
      { suffix: 'pointwise_kernel', ...convKernel(pointwise) },
    ];
    const bias = context.tensor('pointwise.bias');
    if (bias) weights.push({ suffix: 'bias', ...bias });
    return context.layer(
      'SeparableConv2D',
      {
        filters: Number(a.out),
        kernel_size: kernel,
        depth_multiplier: multiplier,
        strides: numbers(a.stride),
        padding,
        data_format: 'channels_last',
        dilation_rate: numbers(a.dilation),
        use_bias: !!bias,
        activation: 'linear',
      },
      weights,
      [input],
    );
  },
  dense(context) {
    const inShape = context.node.inShapes[0];
    if (inShape.length !== 1) return { unsupported: 'dense on a map with axes (Keras acts on the channels, PyTorch on the last axis)' };
    const weight = context.tensor('weight')!;
    const [units, features] = weight.shape;
    let kernel = permute(weight.data, weight.shape, [1, 0]);
    const flat = plainFlattenBefore(context.graph, context.node);
    if (flat) {
      // Keras row (p·C + c) is PyTorch row (c·P + p) for channel c at position p.
      const channels = flat[0];
      const positions = features / channels;
      const reordered = new Float32Array(kernel.length);
      for (let c = 0; c < channels; c++) for (let p = 0; p < positions; p++) reordered.set(kernel.subarray((c * positions + p) * units, (c * positions + p + 1) * units), (p * channels + c) * units);
      kernel = reordered;
    }
    const weights = [{ suffix: 'kernel', shape: [features, units], data: kernel }];
    const bias = context.tensor('bias');
    if (bias) weights.push({ suffix: 'bias', ...bias });
    return context.layer('Dense', { units, use_bias: !!bias, activation: 'linear' }, weights);
  },
  batchnorm(context) {
    const a = attributesOf(context.node, 'batchnorm');
    const gamma = context.tensor('weight');
    const beta = context.tensor('bias');
    const weights = [...(gamma ? [{ suffix: 'gamma', ...gamma }] : []), ...(beta ? [{ suffix: 'beta', ...beta }] : [])];
    weights.push({ suffix: 'moving_mean', ...context.tensor('running_mean')! }, { suffix: 'moving_variance', ...context.tensor('running_var')! });
    // Keras's momentum weighs the old running value; PyTorch's weighs the new batch.
    return context.layer('BatchNormalization', { axis: -1, epsilon: Number(a.eps), momentum: 1 - Number(a.momentum), center: !!beta, scale: !!gamma }, weights);
  },
  layernorm(context) {
    const a = attributesOf(context.node, 'layernorm');
    const gamma = context.tensor('weight');
    const beta = context.tensor('bias');
    const weights = [...(gamma ? [{ suffix: 'gamma', ...gamma }] : []), ...(beta ? [{ suffix: 'beta', ...beta }] : [])];
    return context.layer('LayerNormalization', { axis: -1, epsilon: Number(a.eps), center: !!beta, scale: !!gamma }, weights);
  },
  prelu(context) {
    const alpha = context.tensor('weight')!;
    const channels = context.node.inShapes[0][0];
    const spatial = Array.from({ length: context.rank }, (_, i) => i + 1);
    const shared = alpha.shape[0] === 1;
    const shape = [...new Array(context.rank).fill(1), shared ? 1 : channels];
    const data = shared ? alpha.data : alpha.data;
    return context.layer('PReLU', { shared_axes: shared ? [...spatial, context.rank + 1] : spatial.length ? spatial : null }, [{ suffix: 'alpha', shape, data }]);
  },
  dropout: (context) => context.layer('Dropout', { rate: Number(attributesOf(context.node, 'dropout').p) }),
  identity: (context) => context.inputs[0],
  relu: (context) => context.layer('Activation', { activation: 'relu' }),
  relu6: (context) => context.layer('Activation', { activation: 'relu6' }),
  gelu: (context) => context.layer('Activation', { activation: 'gelu' }),
  silu: (context) => context.layer('Activation', { activation: 'swish' }),
  sigmoid: (context) => context.layer('Activation', { activation: 'sigmoid' }),
  tanh: (context) => context.layer('Activation', { activation: 'tanh' }),
  mish: (context) => context.layer('Activation', { activation: 'mish' }),
  softplus: (context) => context.layer('Activation', { activation: 'softplus' }),
  softmax: (context) => context.layer('Activation', { activation: 'softmax' }),
  leaky_relu: (context) => context.layer('LeakyReLU', { alpha: Number(attributesOf(context.node, 'leaky_relu').slope ?? 0.01) }),
  elu: (context) => context.layer('ELU', { alpha: Number(attributesOf(context.node, 'elu').alpha ?? 1) }),
  maxpool(context) {
    const a = attributesOf(context.node, 'maxpool');
    if (numbers(a.dilation).some((d) => d !== 1) || a.ceilMode) return { unsupported: 'max pooling with dilation or ceil_mode' };
    const { padding, pad } = windowPadding(context.node);
    if (pad) {
      const before = context.graph.nodes[context.node.inputs[0]];
      if (!nonNegative.has(before.op)) return { unsupported: 'max pooling with PyTorch-style padding after a layer whose values may be negative (Keras pads with zeros, PyTorch with -infinity)' };
    }
    const input = padded(context, pad, 'max pooling');
    if (typeof input !== 'string') return input;
    return context.layer(`MaxPooling${suffix(context.rank)}`, { pool_size: numbers(a.kernel), strides: numbers(a.stride), padding, data_format: 'channels_last' }, [], [input]);
  },
  avgpool(context) {
    const a = attributesOf(context.node, 'avgpool');
    if (a.ceilMode) return { unsupported: 'average pooling with ceil_mode' };
    let { padding, pad } = windowPadding(context.node);
    // Keras's "same" average leaves the padding out of the count; the language counts it unless count_include_pad=false.
    if (padding === 'same' && a.countIncludePad) {
      pad = numbers(a.padLeft).map((l, i) => [l, numbers(a.padRight)[i]]);
      padding = 'valid';
    }
    if (pad && !a.countIncludePad) return { unsupported: 'average pooling with padding left out of the count' };
    const input = padded(context, pad, 'average pooling');
    if (typeof input !== 'string') return input;
    return context.layer(`AveragePooling${suffix(context.rank)}`, { pool_size: numbers(a.kernel), strides: numbers(a.stride), padding, data_format: 'channels_last' }, [], [input]);
  },
  global_avgpool: (context) =>
    context.rank === 3 ? { unsupported: '3-D global average pooling (tfjs-layers has 1-D and 2-D)' } : context.layer(`GlobalAveragePooling${suffix(context.rank)}`, { data_format: 'channels_last' }),
  global_maxpool: (context) =>
    context.rank === 3 ? { unsupported: '3-D global max pooling (tfjs-layers has 1-D and 2-D)' } : context.layer(`GlobalMaxPooling${suffix(context.rank)}`, { data_format: 'channels_last' }),
  adaptive_avgpool: (context) => adaptive(context, 'Average'),
  adaptive_maxpool: (context) => adaptive(context, 'Max'),
  flatten(context) {
    const inShape = context.node.inShapes[0];
    if (inShape.length === 1) return context.inputs[0];
    if (onlyDenseReads(context.graph, context.node)) return context.layer('Flatten', {});
    // Anything else reads the values in PyTorch's channel-first order.
    const permuted = context.layer('Permute', { dims: [inShape.length, ...Array.from({ length: inShape.length - 1 }, (_, i) => i + 1)] });
    return context.layer('Flatten', {}, [], [permuted]);
  },
  reshape(context) {
    const inShape = context.node.inShapes[0];
    const out = context.node.outShape;
    let x = context.inputs[0];
    if (inShape.length > 1) x = context.layer('Permute', { dims: [inShape.length, ...Array.from({ length: inShape.length - 1 }, (_, i) => i + 1)] }, [], [x]);
    x = context.layer('Reshape', { target_shape: out }, [], [x]);
    if (out.length > 1) x = context.layer('Permute', { dims: [...Array.from({ length: out.length - 1 }, (_, i) => i + 2), 1] }, [], [x]);
    return x;
  },
  pad(context) {
    if (context.rank !== 2) return { unsupported: `padding a ${context.rank}-D map (tfjs-layers has ZeroPadding2D only)` };
    const amount = numbers(attributesOf(context.node, 'pad').amount);
    return context.layer('ZeroPadding2D', { padding: amount.map((p) => [p, p]), data_format: 'channels_last' });
  },
  upsample(context) {
    const a = attributesOf(context.node, 'upsample');
    const inSizes = context.node.inShapes[0].slice(1);
    // size= and like= resolve to sizes; a whole multiple of the input is UpSampling2D's factor.
    const scale = a.size !== undefined ? numbers(a.size).map((out, i) => out / inSizes[i]) : numbers(a.scale);
    if (context.rank !== 2 || a.mode !== 'nearest' || scale.some((s) => !Number.isInteger(s))) {
      return { unsupported: 'upsampling other than 2-D nearest by whole factors (tfjs-layers bilinear resizing does not centre pixels as PyTorch does)' };
    }
    return context.layer('UpSampling2D', { size: scale, interpolation: 'nearest', data_format: 'channels_last' });
  },
  slice(context) {
    const a = attributesOf(context.node, 'slice');
    const axis = Number(a.axis);
    if (axis === 0) return { unsupported: 'slicing channels (tfjs-layers has no layer that keeps some channels)' };
    if (context.rank !== 2) return { unsupported: `slicing a ${context.rank}-D map (tfjs-layers has Cropping2D only)` };
    const size = context.node.inShapes[0][axis];
    const cropping = [
      [0, 0],
      [0, 0],
    ];
    cropping[axis - 1] = [Number(a.start), size - Number(a.end)];
    return context.layer('Cropping2D', { cropping, data_format: 'channels_last' });
  },
  channel_shuffle(context) {
    // Channels last: [..., C] → [..., g, C/g] → swap the last two → [..., C], PyTorch's order.
    const [channels, ...sizes] = context.node.inShapes[0];
    const groups = Number(attributesOf(context.node, 'channel_shuffle').groups);
    const rank = sizes.length;
    const split = context.layer('Reshape', { target_shape: [...sizes, groups, channels / groups] });
    const swapped = context.layer('Permute', { dims: [...sizes.map((_, i) => i + 1), rank + 2, rank + 1] }, [], [split]);
    return context.layer('Reshape', { target_shape: [...sizes, channels] }, [], [swapped]);
  },
  pixel_shuffle(context) {
    // PyTorch's channel c·r^n + i1·r^(n-1) + ... + in goes to channel c at offset (i1, ..., in): split the channels, move each offset beside its axis.
    const [channels, ...sizes] = context.node.inShapes[0];
    const factor = Number(attributesOf(context.node, 'pixel_shuffle').factor);
    const rank = sizes.length;
    const out = channels / factor ** rank;
    const split = context.layer('Reshape', { target_shape: [...sizes, out, ...sizes.map(() => factor)] });
    const moved = context.layer('Permute', { dims: [...sizes.flatMap((_, k) => [k + 1, rank + 2 + k]), rank + 1] }, [], [split]);
    return context.layer('Reshape', { target_shape: [...sizes.map((n) => n * factor), out] }, [], [moved]);
  },
  layer_scale(context) {
    // A 1x1 depthwise convolution without bias multiplies each channel by its one weight: exactly the layer scale, with its C parameters.
    if (context.rank !== 2)
      return { unsupported: `layer_scale on a ${context.rank === 0 ? 'feature vector' : `${context.rank}-D map`} (tfjs-layers has no per-channel scale; a 1x1 DepthwiseConv2D serves 2-D maps only)` };
    const gamma = context.tensor('weight')!;
    const channels = gamma.shape[0];
    return context.layer(
      'DepthwiseConv2D',
      { kernel_size: [1, 1], depth_multiplier: 1, strides: [1, 1], padding: 'valid', data_format: 'channels_last', dilation_rate: [1, 1], use_bias: false, activation: 'linear' },
      [{ suffix: 'depthwise_kernel', shape: [1, 1, channels, 1], data: gamma.data }],
    );
  },
  add: (context) => context.layer('Add', {}),
  multiply: (context) => context.layer('Multiply', {}),
  concat: (context) => context.layer('Concatenate', { axis: -1 }),
};

function adaptive(context: KerasContext, kind: 'Average' | 'Max'): string | { unsupported: string } {
  const sizes = context.node.inShapes[0].slice(1);
  const target = numbers(attributesOf(context.node, 'adaptive_avgpool', 'adaptive_maxpool').size);
  if (sizes.every((n, i) => n === target[i])) return context.inputs[0];
  if (!sizes.every((n, i) => n % target[i] === 0)) return { unsupported: 'adaptive pooling to a size that does not divide the input (tfjs-layers has no adaptive pooling)' };
  const kernel = sizes.map((n, i) => n / target[i]);
  return context.layer(`${kind}Pooling${suffix(context.rank)}`, { pool_size: kernel, strides: kernel, padding: 'valid', data_format: 'channels_last' });
}

/** Ops that keep every value in place, as the preview's tfjs loader lists them. */
const passThrough = new Set(['dropout', 'identity', 'relu', 'relu6', 'leaky_relu', 'elu', 'gelu', 'silu', 'sigmoid', 'tanh', 'hardswish', 'hardsigmoid', 'mish', 'softplus']);

/** Whether everything that reads this flatten (through value-preserving ops) is a dense layer. */
function onlyDenseReads(graph: NetworkGraph, flatten: GraphNode): boolean {
  if (graph.output === flatten.id) return false;
  const readers = graph.nodes.filter((n) => n.inputs.includes(flatten.id));
  return readers.length > 0 && readers.every((r) => r.op === 'dense' || (passThrough.has(r.op) && r.inputs.length === 1 && onlyDenseReads(graph, r)));
}

/** The channels-first shape before a plain Flatten this dense reads (through value-preserving ops), if any. */
function plainFlattenBefore(graph: NetworkGraph, dense: GraphNode): number[] | undefined {
  let current = graph.nodes[dense.inputs[0]];
  while (current && passThrough.has(current.op)) current = graph.nodes[current.inputs[0]];
  if (current?.op !== 'flatten' || current.inShapes[0].length < 2 || !onlyDenseReads(graph, current)) return undefined;
  return current.inShapes[0];
}

/** Writes the tfjs-layers model of an analysed network with these weights. */
export function writeKeras(source: ExportSource, weights: ExportWeights): KerasExport | ExportFailure {
  const { graph, network, text } = source;
  const layers: KerasLayer[] = [];
  const manifest: KerasWeight[] = [];
  const outputs = new Map<number, string>();
  const taken = new Set<string>();
  const unique = (base: string) => {
    let name = base;
    for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
    taken.add(name);
    return name;
  };
  const input = network.input ?? [];
  const inputName = unique('input');
  layers.push({ class_name: 'InputLayer', config: { batch_input_shape: [null, ...input.slice(1), input[0]], dtype: 'float32', sparse: false, name: inputName }, name: inputName, inbound_nodes: [] });
  outputs.set(0, inputName);
  for (const node of graph.nodes) {
    if (node.op === 'input') continue;
    const tensors = weights.get(node.id) ?? {};
    const context: KerasContext = {
      node,
      graph,
      rank: node.inShapes[0].length - 1,
      inputs: node.inputs.map((id) => outputs.get(id)!),
      tensor: (name) => tensors[name],
      layer: (className, config, layerWeights = [], inputs = context.inputs) => {
        const name = unique(`${node.op}_${node.id}`);
        layers.push({ class_name: className, config: { ...config, name, trainable: true, dtype: 'float32' }, name, inbound_nodes: [inputs.map((i) => [i, 0, 0, {}])] });
        for (const w of layerWeights) manifest.push({ name: `${name}/${w.suffix}`, shape: w.shape, data: w.data });
        return name;
      },
    };
    const entry = entries[node.op];
    const outcome = entry ? entry(context) : { unsupported: `the op '${node.written}'` };
    if (typeof outcome !== 'string') return { failure: `${describeStatement(text, node.range)}: Keras (tfjs-layers) export cannot express ${outcome.unsupported}`, range: node.range };
    outputs.set(node.id, outcome);
  }
  const outputName = outputs.get(graph.output!)!;
  const total = manifest.reduce((n, w) => n + w.data.length, 0);
  const shard = new Uint8Array(total * 4);
  let at = 0;
  for (const w of manifest) {
    shard.set(new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength), at);
    at += w.data.byteLength;
  }
  const shardName = 'weights.bin';
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'CNN Lens',
    convertedBy: null,
    modelTopology: {
      class_name: 'Model',
      config: { name: network.name, layers, input_layers: [[inputName, 0, 0]], output_layers: [[outputName, 0, 0]] },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    },
    weightsManifest: [{ paths: [shardName], weights: manifest.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' })) }],
  };
  return { modelJson, shardName, shard, parameterCount: total };
}
