/**
 * The attributes each op records on its graph node, one type per op. An op's
 * definition is typed with its entry (`OpDefinition<OpAttributes['conv']>`),
 * so it cannot leave a key out or misspell one, and every reader (export,
 * memory rules, the preview's executors) goes through `attributesOf`, so
 * reading a key the op does not write fails type-checking.
 *
 * They are type aliases, not interfaces, so that each stays assignable to the
 * untyped `Attributes` record the graph carries.
 */
import type { Attributes } from '../types';

/** Sliding-window settings, one entry per spatial axis (`kernel` as written, not its dilated span). */
export type WindowAttributes = { kernel: number[]; stride: number[]; dilation: number[]; padLeft: number[]; padRight: number[] };

/** No settings: activations without parameters, merges, flatten, global pooling. */
export type NoAttributes = Record<never, never>;

export type ConvAttributes = WindowAttributes & { out: number; groups: number; bias: boolean };
/** PyTorch's own `padding` (removed from the output) and `output_padding`, per spatial axis. */
export type ConvTransposeAttributes = { out: number; kernel: number[]; stride: number[]; padding: number[]; outputPadding: number[]; dilation: number[]; groups: number; bias: boolean };
export type DepthwiseConvAttributes = WindowAttributes & { multiplier: number; bias: boolean };
export type SeparableConvAttributes = WindowAttributes & { out: number; multiplier: number; bias: boolean };
export type DenseAttributes = { units: number; bias: boolean };
export type PoolAttributes = WindowAttributes & { ceilMode: boolean; countIncludePad: boolean };
/** The output size per spatial axis. */
export type AdaptivePoolAttributes = { size: number[] };
export type BatchNormAttributes = { eps: number; momentum: number; affine: boolean };
export type NormAttributes = { eps: number; affine: boolean };
export type GroupNormAttributes = NormAttributes & { groups: number };
export type DropoutAttributes = { p: number };
export type PReluAttributes = { shared: boolean };
export type LrnAttributes = { size: number; alpha: number; beta: number; k: number };
/** `axis` counts the channel axis as 0; `end` is exclusive. */
export type SliceAttributes = { axis: number; start: number; end: number };
export type ChannelShuffleAttributes = { groups: number };
export type PixelShuffleAttributes = { factor: number };
export type LayerScaleAttributes = { init: number };
export type ReshapeAttributes = { shape: number[] };
/** Zeros on each side, per spatial axis. */
export type PadAttributes = { amount: number[] };
/** `mode` as written; exactly one of `scale` (per axis) and `size` (the output's spatial sizes). */
export type UpsampleAttributes = { mode: string; scale?: number[]; size?: number[] };

/** Each op's attributes, by its canonical name (the first of its `names`, `GraphNode.op`). */
export interface OpAttributes {
  input: NoAttributes;
  conv: ConvAttributes;
  conv_transpose: ConvTransposeAttributes;
  depthwise_conv: DepthwiseConvAttributes;
  separable_conv: SeparableConvAttributes;
  dense: DenseAttributes;
  maxpool: PoolAttributes;
  avgpool: PoolAttributes;
  global_maxpool: NoAttributes;
  global_avgpool: NoAttributes;
  adaptive_maxpool: AdaptivePoolAttributes;
  adaptive_avgpool: AdaptivePoolAttributes;
  batchnorm: BatchNormAttributes;
  layernorm: NormAttributes;
  groupnorm: GroupNormAttributes;
  instancenorm: NormAttributes;
  relu: NoAttributes;
  relu6: NoAttributes;
  leaky_relu: { slope: number };
  elu: { alpha: number };
  gelu: NoAttributes;
  silu: NoAttributes;
  sigmoid: NoAttributes;
  tanh: NoAttributes;
  hardswish: NoAttributes;
  hardsigmoid: NoAttributes;
  mish: NoAttributes;
  softplus: NoAttributes;
  softmax: NoAttributes;
  log_softmax: NoAttributes;
  identity: NoAttributes;
  dropout: DropoutAttributes;
  prelu: PReluAttributes;
  lrn: LrnAttributes;
  slice: SliceAttributes;
  channel_shuffle: ChannelShuffleAttributes;
  pixel_shuffle: PixelShuffleAttributes;
  layer_scale: LayerScaleAttributes;
  flatten: NoAttributes;
  reshape: ReshapeAttributes;
  pad: PadAttributes;
  upsample: UpsampleAttributes;
  add: NoAttributes;
  concat: NoAttributes;
  multiply: NoAttributes;
}

/** A canonical op name. */
export type OpName = keyof OpAttributes;

/** Every attribute name some op writes. */
export type AttributeName = { [K in OpName]: keyof OpAttributes[K] }[OpName];

/** The ops whose attributes include a sliding window's settings. */
export type WindowedOpName = 'conv' | 'depthwise_conv' | 'separable_conv' | 'maxpool' | 'avgpool';

/**
 * A node's attributes as the op(s) the caller handles define them: the
 * caller names the op(s) it knows the node to be, as a table keyed by op
 * does. It checks nothing at run time; it gives the reader the op's keys.
 */
// eslint-disable-next-line @typescript-eslint/no-unused-vars
export function attributesOf<N extends OpName>(node: { readonly attributes: Attributes }, ...ops: N[]): OpAttributes[N] {
  return node.attributes as OpAttributes[N];
}
