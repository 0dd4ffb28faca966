/**
 * Pooling as tfjs ops, with PyTorch's semantics: padding counts as -infinity
 * for max and (by default) as zeros for average; ceil_mode adds a last,
 * partial window; the average's divisor follows PyTorch per window; adaptive
 * pooling uses PyTorch's bins floor(i·n/o) to ceil((i+1)·n/o).
 */
import * as tf from '@tensorflow/tfjs';
import { attributesOf, type GraphNode, elementCount } from '../../../../src/core';
import { padSpatial, stridedSliceBatch1 } from '../layout';
import { spatialAttribute, type OpInput, type OpSupport } from './types';

/** The most negative float32, standing in for -infinity (some GPU backends mishandle infinities). */
const lowest = -3.4028234663852886e38;

interface Window {
  kernel: number[];
  stride: number[];
  dilation: number[];
  padLeft: number[];
  padRight: number[];
  /** Extra right padding so that ceil_mode's last window fits. */
  extra: number[];
  sizes: number[];
  out: number[];
}

function windowOf(node: GraphNode): Window {
  const kernel = spatialAttribute(node, 'kernel');
  const stride = spatialAttribute(node, 'stride');
  const dilation = spatialAttribute(node, 'dilation');
  const padLeft = spatialAttribute(node, 'padLeft');
  const padRight = spatialAttribute(node, 'padRight');
  const sizes = node.inShapes[0].slice(1);
  const out = node.outShape.slice(1);
  const extra = sizes.map((n, i) => Math.max(0, (out[i] - 1) * stride[i] + dilation[i] * (kernel[i] - 1) + 1 - (n + padLeft[i] + padRight[i])));
  return { kernel, stride, dilation, padLeft, padRight, extra, sizes, out };
}

/** Native tfjs pooling of a valid window with dilation 1, any spatial rank from 1 to 3. */
function nativePool(x: tf.Tensor, kind: 'max' | 'avg', kernel: number[], stride: number[]): tf.Tensor {
  if (x.rank === 3) return tf.squeeze(nativePool(tf.expandDims(x, 1), kind, [1, ...kernel], [1, ...stride]), [1]);
  if (x.rank === 4) {
    const k = kernel as [number, number];
    const s = stride as [number, number];
    return kind === 'max' ? tf.maxPool(x as tf.Tensor4D, k, s, 'valid') : tf.avgPool(x as tf.Tensor4D, k, s, 'valid');
  }
  const k = kernel as [number, number, number];
  const s = stride as [number, number, number];
  return kind === 'max' ? tf.maxPool3d(x as tf.Tensor5D, k, s, 'valid') : tf.avgPool3d(x as tf.Tensor5D, k, s, 'valid');
}

/** Dilated max pooling, tap by tap: the maximum of prod(kernel) strided slices. */
function tapMax(x: tf.Tensor, w: Window): tf.Tensor {
  let result: tf.Tensor | undefined;
  const taps = elementCount(w.kernel);
  for (let t = 0; t < taps; t++) {
    let rest = t;
    const offset = new Array<number>(w.kernel.length);
    for (let a = w.kernel.length - 1; a >= 0; a--) {
      offset[a] = (rest % w.kernel[a]) * w.dilation[a];
      rest = Math.floor(rest / w.kernel[a]);
    }
    const begin = [0, ...offset, 0];
    const end = [1, ...offset.map((o, a) => o + (w.out[a] - 1) * w.stride[a] + 1), x.shape[x.rank - 1] as number];
    const slice = stridedSliceBatch1(x, begin, end, [1, ...w.stride, 1]);
    result = result ? tf.maximum(result, slice) : slice;
  }
  return result!;
}

/** PyTorch's average-pool divisor per output position of one axis. */
function axisDivisors(n: number, out: number, k: number, s: number, padLeft: number, padRight: number, includePad: boolean): number[] {
  return Array.from({ length: out }, (_, o) => {
    const start = o * s - padLeft;
    const end = Math.min(start + k, n + padRight);
    return includePad ? end - start : Math.min(end, n) - Math.max(start, 0);
  });
}

function maxPool(op: OpInput): tf.Tensor {
  const w = windowOf(op.node);
  const x = padSpatial(
    op.inputs[0],
    w.padLeft,
    w.padRight.map((p, i) => p + w.extra[i]),
    lowest,
  );
  // 3-D max pooling goes tap by tap too: tfjs 4.22's WASM MaxPool3D starts each window at
  // FLT_MIN (the smallest positive float), so a window of negative values returned 1.2e-38.
  if (w.dilation.some((d) => d > 1) || x.rank === 5) return tapMax(x, w);
  return nativePool(x, 'max', w.kernel, w.stride);
}

/**
 * Max pooling tap by tap at every rank: the gradient path (unitGradient.ts)
 * runs this instead of tfjs's MaxPool, whose WASM gradient starts each window
 * at FLT_MIN too and so drops the gradient of a window of negative values.
 * Ties go to the first tap, as in PyTorch.
 */
export function maxPoolByTaps(op: OpInput): tf.Tensor {
  const w = windowOf(op.node);
  return tapMax(
    padSpatial(
      op.inputs[0],
      w.padLeft,
      w.padRight.map((p, i) => p + w.extra[i]),
      lowest,
    ),
    w,
  );
}

/**
 * The input gradient of a max pooling whose windows tile its input (kernel
 * equal to stride, no dilation; 1-D or 2-D), for the gradient `dy` of output
 * rows `frame` (inclusive, per spatial axis), from the pooling's input `x`
 * and output `y` (whole tensors). Each output's gradient goes to the first
 * position of its window that holds the maximum, as in PyTorch. Returns the
 * gradient over the windows of the frame and, per axis, the input index of
 * its first row (negative where the windows start in the padding); undefined
 * for other poolings, which unitGradient.ts differentiates tap by tap.
 */
export function tiledMaxPoolGradient(node: GraphNode, x: tf.Tensor, y: tf.Tensor, dy: tf.Tensor, frame: [number, number][]): { gradient: tf.Tensor; origin: number[] } | undefined {
  const w = windowOf(node);
  const spatial = w.kernel.length;
  if (spatial > 2 || w.dilation.some((d) => d !== 1) || w.kernel.some((k, i) => k !== w.stride[i])) return undefined;
  const origin = frame.map(([a], i) => a * w.stride[i] - w.padLeft[i]);
  // A 1-D pooling runs as a 2-D one of height one.
  const lift = (t: tf.Tensor) => (spatial === 1 ? tf.expandDims(t, 1) : t);
  const at = spatial === 1 ? [0, ...frame.map(([a]) => a)] : frame.map(([a]) => a);
  const counts = spatial === 1 ? [1, ...frame.map(([a, b]) => b - a + 1)] : frame.map(([a, b]) => b - a + 1);
  const kernel = spatial === 1 ? [1, ...w.kernel] : w.kernel;
  const first = spatial === 1 ? [0, ...origin] : origin;
  const sizes = spatial === 1 ? [1, ...w.sizes] : w.sizes;
  const channels = x.shape[x.rank - 1] as number;
  // The windows of the frame, with PyTorch's -infinity where they reach into the padding.
  const last = first.map((o, i) => o + counts[i] * kernel[i] - 1);
  const inside = first.map((o, i) => [Math.max(0, o), Math.min(sizes[i] - 1, last[i])]);
  const windows = padSpatial(
    cropChannelsLast(
      lift(x),
      inside.map(([lo]) => lo),
      inside.map(([lo, hi]) => hi - lo + 1),
    ),
    inside.map(([lo], i) => lo - first[i]),
    inside.map(([, hi], i) => last[i] - hi),
    lowest,
  );
  const [m1, m2] = counts;
  const [k1, k2] = kernel;
  // Each window's taps on axes 2 and 4, by reshapes alone (tfjs's WASM slices copy one channel vector at a time: slow).
  const taps = tf.reshape(windows, [1, m1, k1, m2, k2, channels]);
  const bestFrame = tf.reshape(cropChannelsLast(lift(y), at, counts), [1, m1, 1, m2, 1, channels]);
  // The gradient goes to the first tap (row-major) that holds the maximum: the smallest tap index among the equal ones.
  // Comparisons by step() of differences: tfjs's WASM comparisons with broadcasting run in JavaScript (0.8 s at pool1).
  const tapIndex = tf.reshape(tf.range(0, k1 * k2, 1, 'float32'), [1, 1, k1, 1, k2, 1]);
  const belowMaximum = tf.step(tf.sub(bestFrame, taps));
  const ranked = tf.add(tapIndex, tf.mul(belowMaximum, k1 * k2));
  const firstTap = tf.min(ranked, [2, 4], true);
  const chosen = tf.sub(1, tf.step(tf.sub(ranked, firstTap)));
  const spread = tf.reshape(tf.mul(chosen, tf.reshape(dy, [1, m1, 1, m2, 1, channels])), [1, m1 * k1, m2 * k2, channels]);
  return { gradient: spatial === 1 ? tf.squeeze(spread, [1]) : spread, origin };
}

/**
 * The box `begin`..`begin + size` of a channels-last tensor's spatial axes.
 * The last spatial axis is merged with the channels first, so tfjs's WASM
 * slice copies whole rows (it copies one innermost run at a time, in
 * JavaScript: a 224x224x64 crop took 90 ms one channel vector at a time).
 */
export function cropChannelsLast(x: tf.Tensor, begin: number[], size: number[]): tf.Tensor {
  const shape = x.shape as number[];
  const spatial = shape.slice(1, -1);
  const channels = shape[shape.length - 1];
  if (begin.every((b) => b === 0) && size.every((n, axis) => n === spatial[axis])) return x;
  const last = spatial.length - 1;
  const merged = tf.reshape(x, [1, ...spatial.slice(0, last), spatial[last] * channels]);
  const crop = tf.slice(merged, [0, ...begin.slice(0, last), begin[last] * channels], [1, ...size.slice(0, last), size[last] * channels]);
  return tf.reshape(crop, [1, ...size, channels]);
}

function avgPool(op: OpInput): tf.Tensor {
  const w = windowOf(op.node);
  const includePad = attributesOf(op.node, 'avgpool').countIncludePad !== false;
  const x = padSpatial(
    op.inputs[0],
    w.padLeft,
    w.padRight.map((p, i) => p + w.extra[i]),
    0,
  );
  const mean = nativePool(x, 'avg', w.kernel, w.stride);
  const perAxis = w.sizes.map((n, i) => axisDivisors(n, w.out[i], w.kernel[i], w.stride[i], w.padLeft[i], w.padRight[i], includePad));
  const taps = elementCount(w.kernel);
  if (perAxis.every((d, i) => d.every((v) => v === w.kernel[i]))) return mean;
  // The native pool divided every window by the full kernel; rescale to PyTorch's divisor.
  const factor = op.cached('divisor', () => {
    let grid: number[] = [1];
    for (const d of perAxis) grid = grid.flatMap((g) => d.map((v) => g * v));
    return tf.tensor(
      Float32Array.from(grid, (v) => taps / v),
      [1, ...w.out, 1],
      'float32',
    );
  });
  return tf.mul(mean, factor);
}

/** Reduces along one axis in PyTorch's adaptive bins. */
function adaptiveAxis(x: tf.Tensor, axis: number, out: number, kind: 'max' | 'avg'): tf.Tensor {
  const n = x.shape[axis] as number;
  if (n === out) return x;
  if (n % out === 0) {
    // Equal bins: one reshape and one reduction.
    const shape = [...x.shape.slice(0, axis), out, n / out, ...x.shape.slice(axis + 1)] as number[];
    const grouped = tf.reshape(x, shape);
    return kind === 'max' ? tf.max(grouped, axis + 1) : tf.mean(grouped, axis + 1);
  }
  const bins = Array.from({ length: out }, (_, i) => {
    const start = Math.floor((i * n) / out);
    const end = Math.ceil(((i + 1) * n) / out);
    const slice = tf.slice(
      x,
      x.shape.map((_, a) => (a === axis ? start : 0)),
      x.shape.map((d, a) => (a === axis ? end - start : (d as number))),
    );
    return kind === 'max' ? tf.max(slice, axis, true) : tf.mean(slice, axis, true);
  });
  return tf.concat(bins, axis);
}

function adaptive(kind: 'max' | 'avg'): OpSupport {
  return {
    run(op) {
      const size = spatialAttribute(op.node, 'size');
      // Max and mean over a box are separable, so each axis is reduced on its own.
      return size.reduce((x, o, i) => adaptiveAxis(x, i + 1, o, kind), op.inputs[0]);
    },
  };
}

const spatialAxes = (x: tf.Tensor) => Array.from({ length: x.rank - 2 }, (_, i) => i + 1);

export const poolingExecutors: Record<string, OpSupport> = {
  maxpool: { run: maxPool },
  avgpool: { run: avgPool },
  global_avgpool: { run: (op) => tf.mean(op.inputs[0], spatialAxes(op.inputs[0])) },
  global_maxpool: { run: (op) => tf.max(op.inputs[0], spatialAxes(op.inputs[0])) },
  adaptive_avgpool: adaptive('avg'),
  adaptive_maxpool: adaptive('max'),
};
