/**
 * How each op is written in ONNX (opset 13), one entry per canonical op
 * name: the graph node's resolved settings become ONNX nodes on [N, C, ...]
 * tensors, its weights initializers. Ops without an opset-13 operator (GELU,
 * layer and group normalisation, adaptive pooling to a size that does not
 * divide) are composed from ones that exist, exactly, never approximated.
 */
import type { GraphNode } from '../semantics/graph';
import { OnnxAttributeType, type OnnxAttribute } from '../onnx/schema';
import type { ExportTensor } from './network';
import { attributesOf, type WindowedOpName } from '../ops/attributes';

/** What an entry may ask of the graph being built. */
export interface OnnxOpContext {
  node: GraphNode;
  /** Spatial axes of the input (0 for a feature vector). */
  rank: number;
  /** The value names of the node's inputs, in order. */
  inputs: string[];
  /** The value name the node's result must have. */
  output: string;
  /** The node's learned tensor `name` (PyTorch layout), as an initializer; returns its value name. */
  weight(name: string, reshape?: number[]): string;
  /** A constant tensor as an initializer; returns its value name. */
  constant(kind: 'float' | 'int64', values: number[], dims: number[]): string;
  /** Adds an ONNX node; returns its (first) output name, a fresh one unless `output` is given. */
  add(opType: string, inputs: string[], attributes?: OnnxAttribute[], output?: string): string;
  /** Whether the node has a learned tensor `name`. */
  has(name: string): boolean;
  /** The node's learned tensor. */
  tensor(name: string): ExportTensor | undefined;
}

/** An op ONNX export cannot express: the message says why. */
export interface OnnxUnsupported {
  unsupported: string;
}

type Entry = (context: OnnxOpContext) => void | OnnxUnsupported;

export const attr = {
  int: (name: string, i: number): OnnxAttribute => ({ name, type: OnnxAttributeType.INT, i }),
  ints: (name: string, ints: number[]): OnnxAttribute => ({ name, type: OnnxAttributeType.INTS, ints }),
  float: (name: string, f: number): OnnxAttribute => ({ name, type: OnnxAttributeType.FLOAT, f }),
  string: (name: string, s: string): OnnxAttribute => ({ name, type: OnnxAttributeType.STRING, s: new TextEncoder().encode(s) }),
};

function numbers(value: unknown): number[] {
  return Array.isArray(value) ? (value as number[]) : [];
}

/** ONNX pads list every axis's start, then every axis's end. */
function pads(node: GraphNode): number[] {
  return [...numbers(attributesOf<WindowedOpName>(node).padLeft), ...numbers(attributesOf<WindowedOpName>(node).padRight)];
}

function conv(context: OnnxOpContext, groups: number, weight = 'weight', bias = 'bias', input = context.inputs[0], output = context.output): string {
  const a = attributesOf(context.node, 'conv', 'depthwise_conv', 'separable_conv');
  const inputs = [input, context.weight(weight), ...(context.has(bias) ? [context.weight(bias)] : [])];
  return context.add(
    'Conv',
    inputs,
    [
      attr.ints('kernel_shape', numbers(a.kernel)),
      attr.ints('strides', numbers(a.stride)),
      attr.ints('dilations', numbers(a.dilation)),
      attr.ints('pads', pads(context.node)),
      attr.int('group', groups),
    ],
    output,
  );
}

/** A per-channel vector [C] shaped to broadcast over [N, C, ...spatial]. */
function channelShape(context: OnnxOpContext, channels: number): number[] {
  return [channels, ...new Array(context.rank).fill(1)];
}

/**
 * Normalises `x` over `axes` (mean 0, variance 1 with eps), as the
 * normalisation layers do; ReduceMean keeps the axes so the results broadcast.
 */
function normalise(context: OnnxOpContext, x: string, axes: number[], eps: number): string {
  const mean = context.add('ReduceMean', [x], [attr.ints('axes', axes), attr.int('keepdims', 1)]);
  const centred = context.add('Sub', [x, mean]);
  const squared = context.add('Mul', [centred, centred]);
  const variance = context.add('ReduceMean', [squared], [attr.ints('axes', axes), attr.int('keepdims', 1)]);
  const shifted = context.add('Add', [variance, context.constant('float', [eps], [])]);
  return context.add('Div', [centred, context.add('Sqrt', [shifted])]);
}

/** Scales and shifts per channel when the layer is affine, writing the node's output. */
function affine(context: OnnxOpContext, x: string, channels: number): void {
  if (!context.has('weight')) {
    context.add('Identity', [x], [], context.output);
    return;
  }
  const shape = channelShape(context, channels);
  const scaled = context.add('Mul', [x, context.weight('weight', shape)]);
  context.add('Add', [scaled, context.weight('bias', shape)], [], context.output);
}

/**
 * PyTorch's adaptive pooling along one axis: output i reduces input
 * [floor(i·n/out), ceil((i+1)·n/out)); windows of one size and stride when
 * out divides n, slices otherwise.
 */
function adaptive(context: OnnxOpContext, kind: 'avg' | 'max'): void {
  const sizes = context.node.inShapes[0].slice(1);
  const target = numbers(attributesOf(context.node, 'adaptive_avgpool', 'adaptive_maxpool').size);
  if (sizes.every((n, i) => n === target[i])) {
    context.add('Identity', [context.inputs[0]], [], context.output);
    return;
  }
  if (sizes.every((n, i) => n % target[i] === 0)) {
    const kernel = sizes.map((n, i) => n / target[i]);
    context.add(kind === 'avg' ? 'AveragePool' : 'MaxPool', [context.inputs[0]], [attr.ints('kernel_shape', kernel), attr.ints('strides', kernel)], context.output);
    return;
  }
  let x = context.inputs[0];
  sizes.forEach((n, axisIndex) => {
    const out = target[axisIndex];
    const axis = axisIndex + 2;
    if (n === out) return;
    const pieces: string[] = [];
    for (let i = 0; i < out; i++) {
      const start = Math.floor((i * n) / out);
      const end = Math.ceil(((i + 1) * n) / out);
      const slice = context.add('Slice', [x, context.constant('int64', [start], [1]), context.constant('int64', [end], [1]), context.constant('int64', [axis], [1])]);
      pieces.push(context.add(kind === 'avg' ? 'ReduceMean' : 'ReduceMax', [slice], [attr.ints('axes', [axis]), attr.int('keepdims', 1)]));
    }
    x = context.add('Concat', pieces, [attr.int('axis', axis)]);
  });
  context.add('Identity', [x], [], context.output);
}

/**
 * A float32 scale whose product with `size` floors to `out` however it is
 * multiplied: ONNX's Python shape inference rounds the product to float32,
 * ONNX Runtime's keeps it exact (7 · fround(9/7) is 8.99999988, which one
 * floors to 9 and the other to 8). So out/size, nudged up by one float step
 * while the exact product is short of `out`.
 */
export function resizeScale(size: number, out: number): number {
  let scale = Math.fround(out / size);
  while (size * scale < out) scale = Math.fround(scale * (1 + 2 ** -23));
  return scale;
}

function unary(opType: string, attributes: OnnxAttribute[] = []): Entry {
  return (context) => {
    context.add(opType, [context.inputs[0]], attributes, context.output);
  };
}

const entries: Record<string, Entry> = {
  conv(context) {
    conv(context, Number(attributesOf(context.node, 'conv').groups ?? 1));
  },
  depthwise_conv(context) {
    conv(context, context.node.inShapes[0][0]);
  },
  separable_conv(context) {
    const a = attributesOf(context.node, 'separable_conv');
    const middle = conv(context, context.node.inShapes[0][0], 'depthwise.weight', 'depthwise.bias', context.inputs[0], '');
    const ones = numbers(a.kernel).map(() => 1);
    context.add(
      'Conv',
      [middle, context.weight('pointwise.weight'), ...(context.has('pointwise.bias') ? [context.weight('pointwise.bias')] : [])],
      [
        attr.ints('kernel_shape', ones),
        attr.ints('strides', ones),
        attr.ints('dilations', ones),
        attr.ints(
          'pads',
          [...ones, ...ones].map(() => 0),
        ),
        attr.int('group', 1),
      ],
      context.output,
    );
  },
  conv_transpose(context) {
    const a = attributesOf(context.node, 'conv_transpose');
    const padding = numbers(a.padding);
    context.add(
      'ConvTranspose',
      [context.inputs[0], context.weight('weight'), ...(context.has('bias') ? [context.weight('bias')] : [])],
      [
        attr.ints('kernel_shape', numbers(a.kernel)),
        attr.ints('strides', numbers(a.stride)),
        attr.ints('dilations', numbers(a.dilation)),
        attr.ints('pads', [...padding, ...padding]),
        attr.ints('output_padding', numbers(a.outputPadding)),
        attr.int('group', Number(a.groups ?? 1)),
      ],
      context.output,
    );
  },
  dense(context) {
    const inShape = context.node.inShapes[0];
    if (inShape.length === 1) {
      context.add('Gemm', [context.inputs[0], context.weight('weight'), ...(context.has('bias') ? [context.weight('bias')] : [])], [attr.int('transB', 1)], context.output);
      return;
    }
    // On a map with axes, nn.Linear acts on the last axis: a MatMul by the transposed kernel.
    const weight = context.tensor('weight')!;
    const [units, features] = weight.shape;
    const transposed = new Array<number>(units * features);
    for (let o = 0; o < units; o++) for (let i = 0; i < features; i++) transposed[i * units + o] = weight.data[o * features + i];
    const product = context.add('MatMul', [context.inputs[0], context.constant('float', transposed, [features, units])]);
    if (context.has('bias')) context.add('Add', [product, context.weight('bias')], [], context.output);
    else context.add('Identity', [product], [], context.output);
  },
  batchnorm(context) {
    const a = attributesOf(context.node, 'batchnorm');
    const channels = context.node.inShapes[0][0];
    const scale = context.has('weight') ? context.weight('weight') : context.constant('float', new Array(channels).fill(1), [channels]);
    const shift = context.has('bias') ? context.weight('bias') : context.constant('float', new Array(channels).fill(0), [channels]);
    // ONNX's momentum weighs the old running value; PyTorch's weighs the new batch.
    context.add(
      'BatchNormalization',
      [context.inputs[0], scale, shift, context.weight('running_mean'), context.weight('running_var')],
      [attr.float('epsilon', Number(a.eps)), attr.float('momentum', 1 - Number(a.momentum))],
      context.output,
    );
  },
  layernorm(context) {
    affine(context, normalise(context, context.inputs[0], [1], Number(attributesOf(context.node, 'layernorm').eps)), context.node.inShapes[0][0]);
  },
  groupnorm(context) {
    const a = attributesOf(context.node, 'groupnorm');
    const shape = context.node.inShapes[0];
    const groups = Number(a.groups);
    const grouped = context.add('Reshape', [context.inputs[0], context.constant('int64', [0, groups, -1], [3])]);
    const normalised = normalise(context, grouped, [2], Number(a.eps));
    const back = context.add('Reshape', [normalised, context.constant('int64', [0, ...shape], [shape.length + 1])]);
    affine(context, back, shape[0]);
  },
  instancenorm(context) {
    if (context.rank === 0) return { unsupported: 'instancenorm on a feature vector' };
    affine(
      context,
      normalise(
        context,
        context.inputs[0],
        Array.from({ length: context.rank }, (_, i) => i + 2),
        Number(attributesOf(context.node, 'instancenorm').eps),
      ),
      context.node.inShapes[0][0],
    );
  },
  prelu(context) {
    const channels = context.tensor('weight')!.shape[0];
    context.add('PRelu', [context.inputs[0], context.weight('weight', channels === 1 ? [1] : channelShape(context, channels))], [], context.output);
  },
  lrn(context) {
    const a = attributesOf(context.node, 'lrn');
    // ONNX centres an even window one channel later than PyTorch does.
    if (Number(a.size) % 2 === 0) return { unsupported: `lrn with an even size (${a.size}): ONNX's LRN window sits one channel off PyTorch's` };
    context.add(
      'LRN',
      [context.inputs[0]],
      [attr.int('size', Number(a.size)), attr.float('alpha', Number(a.alpha)), attr.float('beta', Number(a.beta)), attr.float('bias', Number(a.k))],
      context.output,
    );
  },
  dropout: unary('Identity'),
  identity: unary('Identity'),
  relu: unary('Relu'),
  relu6(context) {
    context.add('Clip', [context.inputs[0], context.constant('float', [0], []), context.constant('float', [6], [])], [], context.output);
  },
  leaky_relu: (context) => unary('LeakyRelu', [attr.float('alpha', Number(attributesOf(context.node, 'leaky_relu').slope ?? 0.01))])(context),
  elu: (context) => unary('Elu', [attr.float('alpha', Number(attributesOf(context.node, 'elu').alpha ?? 1))])(context),
  gelu(context) {
    // GELU(x) = x·Φ(x) = 0.5·x·(1 + erf(x/√2)), PyTorch's exact form.
    const x = context.inputs[0];
    const erf = context.add('Erf', [context.add('Div', [x, context.constant('float', [Math.SQRT2], [])])]);
    const half = context.add('Mul', [x, context.constant('float', [0.5], [])]);
    context.add('Mul', [half, context.add('Add', [erf, context.constant('float', [1], [])])], [], context.output);
  },
  silu(context) {
    context.add('Mul', [context.inputs[0], context.add('Sigmoid', [context.inputs[0]])], [], context.output);
  },
  sigmoid: unary('Sigmoid'),
  tanh: unary('Tanh'),
  hardsigmoid: unary('HardSigmoid', [attr.float('alpha', 1 / 6), attr.float('beta', 0.5)]),
  hardswish(context) {
    const gate = context.add('HardSigmoid', [context.inputs[0]], [attr.float('alpha', 1 / 6), attr.float('beta', 0.5)]);
    context.add('Mul', [context.inputs[0], gate], [], context.output);
  },
  mish(context) {
    context.add('Mul', [context.inputs[0], context.add('Tanh', [context.add('Softplus', [context.inputs[0]])])], [], context.output);
  },
  softplus: unary('Softplus'),
  softmax: unary('Softmax', [attr.int('axis', 1)]),
  log_softmax: unary('LogSoftmax', [attr.int('axis', 1)]),
  maxpool(context) {
    const a = attributesOf(context.node, 'maxpool');
    context.add(
      'MaxPool',
      [context.inputs[0]],
      [
        attr.ints('kernel_shape', numbers(a.kernel)),
        attr.ints('strides', numbers(a.stride)),
        attr.ints('dilations', numbers(a.dilation)),
        attr.ints('pads', pads(context.node)),
        attr.int('ceil_mode', a.ceilMode ? 1 : 0),
      ],
      context.output,
    );
  },
  avgpool(context) {
    const a = attributesOf(context.node, 'avgpool');
    if (numbers(a.padLeft).join() !== numbers(a.padRight).join()) return { unsupported: 'average pooling with "same" padding (the odd pixel has no exact PyTorch equivalent)' };
    context.add(
      'AveragePool',
      [context.inputs[0]],
      [
        attr.ints('kernel_shape', numbers(a.kernel)),
        attr.ints('strides', numbers(a.stride)),
        attr.ints('pads', pads(context.node)),
        attr.int('ceil_mode', a.ceilMode ? 1 : 0),
        attr.int('count_include_pad', a.countIncludePad ? 1 : 0),
      ],
      context.output,
    );
  },
  global_avgpool(context) {
    context.add('Flatten', [context.add('GlobalAveragePool', [context.inputs[0]])], [attr.int('axis', 1)], context.output);
  },
  global_maxpool(context) {
    context.add('Flatten', [context.add('GlobalMaxPool', [context.inputs[0]])], [attr.int('axis', 1)], context.output);
  },
  adaptive_avgpool: (context) => adaptive(context, 'avg'),
  adaptive_maxpool: (context) => adaptive(context, 'max'),
  flatten: unary('Flatten', [attr.int('axis', 1)]),
  reshape(context) {
    const shape = context.node.outShape;
    context.add('Reshape', [context.inputs[0], context.constant('int64', [0, ...shape], [shape.length + 1])], [], context.output);
  },
  pad(context) {
    const amount = numbers(attributesOf(context.node, 'pad').amount);
    context.add('Pad', [context.inputs[0], context.constant('int64', [0, 0, ...amount, 0, 0, ...amount], [4 + 2 * amount.length])], [], context.output);
  },
  upsample(context) {
    const a = attributesOf(context.node, 'upsample');
    const mode = String(a.mode);
    const inSizes = context.node.inShapes[0].slice(1);
    // size= and like= resize to the sizes the analysis resolved: scales chosen so that ONNX's floor(in * scale) is exactly that size.
    const scaleValues = a.size !== undefined ? numbers(a.size).map((out, i) => resizeScale(inSizes[i], out)) : numbers(a.scale);
    const scales = context.constant('float', [1, 1, ...scaleValues], [2 + context.rank]);
    const roi = context.constant('float', [], [0]);
    const attributes =
      mode === 'nearest'
        ? // PyTorch's nearest takes floor(dst / scale): ONNX's asymmetric mapping with floor rounding.
          [attr.string('mode', 'nearest'), attr.string('coordinate_transformation_mode', 'asymmetric'), attr.string('nearest_mode', 'floor')]
        : mode === 'bicubic'
          ? [attr.string('mode', 'cubic'), attr.float('cubic_coeff_a', -0.75), attr.string('coordinate_transformation_mode', 'half_pixel')]
          : [attr.string('mode', 'linear'), attr.string('coordinate_transformation_mode', 'half_pixel')];
    context.add('Resize', [context.inputs[0], roi, scales], attributes, context.output);
  },
  slice(context) {
    const a = attributesOf(context.node, 'slice');
    const int = (value: number) => context.constant('int64', [value], [1]);
    context.add('Slice', [context.inputs[0], int(Number(a.start)), int(Number(a.end)), int(Number(a.axis) + 1)], [], context.output);
  },
  channel_shuffle(context) {
    // [N, C, ...] → [N, g, C/g, ...] → swap the two channel axes → [N, C, ...]: channel g·(C/g) + i moves to i·g + g.
    const [channels, ...sizes] = context.node.inShapes[0];
    const groups = Number(attributesOf(context.node, 'channel_shuffle').groups);
    const split = context.add('Reshape', [context.inputs[0], context.constant('int64', [0, groups, channels / groups, ...sizes], [3 + sizes.length])]);
    const swapped = context.add('Transpose', [split], [attr.ints('perm', [0, 2, 1, ...sizes.map((_, i) => i + 3)])]);
    context.add('Reshape', [swapped, context.constant('int64', [0, channels, ...sizes], [2 + sizes.length])], [], context.output);
  },
  pixel_shuffle(context) {
    const factor = Number(attributesOf(context.node, 'pixel_shuffle').factor);
    if (context.rank === 2) {
      // DepthToSpace's "CRD" order is PyTorch's pixel shuffle (the default "DCR" is TensorFlow's).
      context.add('DepthToSpace', [context.inputs[0]], [attr.int('blocksize', factor), attr.string('mode', 'CRD')], context.output);
      return;
    }
    // One or three spatial axes: DepthToSpace is 2-D only, so the same order by Reshape, Transpose, Reshape.
    const [channels, ...sizes] = context.node.inShapes[0];
    const rank = sizes.length;
    const out = channels / factor ** rank;
    const split = context.add('Reshape', [context.inputs[0], context.constant('int64', [0, out, ...sizes.map(() => factor), ...sizes], [2 + 2 * rank])]);
    const perm = [0, 1, ...sizes.flatMap((_, axis) => [2 + rank + axis, 2 + axis])];
    const moved = context.add('Transpose', [split], [attr.ints('perm', perm)]);
    context.add('Reshape', [moved, context.constant('int64', [0, out, ...sizes.map((n) => n * factor)], [2 + rank])], [], context.output);
  },
  layer_scale(context) {
    const channels = context.node.inShapes[0][0];
    context.add('Mul', [context.inputs[0], context.weight('weight', channelShape(context, channels))], [], context.output);
  },
  add(context) {
    let sum = context.inputs[0];
    context.inputs.slice(1).forEach((other, i) => {
      sum = context.add('Add', [sum, other], [], i === context.inputs.length - 2 ? context.output : undefined);
    });
  },
  multiply(context) {
    let product = context.inputs[0];
    context.inputs.slice(1).forEach((other, i) => {
      product = context.add('Mul', [product, other], [], i === context.inputs.length - 2 ? context.output : undefined);
    });
  },
  concat(context) {
    context.add('Concat', context.inputs, [attr.int('axis', 1)], context.output);
  },
};

/** Writes `context.node` as ONNX nodes, or says why it cannot. */
export function onnxLayer(context: OnnxOpContext): void | OnnxUnsupported {
  const entry = entries[context.node.op];
  if (!entry) return { unsupported: `the op '${context.node.written}'` };
  return entry(context);
}
