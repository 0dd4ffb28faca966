/**
 * How each op is written in PyTorch: one entry per canonical op name. An
 * entry turns a graph node (with its resolved settings) into a module
 * constructor, a functional call, or both; a new op adds one entry here.
 * Settings the user wrote over block parameters stay as those expressions
 * (`nn.Conv2d(in_channels, width * 4, 1)`), so one class serves every call.
 */
import type { GraphNode } from '../semantics/graph';
import type { Expr } from '../syntax/ast';
import type { Value } from '../types';
import { binaryExpr, fold, numberExpr, pythonLiteral, pythonTuple } from './python';
import { attributesOf, type WindowedOpName } from '../ops/attributes';
import { unevenPadding } from '../ops/window';

/** What an op entry may ask of the class being written. */
export interface TorchOpContext {
  node: GraphNode;
  /** Spatial axes of the input (0 for a feature vector). */
  rank: number;
  /** The input channel count as Python (an expression over block parameters, or a number). */
  inChannels: string;
  /** The input channel count as an expression, for ops that derive their output channels from it. */
  inChannelsExpr: Expr;
  /**
   * The argument `name` as Python when the user wrote it over block
   * parameters; else `fallback` (the resolved value). `integer` chooses how
   * the language's `/` is written.
   */
  arg(name: string, fallback: unknown, integer?: boolean): string;
  /** The written argument's expression when it mentions block parameters, else undefined. */
  argExpr(name: string): Expr | undefined;
  /** The argument's resolved value in this call (undefined when not written). */
  argValue(name: string): Value | undefined;
  /** Asks for a helper the generated file must define (`pad_same`, `SeparableConv2d`, ...). */
  useHelper(name: HelperName): void;
  /** The `forward` variable holding the tensor a label-valued argument names (upsample's `like=`); undefined outside `forward` (in nn.Sequential). */
  labelVariable(argName: string): string | undefined;
}

/**
 * Helpers the generated file defines when used. The classes that wrap a
 * function for nn.Sequential (`PadSame`, `PadCausal`, `ChannelShuffle`,
 * `PixelShuffleNd`, `Slice`) are added by the writer when it uses a module form.
 */
export type HelperName =
  'pad_same' | 'PadSame' | 'pad_causal' | 'PadCausal' | 'SeparableConv' | 'ChannelLayerNorm' | 'channel_shuffle' | 'ChannelShuffle' | 'pixel_shuffle_nd' | 'PixelShuffleNd' | 'Slice' | 'LayerScale';

/** Helpers another helper calls, so that using one defines both. */
export const helperDependencies: Partial<Record<HelperName, HelperName[]>> = {
  PadSame: ['pad_same'],
  PadCausal: ['pad_causal'],
  ChannelShuffle: ['channel_shuffle'],
  PixelShuffleNd: ['pixel_shuffle_nd'],
};

/** How one layer is written. */
export interface TorchLayer {
  /** A module to register as an attribute: its constructor call. Layers with weights or state always have one. */
  module?: string;
  /** The attribute's base name (`conv` → `self.conv1`). */
  name?: string;
  /** A parameter-free layer as a call in `forward` on the input variable. */
  call?: (x: string) => string;
  /** The same parameter-free layer as a module, for `nn.Sequential`. */
  sequentialModule?: string;
  /** Padding done before the layer in `forward` (the module's attribute is passed for its settings). */
  padBefore?: (x: string, member: string) => string;
  /** The same padding as a module, for `nn.Sequential`. */
  padModule?: string;
  /** The output channel count when the layer changes it. */
  outChannels?: Expr;
}

/** An op the target cannot express: the message says why. */
export interface Unsupported {
  unsupported: string;
}

type Entry = (context: TorchOpContext) => TorchLayer | Unsupported;

function numbers(value: unknown): number[] {
  return Array.isArray(value) ? (value as number[]) : [];
}

/** The output channels as written (over block parameters) or as resolved. */
function channelsOut(context: TorchOpContext, argName: string, resolved: number): Expr {
  return context.argExpr(argName) ?? numberExpr(resolved);
}

/** Keyword arguments, leaving out those at PyTorch's default. */
function keywords(parts: [string, string, string?][]): string {
  return parts
    .filter(([, text, fallback]) => fallback === undefined || (text !== fallback && !(Number(text) === Number(fallback) && text.trim() !== '')))
    .map(([key, text]) => `, ${key}=${text}`)
    .join('');
}

/**
 * Padding of a windowed layer. Symmetric amounts go to the layer itself;
 * Keras's "same" (an odd total pads one more on the right, which PyTorch's
 * `padding=` cannot say) becomes an explicit pad computed from the input
 * size at run time, as `pad_same` does, so one class serves every size.
 */
function windowPadding(context: TorchOpContext, allowSameWord: boolean): { padding: string; keras: boolean; causal?: boolean } {
  const a = attributesOf<WindowedOpName>(context.node);
  const written = context.argValue('padding');
  // "causal" puts all d(k-1) zeros in front: an explicit F.pad from the layer's own settings, so one class serves every dilation.
  if (written?.kind === 'string' && written.value === 'causal') return { padding: '0', keras: false, causal: true };
  const strideWritten = context.argExpr('stride') !== undefined;
  const unitStride = numbers(a.stride).every((s) => s === 1);
  if (written?.kind === 'string' && written.value === 'same') {
    // PyTorch's own padding="same" is Keras's rule at stride 1 (the odd pixel on the right), and refuses other strides.
    if (allowSameWord && unitStride && !strideWritten) return { padding: '"same"', keras: false };
    return { padding: '0', keras: true };
  }
  if (unevenPadding(context.node)) return { padding: '0', keras: true };
  if (written && written.kind !== 'string') return { padding: context.arg('padding', a.padLeft), keras: false };
  return { padding: pythonLiteral(a.padLeft), keras: false };
}

function conv(context: TorchOpContext): TorchLayer {
  const a = attributesOf(context.node, 'conv');
  const r = context.rank;
  const out = context.arg('out', a.out);
  const { padding, keras, causal } = windowPadding(context, true);
  const module = `nn.Conv${r}d(${context.inChannels}, ${out}, ${context.arg('kernel', a.kernel)}${keywords([
    ['stride', context.arg('stride', a.stride), '1'],
    ['padding', padding, '0'],
    ['dilation', context.arg('dilation', a.dilation), '1'],
    ['groups', context.arg('groups', a.groups), '1'],
    ['bias', context.arg('bias', a.bias), 'True'],
  ])})`;
  return { module, name: 'conv', outChannels: channelsOut(context, 'out', Number(a.out)), ...(keras ? kerasPad(context, 0) : causal ? causalPad(context) : {}) };
}

/** The run-time "same" padding before a layer whose module holds kernel_size, stride and dilation. */
function kerasPad(context: TorchOpContext, value: 0 | '-inf'): Pick<TorchLayer, 'padBefore' | 'padModule'> {
  context.useHelper('pad_same');
  const a = attributesOf<WindowedOpName>(context.node);
  const fill = value === 0 ? '' : ", value=float('-inf')";
  const r = context.rank;
  const tuple = (name: string, v: unknown) => {
    const text = context.arg(name, v);
    return /^\(/.test(text) ? text : `(${text},) * ${r}`;
  };
  const settings = `${tuple('kernel', a.kernel)}, ${tuple('stride', a.stride)}, ${tuple('dilation', a.dilation)}`;
  return {
    padBefore: (x, member) => (value === 0 ? `pad_same(${x}, ${member}.kernel_size, ${member}.stride, ${member}.dilation)` : `pad_same(${x}, ${settings}${fill})`),
    padModule: `PadSame(${settings}${fill})`,
  };
}

/** The causal padding before a convolution: d(k-1) zeros in front of each spatial axis, read from the module's own settings. */
function causalPad(context: TorchOpContext): Pick<TorchLayer, 'padBefore' | 'padModule'> {
  context.useHelper('pad_causal');
  const a = attributesOf<WindowedOpName>(context.node);
  const r = context.rank;
  const tuple = (name: string, v: unknown) => {
    const text = context.arg(name, v);
    return /^\(/.test(text) ? text : `(${text},) * ${r}`;
  };
  return {
    padBefore: (x, member) => `pad_causal(${x}, ${member}.kernel_size, ${member}.dilation)`,
    padModule: `PadCausal(${tuple('kernel', a.kernel)}, ${tuple('dilation', a.dilation)})`,
  };
}

/** `left - right`, folded when both are numbers. */
function minus(left: Expr, right: Expr): Expr {
  if (right.kind === 'number' && right.value === 0) return left;
  return fold({ kind: 'binary', operator: '-', left, right, range: left.range });
}

/** A written index of `slice` as Python (block parameters kept), or undefined when not written. */
function sliceIndex(context: TorchOpContext, name: 'start' | 'end'): string | undefined {
  const value = context.argValue(name);
  if (value?.kind !== 'number') return undefined;
  return context.arg(name, value.value);
}

const entries: Record<string, Entry> = {
  conv,
  conv_transpose(context) {
    const a = attributesOf(context.node, 'conv_transpose');
    const module = `nn.ConvTranspose${context.rank}d(${context.inChannels}, ${context.arg('out', a.out)}, ${context.arg('kernel', a.kernel)}${keywords([
      ['stride', context.arg('stride', a.stride), '1'],
      ['padding', context.arg('padding', a.padding), '0'],
      ['output_padding', context.arg('output_padding', a.outputPadding), '0'],
      ['groups', context.arg('groups', a.groups), '1'],
      ['bias', context.arg('bias', a.bias), 'True'],
      ['dilation', context.arg('dilation', a.dilation), '1'],
    ])})`;
    return { module, name: 'conv_transpose', outChannels: channelsOut(context, 'out', Number(a.out)) };
  },
  depthwise_conv(context) {
    const a = attributesOf(context.node, 'depthwise_conv');
    const multiplier = context.argExpr('multiplier') ?? numberExpr(Number(a.multiplier));
    const outExpr = binaryExpr('*', context.inChannelsExpr, multiplier);
    const { padding, keras, causal } = windowPadding(context, true);
    const out = context.arg('multiplier', a.multiplier) === '1' ? context.inChannels : `${context.inChannels} * ${context.arg('multiplier', a.multiplier)}`;
    const module = `nn.Conv${context.rank}d(${context.inChannels}, ${out}, ${context.arg('kernel', a.kernel)}${keywords([
      ['stride', context.arg('stride', a.stride), '1'],
      ['padding', padding, '0'],
      ['dilation', context.arg('dilation', a.dilation), '1'],
      ['groups', context.inChannels],
      ['bias', context.arg('bias', a.bias), 'True'],
    ])})`;
    return { module, name: 'depthwise', outChannels: outExpr, ...(keras ? kerasPad(context, 0) : causal ? causalPad(context) : {}) };
  },
  separable_conv(context) {
    const a = attributesOf(context.node, 'separable_conv');
    context.useHelper('SeparableConv');
    const { padding, keras, causal } = windowPadding(context, false);
    const module = `SeparableConv${context.rank}d(${context.inChannels}, ${context.arg('out', a.out)}, ${context.arg('kernel', a.kernel)}${keywords([
      ['multiplier', context.arg('multiplier', a.multiplier), '1'],
      ['stride', context.arg('stride', a.stride), '1'],
      ['padding', padding, '0'],
      ['dilation', context.arg('dilation', a.dilation), '1'],
      ['bias', context.arg('bias', a.bias), 'True'],
    ])})`;
    const pad = keras ? kerasPad(context, 0) : causal ? causalPad(context) : {};
    if (pad.padBefore) {
      const before = pad.padBefore;
      pad.padBefore = (x, member) => before(x, `${member}.depthwise`);
    }
    return { module, name: 'separable', outChannels: channelsOut(context, 'out', Number(a.out)), ...pad };
  },
  dense(context) {
    const a = attributesOf(context.node, 'dense');
    const inShape = context.node.inShapes[0];
    const features = inShape.length === 1 ? context.inChannels : String(inShape[inShape.length - 1]);
    const module = `nn.Linear(${features}, ${context.arg('units', a.units)}${keywords([['bias', context.arg('bias', a.bias), 'True']])})`;
    // A dense layer on a map with axes acts on the last axis, as nn.Linear does, keeping the channels.
    return { module, name: 'fc', ...(inShape.length === 1 ? { outChannels: channelsOut(context, 'units', Number(a.units)) } : {}) };
  },
  batchnorm(context) {
    const a = attributesOf(context.node, 'batchnorm');
    // PyTorch's defaults (eps 1e-5, momentum 0.1) are the language's; values the user wrote are passed on.
    // A feature vector [N, C] is BatchNorm1d's other accepted input.
    const module = `nn.BatchNorm${Math.max(1, context.rank)}d(${context.inChannels}${keywords([
      ['eps', context.arg('eps', a.eps, false), '1e-05'],
      ['momentum', context.arg('momentum', a.momentum, false), '0.1'],
      ['affine', context.arg('affine', a.affine), 'True'],
    ])})`;
    return { module, name: 'bn' };
  },
  layernorm(context) {
    const a = attributesOf(context.node, 'layernorm');
    const settings = `${context.inChannels}${keywords([
      ['eps', context.arg('eps', a.eps, false), '1e-05'],
      ['elementwise_affine', context.arg('affine', a.affine), 'True'],
    ])}`;
    if (context.rank === 0) return { module: `nn.LayerNorm(${settings})`, name: 'ln' };
    // The language normalises over the channels at every position; nn.LayerNorm normalises the last axis.
    context.useHelper('ChannelLayerNorm');
    return { module: `ChannelLayerNorm(${settings})`, name: 'ln' };
  },
  groupnorm(context) {
    const a = attributesOf(context.node, 'groupnorm');
    const module = `nn.GroupNorm(${context.arg('groups', a.groups)}, ${context.inChannels}${keywords([
      ['eps', context.arg('eps', a.eps, false), '1e-05'],
      ['affine', context.arg('affine', a.affine), 'True'],
    ])})`;
    return { module, name: 'gn' };
  },
  instancenorm(context) {
    const a = attributesOf(context.node, 'instancenorm');
    if (context.rank === 0) return { unsupported: 'instancenorm on a feature vector' };
    const module = `nn.InstanceNorm${context.rank}d(${context.inChannels}${keywords([
      ['eps', context.arg('eps', a.eps, false), '1e-05'],
      ['affine', context.arg('affine', a.affine), 'False'],
    ])})`;
    return { module, name: 'norm' };
  },
  prelu(context) {
    const shared = attributesOf(context.node, 'prelu').shared !== false;
    return { module: shared ? 'nn.PReLU()' : `nn.PReLU(${context.inChannels})`, name: 'prelu' };
  },
  dropout(context) {
    return { module: `nn.Dropout(${context.arg('p', attributesOf(context.node, 'dropout').p, false)})`, name: 'dropout' };
  },
  lrn(context) {
    const a = attributesOf(context.node, 'lrn');
    const module = `nn.LocalResponseNorm(${context.arg('size', a.size)}${keywords([
      ['alpha', context.arg('alpha', a.alpha, false), '0.0001'],
      ['beta', context.arg('beta', a.beta, false), '0.75'],
      ['k', context.arg('k', a.k, false), '1'],
    ])})`;
    return { module, name: 'lrn' };
  },
  maxpool(context) {
    const a = attributesOf(context.node, 'maxpool');
    const r = context.rank;
    const { padding, keras } = windowPadding(context, false);
    const settings = `${context.arg('kernel', a.kernel)}${keywords([
      ...poolStride(context),
      ['padding', padding, '0'],
      ['dilation', context.arg('dilation', a.dilation), '1'],
      ['ceil_mode', context.arg('ceil_mode', a.ceilMode), 'False'],
    ])}`;
    const layer: TorchLayer = { call: (x) => `F.max_pool${r}d(${x}, ${settings})`, sequentialModule: `nn.MaxPool${r}d(${settings})` };
    return keras ? { ...layer, ...kerasPad(context, '-inf') } : layer;
  },
  avgpool(context) {
    const a = attributesOf(context.node, 'avgpool');
    const r = context.rank;
    if (unevenPadding(context.node) || (context.argValue('padding')?.kind === 'string' && (context.argValue('padding') as { value: string }).value === 'same')) {
      return { unsupported: 'average pooling with "same" padding (PyTorch pads both sides equally; an odd total has no exact equivalent)' };
    }
    const settings = `${context.arg('kernel', a.kernel)}${keywords([
      ...poolStride(context),
      ['padding', context.arg('padding', a.padLeft), '0'],
      ['ceil_mode', context.arg('ceil_mode', a.ceilMode), 'False'],
      ['count_include_pad', context.arg('count_include_pad', a.countIncludePad), 'True'],
    ])}`;
    return { call: (x) => `F.avg_pool${r}d(${x}, ${settings})`, sequentialModule: `nn.AvgPool${r}d(${settings})` };
  },
  global_avgpool(context) {
    const axes = pythonTuple(Array.from({ length: context.rank }, (_, i) => i + 2));
    return { call: (x) => `${x}.mean(dim=${axes})`, sequentialModule: `nn.Sequential(nn.AdaptiveAvgPool${context.rank}d(1), nn.Flatten())` };
  },
  global_maxpool(context) {
    const axes = pythonTuple(Array.from({ length: context.rank }, (_, i) => i + 2));
    return { call: (x) => `${x}.amax(dim=${axes})`, sequentialModule: `nn.Sequential(nn.AdaptiveMaxPool${context.rank}d(1), nn.Flatten())` };
  },
  adaptive_avgpool(context) {
    const size = context.arg('size', attributesOf(context.node, 'adaptive_avgpool').size);
    return { call: (x) => `F.adaptive_avg_pool${context.rank}d(${x}, ${size})`, sequentialModule: `nn.AdaptiveAvgPool${context.rank}d(${size})` };
  },
  adaptive_maxpool(context) {
    const size = context.arg('size', attributesOf(context.node, 'adaptive_maxpool').size);
    return { call: (x) => `F.adaptive_max_pool${context.rank}d(${x}, ${size})`, sequentialModule: `nn.AdaptiveMaxPool${context.rank}d(${size})` };
  },
  flatten(context) {
    // torch.flatten keeps PyTorch's channel-height-width order, which a following nn.Linear's weights assume.
    return { call: (x) => `torch.flatten(${x}, 1)`, sequentialModule: 'nn.Flatten()', outChannels: numberExpr(context.node.outShape[0]) };
  },
  reshape(context) {
    const shape = numbers(attributesOf(context.node, 'reshape').shape);
    return { call: (x) => `${x}.reshape(${x}.shape[0], ${shape.join(', ')})`, sequentialModule: `nn.Unflatten(1, ${pythonTuple(shape)})`, outChannels: numberExpr(shape[0]) };
  },
  pad(context) {
    const amount = numbers(attributesOf(context.node, 'pad').amount);
    const pads = [...amount].reverse().flatMap((p) => [p, p]);
    return { call: (x) => `F.pad(${x}, ${pythonTuple(pads)})`, sequentialModule: `nn.ConstantPad${context.rank}d(${pythonTuple(pads)}, 0.0)` };
  },
  upsample(context) {
    const a = attributesOf(context.node, 'upsample');
    let mode = String(a.mode);
    if (mode === 'linear' || mode === 'bilinear' || mode === 'trilinear') mode = ['linear', 'bilinear', 'trilinear'][context.rank - 1];
    if (mode === 'bicubic' && context.rank !== 2) return { unsupported: `bicubic upsampling of a ${context.rank}-D map` };
    const modeText = `mode="${mode}"${mode === 'nearest' ? '' : ', align_corners=False'}`;
    if (a.size !== undefined && context.argValue('size') === undefined) {
      // like=LABEL: the labelled tensor's spatial size, read at run time, so the module follows any input size.
      const label = context.labelVariable('like');
      if (!label) return { unsupported: 'upsample(like=...) inside nn.Sequential (a repeat body), where no label is in reach; put the body in a block' };
      return { call: (x) => `F.interpolate(${x}, size=${label}.shape[2:], ${modeText})` };
    }
    if (a.size !== undefined) {
      const size = context.arg('size', a.size);
      const settings = `size=${size}, ${modeText}`;
      return { call: (x) => `F.interpolate(${x}, ${settings})`, sequentialModule: `nn.Upsample(${settings})` };
    }
    const scale = numbers(a.scale).map((s) => (Number.isInteger(s) ? `${s}.0` : String(s)));
    const scaleText = scale.every((s) => s === scale[0]) ? scale[0] : `(${scale.join(', ')})`;
    const settings = `scale_factor=${scaleText}, ${modeText}`;
    return { call: (x) => `F.interpolate(${x}, ${settings})`, sequentialModule: `nn.Upsample(${settings})` };
  },
  slice(context) {
    const a = attributesOf(context.node, 'slice');
    const axis = Number(a.axis);
    const start = sliceIndex(context, 'start') ?? '0';
    const end = sliceIndex(context, 'end');
    // Python's slicing is the language's: negative indices count from the end and both ends clamp.
    const range = `${start === '0' ? '' : start}:${end ?? ''}`;
    const layer: TorchLayer = {
      call: (x) => `${x}[:, ${':, '.repeat(axis)}${range}]`,
      sequentialModule: `Slice(${start}${end === undefined ? '' : `, ${end}`}${axis === 0 ? '' : `, dim=${axis + 1}`})`,
    };
    if (axis !== 0) return layer;
    // The channels kept, as an expression over block parameters when the indices are written over them.
    const channels = context.node.inShapes[0][0];
    const startValue = Number(a.start);
    const startWritten = context.argValue('start');
    const endWritten = context.argValue('end');
    const plain = startWritten?.kind === 'number' && startWritten.value >= 0 && (endWritten === undefined || (endWritten.kind === 'number' && endWritten.value >= 0 && endWritten.value <= channels));
    const startExpr = context.argExpr('start') ?? numberExpr(startValue);
    const endExpr = endWritten === undefined ? context.inChannelsExpr : (context.argExpr('end') ?? numberExpr(Number(a.end)));
    return { ...layer, outChannels: plain ? minus(endExpr, startExpr) : numberExpr(context.node.outShape[0]) };
  },
  channel_shuffle(context) {
    const groups = context.arg('groups', attributesOf(context.node, 'channel_shuffle').groups);
    context.useHelper('channel_shuffle');
    return { call: (x) => `channel_shuffle(${x}, ${groups})`, sequentialModule: `ChannelShuffle(${groups})` };
  },
  pixel_shuffle(context) {
    const factor = context.arg('factor', attributesOf(context.node, 'pixel_shuffle').factor);
    const factorExpr = context.argExpr('factor') ?? numberExpr(Number(attributesOf(context.node, 'pixel_shuffle').factor));
    let block: Expr = factorExpr;
    for (let axis = 1; axis < context.rank; axis++) block = binaryExpr('*', block, factorExpr);
    const outChannels = fold({ kind: 'binary', operator: '/', left: context.inChannelsExpr, right: block, range: block.range });
    if (context.rank === 2) return { call: (x) => `F.pixel_shuffle(${x}, ${factor})`, sequentialModule: `nn.PixelShuffle(${factor})`, outChannels };
    // nn.PixelShuffle is 2-D only: the helper does the same for one or three spatial axes, in the same channel order.
    context.useHelper('pixel_shuffle_nd');
    return { call: (x) => `pixel_shuffle_nd(${x}, ${factor})`, sequentialModule: `PixelShuffleNd(${factor})`, outChannels };
  },
  layer_scale(context) {
    const init = context.arg('init', attributesOf(context.node, 'layer_scale').init, false);
    context.useHelper('LayerScale');
    return { module: `LayerScale(${context.inChannels}${Number(init) === 1e-6 ? '' : `, init=${init}`})`, name: 'layer_scale' };
  },
  relu: activation('F.relu', 'nn.ReLU()'),
  relu6: activation('F.relu6', 'nn.ReLU6()'),
  gelu: activation('F.gelu', 'nn.GELU()'),
  silu: activation('F.silu', 'nn.SiLU()'),
  sigmoid: activation('torch.sigmoid', 'nn.Sigmoid()'),
  tanh: activation('torch.tanh', 'nn.Tanh()'),
  hardswish: activation('F.hardswish', 'nn.Hardswish()'),
  hardsigmoid: activation('F.hardsigmoid', 'nn.Hardsigmoid()'),
  mish: activation('F.mish', 'nn.Mish()'),
  softplus: activation('F.softplus', 'nn.Softplus()'),
  softmax: () => ({ call: (x) => `F.softmax(${x}, dim=1)`, sequentialModule: 'nn.Softmax(dim=1)' }),
  log_softmax: () => ({ call: (x) => `F.log_softmax(${x}, dim=1)`, sequentialModule: 'nn.LogSoftmax(dim=1)' }),
  leaky_relu(context) {
    const slope = context.arg('slope', attributesOf(context.node, 'leaky_relu').slope ?? 0.01, false);
    return { call: (x) => `F.leaky_relu(${x}, ${slope})`, sequentialModule: `nn.LeakyReLU(${slope})` };
  },
  elu(context) {
    const alpha = context.arg('alpha', attributesOf(context.node, 'elu').alpha ?? 1, false);
    return { call: (x) => `F.elu(${x}, ${alpha})`, sequentialModule: `nn.ELU(${alpha})` };
  },
  identity: () => ({ call: (x) => x, sequentialModule: 'nn.Identity()' }),
};

/** A pool's stride, left out when not written (PyTorch's default is the kernel size, as the language's). */
function poolStride(context: TorchOpContext): [string, string][] {
  return context.argValue('stride') === undefined ? [] : [['stride', context.arg('stride', attributesOf(context.node, 'maxpool', 'avgpool').stride)]];
}

function activation(fn: string, module: string): Entry {
  return () => ({ call: (x) => `${fn}(${x})`, sequentialModule: module });
}

/** How `node` is written in PyTorch, or why it cannot be. Merges (`add`, `concat`, `multiply`) are the walker's. */
export function torchLayer(context: TorchOpContext): TorchLayer | Unsupported {
  const entry = entries[context.node.op];
  if (!entry) return { unsupported: `the op '${context.node.written}'` };
  return entry(context);
}

/** The definitions of the helpers the generated code uses. */
export const torchHelpers: Record<HelperName, string> = {
  pad_same: `def pad_same(x, kernel_size, stride, dilation, value=0.0):
    """Pads the spatial axes as Keras's padding="same" does: the output has
    ceil(size / stride) positions, and an odd total puts the extra pixel on the
    right (PyTorch's padding= pads both sides equally)."""
    pads = []
    for size, k, s, d in reversed(list(zip(x.shape[2:], kernel_size, stride, dilation))):
        total = max((-(-size // s) - 1) * s + d * (k - 1) + 1 - size, 0)
        pads += [total // 2, total - total // 2]
    return F.pad(x, pads, value=value)`,
  PadSame: `class PadSame(nn.Module):
    """pad_same as a module, for nn.Sequential."""

    def __init__(self, kernel_size, stride, dilation, value=0.0):
        super().__init__()
        self.kernel_size, self.stride, self.dilation, self.value = kernel_size, stride, dilation, value

    def forward(self, x):
        return pad_same(x, self.kernel_size, self.stride, self.dilation, self.value)`,
  SeparableConv: `class SeparableConv{R}d(nn.Module):
    """A depthwise convolution (no bias) then a 1x1 pointwise one, as Keras's SeparableConv{R}D."""

    def __init__(self, in_channels, out_channels, kernel_size, multiplier=1, stride=1, padding=0, dilation=1, bias=True):
        super().__init__()
        middle = in_channels * multiplier
        self.depthwise = nn.Conv{R}d(in_channels, middle, kernel_size, stride=stride, padding=padding, dilation=dilation, groups=in_channels, bias=False)
        self.pointwise = nn.Conv{R}d(middle, out_channels, 1, bias=bias)

    def forward(self, x):
        return self.pointwise(self.depthwise(x))`,
  pad_causal: `def pad_causal(x, kernel_size, dilation):
    """Pads the spatial axes as padding="causal" does: dilation * (kernel_size - 1)
    zeros in front and none after, so no output sees a later position."""
    pads = []
    for k, d in reversed(list(zip(kernel_size, dilation))):
        pads += [d * (k - 1), 0]
    return F.pad(x, pads)`,
  PadCausal: `class PadCausal(nn.Module):
    """pad_causal as a module, for nn.Sequential."""

    def __init__(self, kernel_size, dilation):
        super().__init__()
        self.kernel_size, self.dilation = kernel_size, dilation

    def forward(self, x):
        return pad_causal(x, self.kernel_size, self.dilation)`,
  channel_shuffle: `def channel_shuffle(x, groups):
    """Interleaves the channels of the groups, as ShuffleNet does (and
    nn.ChannelShuffle, which PyTorch 1.13 cannot differentiate)."""
    n, c = x.shape[:2]
    x = x.reshape(n, groups, c // groups, *x.shape[2:]).transpose(1, 2)
    return x.reshape(n, c, *x.shape[3:])`,
  ChannelShuffle: `class ChannelShuffle(nn.Module):
    """channel_shuffle as a module, for nn.Sequential."""

    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, x):
        return channel_shuffle(x, self.groups)`,
  pixel_shuffle_nd: `def pixel_shuffle_nd(x, factor):
    """F.pixel_shuffle for any number of spatial axes (PyTorch's own is 2-D
    only), in its channel order: C * factor**n channels become C."""
    n, c, *sizes = x.shape
    rank = len(sizes)
    channels = c // factor**rank
    x = x.reshape(n, channels, *[factor] * rank, *sizes)
    order = [0, 1]
    for axis in range(rank):
        order += [2 + rank + axis, 2 + axis]
    return x.permute(order).reshape(n, channels, *[size * factor for size in sizes])`,
  PixelShuffleNd: `class PixelShuffleNd(nn.Module):
    """pixel_shuffle_nd as a module, for nn.Sequential."""

    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def forward(self, x):
        return pixel_shuffle_nd(x, self.factor)`,
  Slice: `class Slice(nn.Module):
    """Keeps indices start..end-1 of axis dim (x[:, start:end] for dim=1), with
    Python's negative indices, as the .cnn slice does."""

    def __init__(self, start, end=None, dim=1):
        super().__init__()
        self.start, self.end, self.dim = start, end, dim

    def forward(self, x):
        return x[(slice(None),) * self.dim + (slice(self.start, self.end),)]`,
  LayerScale: `class LayerScale(nn.Module):
    """ConvNeXt's layer scale: each channel times a learned factor (gamma),
    initialised to init."""

    def __init__(self, channels, init=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.full((channels,), float(init)))

    def forward(self, x):
        return x * self.weight.reshape(-1, *[1] * (x.dim() - 2))`,
  ChannelLayerNorm: `class ChannelLayerNorm(nn.LayerNorm):
    """Layer normalisation over the channels at every position of a map (N, C, ...)."""

    def forward(self, x):
        x = x.movedim(1, -1)
        return super().forward(x).movedim(-1, 1)`,
};
