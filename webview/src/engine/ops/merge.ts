/**
 * Merges and fully connected layers. Add and multiply broadcast the same way
 * in both layouts because every tensor is permuted alike; concat joins the
 * channel axis, the last one inside the engine.
 */
import * as tf from '@tensorflow/tfjs';
import { permute } from '../arrays';
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
      // PyTorch's [out, in] transposed once to [in, out] for a plain matMul.
      const kernel = op.cached('kernel', () => tf.tensor2d(permute(weight.data, [units, features], [1, 0]).data, [features, units], 'float32'));
      const x = op.inputs[0];
      // Dense acts on the last channels-first axis, so a tensor with spatial axes goes back to that layout first.
      const rows = x.rank === 2 ? x : tf.reshape(toChannelsFirst(x), [-1, features]);
      let y = tf.matMul(rows, kernel);
      if (bias) y = tf.add(y, op.cached('bias', () => tf.tensor1d(bias.data, 'float32')));
      return x.rank === 2 ? y : toChannelsLast(tf.reshape(y, [1, ...op.node.outShape]));
    },
  },
};
