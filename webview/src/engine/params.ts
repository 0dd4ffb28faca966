/**
 * Which learned tensors each layer has, named and shaped as PyTorch names and
 * shapes them (conv `weight` [out, in/groups, ...kernel], Linear `weight`
 * [out, in], batch norm `weight`, `bias`, `running_mean`, `running_var`).
 * Pure: initialisation, loaders and the executors all read this one table.
 */
import { attributesOf, type GraphNode, type NetworkGraph, elementCount } from '../../../src/core';

/** How a tensor is initialised by default. */
export type InitKind = 'he' | 'zeros' | 'ones' | 'prelu' | 'layerScale';

/** One learned tensor of a layer. */
export interface ParamSpec {
  /** PyTorch's name within the layer's module, e.g. `weight`, `running_var`, `pointwise.bias`. */
  name: string;
  /** The PyTorch shape. */
  shape: number[];
  init: InitKind;
  /** For He initialisation: the number of inputs feeding one output (PyTorch's fan_in of this tensor). */
  fanIn?: number;
  /** For a constant initialisation (`layerScale`): the value. */
  value?: number;
}

/** A layer with learned tensors, in graph order. */
export interface ParamLayer {
  node: GraphNode;
  /** 1-based position among the network's layers with parameters. */
  index: number;
  specs: ParamSpec[];
}

function numbers(value: unknown): number[] {
  return Array.isArray(value) ? (value as number[]) : [];
}

/** The learned tensors of one node, in PyTorch's registration order (empty when it has none). */
export function paramSpecs(node: GraphNode): ParamSpec[] {
  const inShape = node.inShapes[0] ?? [];
  const channels = inShape[0] ?? 0;
  const bias = attributesOf(node, 'conv', 'conv_transpose', 'depthwise_conv', 'separable_conv', 'dense').bias !== false;
  switch (node.op) {
    case 'conv': {
      const a = attributesOf(node, 'conv');
      const kernel = numbers(a.kernel);
      const groups = Number(a.groups ?? 1);
      const out = Number(a.out);
      const perGroup = channels / groups;
      return [{ name: 'weight', shape: [out, perGroup, ...kernel], init: 'he', fanIn: perGroup * elementCount(kernel) }, ...(bias ? [{ name: 'bias', shape: [out], init: 'zeros' as const }] : [])];
    }
    case 'conv_transpose': {
      const a = attributesOf(node, 'conv_transpose');
      const kernel = numbers(a.kernel);
      const groups = Number(a.groups ?? 1);
      const out = Number(a.out);
      // PyTorch computes fan_in from weight.size(1), which for a transposed convolution is out/groups.
      return [
        { name: 'weight', shape: [channels, out / groups, ...kernel], init: 'he', fanIn: (out / groups) * elementCount(kernel) },
        ...(bias ? [{ name: 'bias', shape: [out], init: 'zeros' as const }] : []),
      ];
    }
    case 'depthwise_conv': {
      const a = attributesOf(node, 'depthwise_conv');
      const kernel = numbers(a.kernel);
      const out = channels * Number(a.multiplier ?? 1);
      return [{ name: 'weight', shape: [out, 1, ...kernel], init: 'he', fanIn: elementCount(kernel) }, ...(bias ? [{ name: 'bias', shape: [out], init: 'zeros' as const }] : [])];
    }
    case 'separable_conv': {
      const a = attributesOf(node, 'separable_conv');
      const kernel = numbers(a.kernel);
      const middle = channels * Number(a.multiplier ?? 1);
      const out = Number(a.out);
      return [
        { name: 'depthwise.weight', shape: [middle, 1, ...kernel], init: 'he', fanIn: elementCount(kernel) },
        { name: 'pointwise.weight', shape: [out, middle, ...kernel.map(() => 1)], init: 'he', fanIn: middle },
        ...(bias ? [{ name: 'pointwise.bias', shape: [out], init: 'zeros' as const }] : []),
      ];
    }
    case 'dense': {
      const a = attributesOf(node, 'dense');
      const features = inShape[inShape.length - 1];
      const units = Number(a.units);
      return [{ name: 'weight', shape: [units, features], init: 'he', fanIn: features }, ...(bias ? [{ name: 'bias', shape: [units], init: 'zeros' as const }] : [])];
    }
    case 'batchnorm':
      return [
        ...(attributesOf(node, 'batchnorm').affine !== false ? affine(channels) : []),
        { name: 'running_mean', shape: [channels], init: 'zeros' },
        { name: 'running_var', shape: [channels], init: 'ones' },
      ];
    case 'layernorm':
    case 'groupnorm':
      return attributesOf(node, 'layernorm', 'groupnorm').affine !== false ? affine(channels) : [];
    case 'instancenorm':
      // Off by default, as in torch.nn.InstanceNorm2d.
      return attributesOf(node, 'instancenorm').affine === true ? affine(channels) : [];
    case 'prelu':
      return [{ name: 'weight', shape: [attributesOf(node, 'prelu').shared === false ? channels : 1], init: 'prelu' }];
    case 'layer_scale':
      // ConvNeXt's gamma, one factor per channel, starting at init= (1e-6 by default).
      return [{ name: 'weight', shape: [channels], init: 'layerScale', value: Number(attributesOf(node, 'layer_scale').init ?? 1e-6) }];
    default:
      return [];
  }
}

function affine(channels: number): ParamSpec[] {
  return [
    { name: 'weight', shape: [channels], init: 'ones' },
    { name: 'bias', shape: [channels], init: 'zeros' },
  ];
}

/** Every layer with learned tensors, in graph (statement) order. */
export function paramLayers(graph: NetworkGraph): ParamLayer[] {
  const layers: ParamLayer[] = [];
  for (const node of graph.nodes) {
    const specs = paramSpecs(node);
    if (specs.length) layers.push({ node, index: layers.length + 1, specs });
  }
  return layers;
}

/** `64x32x3x3`, as shapes are written in `.cnn` files. */
export function shapeText(shape: number[]): string {
  return shape.length ? shape.join('x') : 'a scalar';
}

/**
 * How a layer is named in messages: `layer 3 (conv(64, 3) on line 7)`. With the
 * source text the statement is quoted as written; lines are 1-based.
 */
export function describeLayer(layer: ParamLayer, source?: string): string {
  const range = layer.node.range;
  let text = layer.node.written;
  if (source !== undefined && range.start.line === range.end.line) {
    const line = source.split(/\r?\n/)[range.start.line] ?? '';
    const quoted = line.slice(range.start.character, range.end.character).trim();
    if (quoted) text = quoted;
  }
  return `layer ${layer.index} (${text} on line ${range.start.line + 1})`;
}

/** 1st, 2nd, 3rd, 4th, 11th, 12th, 21st. */
export function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
}
