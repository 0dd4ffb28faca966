/**
 * Merges and fully connected layers. Add and multiply broadcast the same way
 * in both layouts because every tensor is permuted alike; concat joins the
 * channel axis, the last one inside the engine.
 */
import * as tf from '@tensorflow/tfjs';
import { toChannelsFirst, toChannelsLast } from '../layout';
import type { OpSupport } from './types';

export const mergeExecutors: Record<string, OpSupport> = {
  add: { run: (op) => op.inputs.slice(1).reduce((sum, t) => tf.add(sum, t), op.inputs[0]) },
  multiply: { run: (op) => op.inputs.slice(1).reduce((product, t) => tf.mul(product, t), op.inputs[0]) },
  concat: { run: (op) => tf.concat(op.inputs, op.inputs[0].rank - 1) },
  dense: {
    run(op) {
      const { weight, bias } = op.weights;
      const [units, features] = weight.shape;
      // PyTorch's [out, in] as it is: matMul reads it transposed, which spares a copy of VGG-16's 400 MB first layer.
      const kernel = op.cached('kernel', () => tf.tensor2d(weight.data, [units, features], 'float32'));
      const x = op.inputs[0];
      // Dense acts on the last channels-first axis, so a tensor with spatial axes goes back to that layout first.
      const rows = x.rank === 2 ? x : tf.reshape(toChannelsFirst(x), [-1, features]);
      let y = tf.matMul(rows, kernel, false, true);
      if (bias)
        y = tf.add(
          y,
          op.cached('bias', () => tf.tensor1d(bias.data, 'float32')),
        );
      return x.rank === 2 ? y : toChannelsLast(tf.reshape(y, [1, ...op.node.outShape]));
    },
  },
};
