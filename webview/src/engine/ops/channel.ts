/**
 * slice, channel_shuffle, pixel_shuffle and layer_scale on the engine's
 * channels-last tensors [1, ...S, C]: the channel axis is the last one, and
 * PyTorch's channel orders are rebuilt by reshapes and transposes.
 */
import * as tf from '@tensorflow/tfjs';
import { attributesOf } from '../../../../src/core';
import { channelwise } from '../layout';
import type { OpInput, OpSupport } from './types';

function slice(op: OpInput): tf.Tensor {
  const x = op.inputs[0];
  const a = attributesOf(op.node, 'slice');
  const axis = Number(a.axis);
  const start = Number(a.start);
  const end = Number(a.end);
  // Channels (axis 0 of the .cnn shape) are the last tfjs axis; spatial axis i is tfjs axis i.
  const tfAxis = axis === 0 || x.rank === 2 ? x.rank - 1 : axis;
  const begin = new Array<number>(x.rank).fill(0);
  const size = new Array<number>(x.rank).fill(-1);
  begin[tfAxis] = start;
  size[tfAxis] = end - start;
  return tf.slice(x, begin, size);
}

/** Channel g·(C/groups) + i moves to i·groups + g, as torch.nn.ChannelShuffle. */
function channelShuffle(op: OpInput): tf.Tensor {
  const x = op.inputs[0];
  const groups = Number(attributesOf(op.node, 'channel_shuffle').groups);
  const outer = x.shape.slice(0, -1);
  const channels = x.shape[x.rank - 1];
  const split = tf.reshape(x, [...outer, groups, channels / groups]);
  const order = [...outer.map((_, i) => i), outer.length + 1, outer.length];
  return tf.reshape(tf.transpose(split, order), x.shape);
}

/**
 * PyTorch's order: input channel c·r^n + (o1·r + o2)... goes to output channel
 * c at offsets (o1, o2, ...), the first spatial axis slowest. TensorFlow's
 * depth_to_space puts the offsets before the channel instead, so it is not used.
 */
function pixelShuffle(op: OpInput): tf.Tensor {
  const x = op.inputs[0];
  const r = Number(attributesOf(op.node, 'pixel_shuffle').factor);
  const sizes = x.shape.slice(1, -1);
  const outChannels = op.node.outShape[0];
  // PyTorch reads channel c·rⁿ + o1·rⁿ⁻¹ + … + on into offset (o1, …, on) of cell c. One transpose of all n offsets
  // needs 2n + 2 axes, which WebGL's packed transpose refuses past six (3-D), so the offsets move out one spatial
  // axis at a time, most significant first, and no tensor has more than six axes.
  let y = x;
  for (let i = 0; i < sizes.length; i++) {
    const rest = r ** (sizes.length - 1 - i);
    const before = sizes.slice(0, i).reduce((a, b) => a * b, 1);
    const after = sizes.slice(i + 1).reduce((a, b) => a * b, 1);
    // [before, Si, after, C, r, rest] → [before, Si, r, after, C, rest]: offset o of this axis lands at Si·r + o.
    const moved = tf.transpose(tf.reshape(y, [before, sizes[i], after, outChannels, r, rest]), [0, 1, 4, 2, 3, 5]);
    sizes[i] *= r;
    y = tf.reshape(moved, [1, ...sizes, outChannels * rest]);
  }
  return y;
}

function layerScale(op: OpInput): tf.Tensor {
  const x = op.inputs[0];
  const gamma = op.cached('gamma', () => tf.tensor1d(op.weights.weight.data, 'float32'));
  return tf.mul(x, channelwise(x, gamma));
}

export const channelExecutors: Record<string, OpSupport> = {
  slice: { run: slice },
  channel_shuffle: { run: channelShuffle },
  pixel_shuffle: { run: pixelShuffle },
  layer_scale: { run: layerScale },
};
