/**
 * Element-wise layers. Softmax runs over the channel axis, which is the last
 * axis inside the engine. GELU is the exact erf form (PyTorch's default);
 * dropout is the identity at inference.
 */
import * as tf from '@tensorflow/tfjs';
import { attributesOf } from '../../../../src/core';
import { channelwise } from '../layout';
import type { OpInput, OpSupport } from './types';

const unary = (f: (x: tf.Tensor, op: OpInput) => tf.Tensor): OpSupport => ({ run: (op) => f(op.inputs[0], op) });

const relu6 = (x: tf.Tensor) => tf.clipByValue(x, 0, 6);
const softplus = (x: tf.Tensor) => tf.softplus(x);

export const activationExecutors: Record<string, OpSupport> = {
  relu: unary((x) => tf.relu(x)),
  relu6: unary(relu6),
  leaky_relu: unary((x, op) => tf.leakyRelu(x, Number(attributesOf(op.node, 'leaky_relu').slope ?? 0.01))),
  elu: unary((x, op) => {
    const alpha = Number(attributesOf(op.node, 'elu').alpha ?? 1);
    return tf.where(tf.greater(x, 0), x, tf.mul(tf.sub(tf.exp(tf.minimum(x, 0)), 1), alpha));
  }),
  gelu: unary((x) => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1))),
  silu: unary((x) => tf.mul(x, tf.sigmoid(x))),
  sigmoid: unary((x) => tf.sigmoid(x)),
  tanh: unary((x) => tf.tanh(x)),
  hardswish: unary((x) => tf.div(tf.mul(x, relu6(tf.add(x, 3))), 6)),
  hardsigmoid: unary((x) => tf.div(relu6(tf.add(x, 3)), 6)),
  mish: unary((x) => tf.mul(x, tf.tanh(softplus(x)))),
  softplus: unary(softplus),
  softmax: unary((x) => tf.softmax(x)),
  log_softmax: unary((x) => tf.logSoftmax(x)),
  identity: unary((x) => tf.clone(x)),
  dropout: unary((x) => tf.clone(x)),
  prelu: {
    run(op) {
      const x = op.inputs[0];
      const slope = op.cached('slope', () => tf.tensor1d(op.weights.weight.data, 'float32'));
      return tf.where(tf.greater(x, 0), x, tf.mul(x, channelwise(x, slope)));
    },
  },
};
