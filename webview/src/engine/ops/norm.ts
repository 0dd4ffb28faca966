/**
 * Normalisation at inference: batch norm with its running statistics (as
 * PyTorch's eval mode), layer norm over each position's channels, group and
 * instance norm over the sample's own statistics, and AlexNet's local
 * response normalisation built from primitives with PyTorch's definition
 * (alpha divided by the window size, window [c - n/2, c + (n-1)/2]), which
 * tfjs's own LRN does not share.
 */
import * as tf from '@tensorflow/tfjs';
import { attributesOf } from '../../../../src/core';
import { channelwise } from '../layout';
import type { OpInput, OpSupport } from './types';

const eps = (op: OpInput) => Number(attributesOf(op.node, 'batchnorm', 'layernorm', 'groupnorm', 'instancenorm').eps ?? 1e-5);

/** Applies the optional per-channel scale and shift. */
function affine(op: OpInput, x: tf.Tensor): tf.Tensor {
  const { weight, bias } = op.weights;
  let y = x;
  if (weight)
    y = tf.mul(
      y,
      channelwise(
        y,
        op.cached('gamma', () => tf.tensor1d(weight.data, 'float32')),
      ),
    );
  if (bias)
    y = tf.add(
      y,
      channelwise(
        y,
        op.cached('beta', () => tf.tensor1d(bias.data, 'float32')),
      ),
    );
  return y;
}

function normalize(op: OpInput, x: tf.Tensor, axes: number[]): tf.Tensor {
  const { mean, variance } = tf.moments(x, axes, true);
  return tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps(op))));
}

const spatialAxes = (x: tf.Tensor) => Array.from({ length: x.rank - 2 }, (_, i) => i + 1);

export const normalizationExecutors: Record<string, OpSupport> = {
  batchnorm: {
    run(op) {
      // y = (x - mean) / sqrt(var + eps) · gamma + beta folds into one scale and shift per channel.
      const { weight, bias, running_mean: mean, running_var: variance } = op.weights;
      const scale = op.cached('scale', () =>
        tf.tensor1d(
          variance.data.map((v, c) => (weight ? weight.data[c] : 1) / Math.sqrt(v + eps(op))),
          'float32',
        ),
      );
      const shift = op.cached('shift', () =>
        tf.tensor1d(
          mean.data.map((m, c) => (bias ? bias.data[c] : 0) - (m * (weight ? weight.data[c] : 1)) / Math.sqrt(variance.data[c] + eps(op))),
          'float32',
        ),
      );
      const x = op.inputs[0];
      // One fused scale-and-shift kernel where tfjs has it; rank 5 keeps to plain ops (see channelwise).
      if (x.rank <= 4)
        return tf.batchNorm(
          x,
          op.cached('zeros', () => tf.zerosLike(shift)),
          op.cached('ones', () => tf.onesLike(scale)),
          shift,
          scale,
          0,
        );
      return tf.add(tf.mul(x, channelwise(x, scale)), channelwise(x, shift));
    },
  },
  layernorm: { run: (op) => affine(op, normalize(op, op.inputs[0], [op.inputs[0].rank - 1])) },
  instancenorm: { run: (op) => affine(op, normalize(op, op.inputs[0], spatialAxes(op.inputs[0]))) },
  groupnorm: {
    run(op) {
      const x = op.inputs[0];
      const groups = Number(attributesOf(op.node, 'groupnorm').groups);
      const channels = x.shape[x.rank - 1] as number;
      const split = tf.reshape(x, [...x.shape.slice(0, -1), groups, channels / groups] as number[]);
      const axes = [...spatialAxes(x), split.rank - 1];
      return affine(op, tf.reshape(normalize(op, split, axes), x.shape));
    },
  },
  lrn: {
    run(op) {
      const x = op.inputs[0];
      const a = attributesOf(op.node, 'lrn');
      const size = Number(a.size);
      const channels = x.shape[x.rank - 1] as number;
      const positions = x.size / channels;
      // Average the squares over a window of channels with a 1 x size pool, as PyTorch does.
      const squares = tf.reshape(tf.square(x), [1, positions, channels, 1]);
      const padded = tf.pad(squares, [
        [0, 0],
        [0, 0],
        [Math.floor(size / 2), Math.floor((size - 1) / 2)],
        [0, 0],
      ]);
      const mean = tf.reshape(tf.avgPool(padded as tf.Tensor4D, [1, size], [1, 1], 'valid'), x.shape);
      const divisor = tf.pow(tf.add(tf.mul(mean, Number(a.alpha)), Number(a.k)), Number(a.beta));
      return tf.div(x, divisor);
    },
  },
};
