/**
 * Tensors run channels-last inside (tfjs's NHWC / NDHWC, batch 1) and are
 * shown channels-first (the `.cnn` convention, as PyTorch). A value of
 * channels-first shape [C, ...S] lives as a tfjs tensor [1, ...S, C]; a
 * feature vector [C] as [1, C].
 */
import * as tf from '@tensorflow/tfjs';

/** [1, ...S, C] → [1, C, ...S]. */
export function toChannelsFirst(x: tf.Tensor): tf.Tensor {
  const rank = x.rank;
  if (rank <= 2) return x;
  return tf.transpose(x, [0, rank - 1, ...Array.from({ length: rank - 2 }, (_, i) => i + 1)]);
}

/** [1, C, ...S] → [1, ...S, C]. */
export function toChannelsLast(x: tf.Tensor): tf.Tensor {
  const rank = x.rank;
  if (rank <= 2) return x;
  return tf.transpose(x, [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1]);
}

/**
 * A per-channel vector shaped to broadcast against channels-last `x`. At rank
 * 5 it becomes [1, 1, 1, 1, C]: tfjs 4.22's WebGPU binary op has a fast path
 * for a short 1-D operand whose shader indexes `coords[4]` on a vec5 struct,
 * which fails to compile, and the op then silently yields zeros.
 */
export function channelwise(x: tf.Tensor, vector: tf.Tensor): tf.Tensor {
  return x.rank < 5 ? vector : tf.reshape(vector, [...new Array<number>(x.rank - 1).fill(1), -1]);
}

/** The engine's tensor for channels-first values of `shape` (no batch). The channels-first copy is freed (it leaked one tensor a run before). */
export function fromChannelsFirstData(data: Float32Array, shape: number[]): tf.Tensor {
  return tf.tidy(() => toChannelsLast(tf.tensor(data, [1, ...shape], 'float32')));
}

/**
 * Pads axis by axis by concatenating filled blocks. Used for rank 5 (3-D
 * data), where tfjs 4.22's own pad is broken on the GPU backends: WebGL's
 * packed pad shader fails to compile (`lessThan` has no ivec5 overload) and
 * WebGPU's fails to compile too (`cannot index type 'vec5'`) and then
 * silently returns zeros.
 */
function padByConcat(x: tf.Tensor, left: number[], right: number[], value: number): tf.Tensor {
  let y = x;
  left.forEach((l, i) => {
    const axis = i + 1;
    const block = (n: number) =>
      tf.fill(
        y.shape.map((d, a) => (a === axis ? n : (d as number))),
        value,
        'float32',
      );
    const parts = [...(l > 0 ? [block(l)] : []), y, ...(right[i] > 0 ? [block(right[i])] : [])];
    if (parts.length > 1) y = tf.concat(parts, axis);
  });
  return y;
}

/** Zero-pads (or, for negative amounts, crops) the spatial axes of a channels-last tensor. */
export function padSpatial(x: tf.Tensor, left: number[], right: number[], value = 0): tf.Tensor {
  if (left.every((l) => l === 0) && right.every((r) => r === 0)) return x;
  const crop = left.some((l) => l < 0) || right.some((r) => r < 0);
  let y = x;
  if (left.some((l) => l > 0) || right.some((r) => r > 0)) {
    const before = left.map((l) => Math.max(0, l));
    const after = right.map((r) => Math.max(0, r));
    y = y.rank >= 5 ? padByConcat(y, before, after, value) : tf.pad(y, [[0, 0], ...before.map((l, i): [number, number] => [l, after[i]]), [0, 0]], value);
  }
  if (crop) {
    const begin = [0, ...left.map((l) => Math.max(0, -l)), 0];
    const size = [-1, ...left.map((l, i) => y.shape[i + 1] - Math.max(0, -l) - Math.max(0, -right[i])), -1];
    y = tf.slice(y, begin, size);
  }
  return y;
}

/**
 * `tf.stridedSlice` for the engine's batch-1 tensors. At rank 5 the batch
 * axis is dropped around the call: tfjs 4.22's WebGL strided-slice shader
 * fails to compile for rank 5 (it indexes an ivec5 struct as an array).
 */
export function stridedSliceBatch1(x: tf.Tensor, begin: number[], end: number[], strides: number[]): tf.Tensor {
  if (x.rank < 5) return tf.stridedSlice(x, begin, end, strides);
  return tf.expandDims(tf.stridedSlice(tf.squeeze(x, [0]), begin.slice(1), end.slice(1), strides.slice(1)), 0);
}

/** Every `step`-th position of each spatial axis from 0 (stride applied after a stride-1 computation). */
export function takeEvery(x: tf.Tensor, step: number[]): tf.Tensor {
  if (step.every((s) => s === 1)) return x;
  return stridedSliceBatch1(x, new Array(x.rank).fill(0), x.shape, [1, ...step, 1]);
}
