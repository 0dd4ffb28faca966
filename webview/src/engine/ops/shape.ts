/**
 * Layers that move or resize values: flatten and reshape work in
 * channels-first order (as PyTorch flattens C, H, W), so they transpose out
 * of the engine's channels-last layout first; pad adds zeros; upsample
 * interpolates axis by axis with PyTorch's source-index rules
 * (align_corners=false) for nearest, (bi/tri)linear and bicubic, to a scale or a size.
 */
import * as tf from '@tensorflow/tfjs';
import { attributesOf } from '../../../../src/core';
import { padSpatial, toChannelsFirst, toChannelsLast } from '../layout';
import { spatialAttribute, type OpInput, type OpSupport } from './types';

/** The taps of one output axis: for each tap, source indices and weights per output position. */
interface AxisTaps {
  indices: number[][];
  weights: number[][] | undefined;
}

/** PyTorch's cubic convolution coefficients (A = -0.75). */
function cubicWeights(t: number): number[] {
  const A = -0.75;
  const far = (d: number) => ((A * d - 5 * A) * d + 8 * A) * d - 4 * A;
  const near = (d: number) => ((A + 2) * d - (A + 3)) * d * d + 1;
  return [far(t + 1), near(t), near(1 - t), far(2 - t)];
}

function axisTaps(mode: string, n: number, out: number, ratio: number): AxisTaps {
  const clamp = (i: number) => Math.min(Math.max(i, 0), n - 1);
  if (mode === 'nearest') return { indices: [Array.from({ length: out }, (_, o) => Math.min(Math.floor(Math.fround(o * ratio)), n - 1))], weights: undefined };
  if (mode === 'bicubic') {
    const indices: number[][] = [[], [], [], []];
    const weights: number[][] = [[], [], [], []];
    for (let o = 0; o < out; o++) {
      const source = ratio * (o + 0.5) - 0.5;
      const base = Math.floor(source);
      const w = cubicWeights(source - base);
      for (let j = 0; j < 4; j++) {
        indices[j].push(clamp(base - 1 + j));
        weights[j].push(w[j]);
      }
    }
    return { indices, weights };
  }
  const indices: number[][] = [[], []];
  const weights: number[][] = [[], []];
  for (let o = 0; o < out; o++) {
    const source = Math.max(ratio * (o + 0.5) - 0.5, 0);
    const low = Math.floor(source);
    const high = low < n - 1 ? low + 1 : low;
    const frac = source - low;
    indices[0].push(low);
    indices[1].push(high);
    weights[0].push(1 - frac);
    weights[1].push(frac);
  }
  return { indices, weights };
}

function upsample(op: OpInput): tf.Tensor {
  const mode = String(attributesOf(op.node, 'upsample').mode ?? 'nearest');
  const scale = spatialAttribute(op.node, 'scale');
  const sizes = op.node.inShapes[0].slice(1);
  const out = op.node.outShape.slice(1);
  // PyTorch maps positions with 1/scale when a scale factor is given, and with in/out for size= (like= resolves to a size), in float32.
  const sized = attributesOf(op.node, 'upsample').size !== undefined;
  const ratios = sizes.map((n, i) => Math.fround(sized ? n / out[i] : 1 / scale[i]));
  let x = op.inputs[0];
  sizes.forEach((n, i) => {
    const axis = i + 1;
    const taps = axisTaps(mode, n, out[i], ratios[i]);
    let sum: tf.Tensor | undefined;
    taps.indices.forEach((indices, j) => {
      let picked = tf.gather(
        x,
        op.cached(`index${i}.${j}`, () => tf.tensor1d(indices, 'int32')),
        axis,
      );
      if (taps.weights) {
        const shape = x.shape.map((_, a) => (a === axis ? out[i] : 1));
        picked = tf.mul(
          picked,
          op.cached(`weight${i}.${j}`, () => tf.tensor(taps.weights![j], shape, 'float32')),
        );
      }
      sum = sum ? tf.add(sum, picked) : picked;
    });
    x = sum!;
  });
  return x;
}

export const shapeExecutors: Record<string, OpSupport> = {
  flatten: { run: (op) => tf.reshape(toChannelsFirst(op.inputs[0]), [1, -1]) },
  reshape: { run: (op) => toChannelsLast(tf.reshape(toChannelsFirst(op.inputs[0]), [1, ...op.node.outShape])) },
  pad: {
    run(op) {
      const amount = spatialAttribute(op.node, 'amount');
      return padSpatial(op.inputs[0], amount, amount);
    },
  },
  upsample: { run: upsample },
};
