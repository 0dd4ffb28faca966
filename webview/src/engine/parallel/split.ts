/**
 * Runs one 2-D convolution across the panel's thread and the convolution
 * workers: each computes a contiguous range of output channels with its own
 * share of the filters, and each share is written into its channels of one
 * output tensor. Splitting by output channel (not by rows) means each share
 * of the filters lives in exactly one place, so the workers together hold one
 * copy of the network's convolution weights, not one each; measured on
 * ResNet-18's 3x3 layers it also halves the time better than halving the rows.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { ConvWorkerPool } from './pool';
import type { ExplicitPadding } from './protocol';
import { channelShares, placeShare, planOutputShape, shareColumns, type ChannelShare } from './shares';

/** A fused 2-D convolution as tfjs runs it: NHWC input, [kh, kw, in, out] filter, per-channel bias, optional ReLU. */
export interface Conv2dPlan {
  x: tf.Tensor4D;
  filter: tf.Tensor4D;
  bias: tf.Tensor1D;
  strides: [number, number];
  dilations: [number, number];
  pad: ExplicitPadding;
  activation: 'linear' | 'relu';
}

function shareOf<T extends tf.Tensor>(tensor: T, share: ChannelShare): T {
  const begin = tensor.shape.map((_, axis) => (axis === tensor.rank - 1 ? share.first : 0));
  const size = tensor.shape.map((d, axis) => (axis === tensor.rank - 1 ? share.count : (d as number)));
  return tf.slice(tensor, begin, size) as T;
}

/** The WASM backend, whose heap the split reads and writes directly (a view, not a copy); any other backend is an error. */
function wasmBackend(): BackendWasm {
  const backend = tf.backend() as Partial<BackendWasm>;
  if (tf.getBackend() === 'wasm' && typeof backend.typedArrayFromHeap === 'function' && typeof backend.makeOutput === 'function') return backend as BackendWasm;
  throw new Error(`convolutions are shared with workers only on the WASM backend, not ${tf.getBackend()}`);
}

/**
 * Runs `plan` with one share per worker and the last share on this thread.
 * `key` names this convolution's filters (unique per engine and node); the
 * workers are sent their shares the first time. `cached` keeps this thread's
 * share between runs, as the engine keeps its other weight-derived tensors.
 * Rejects when a worker fails; the caller then runs the convolution whole.
 * WASM backend only: values move between heaps through views, so no layer
 * allocates JavaScript memory (fresh pages cost more than the copying).
 */
export function splitConvolution(pool: ConvWorkerPool, plan: Conv2dPlan, key: string, cached: (name: string, build: () => tf.Tensor) => tf.Tensor): Promise<tf.Tensor4D> {
  return pool.exclusive(() => shareConvolution(pool, plan, key, cached));
}

/**
 * Sends the workers their shares of `plan`'s filter and bias (once per
 * key) and caches this thread's: the one-time work of a split convolution,
 * done by its first run or ahead of it by `shareFiltersAhead`.
 */
function shareFilters(
  pool: ConvWorkerPool,
  plan: Pick<Conv2dPlan, 'filter' | 'bias'>,
  key: string,
  cached: (name: string, build: () => tf.Tensor) => tf.Tensor,
  backend: BackendWasm,
): { theirs: ChannelShare[]; mine: ChannelShare; filter: tf.Tensor4D; bias: tf.Tensor1D } {
  const [kh, kw, inChannels, outChannels] = plan.filter.shape;
  const shares = channelShares(outChannels, pool.size + 1);
  // The workers take the first shares (the larger ones when they differ); this thread, which also copies the input and joins the results, takes the last.
  const theirs = shares.slice(0, -1);
  const mine = shares[shares.length - 1];
  for (const [index, share] of theirs.entries()) {
    const shareKey = `${key}:${share.first}`;
    if (pool.keeps(index, shareKey)) continue;
    // Copied out of the heap here, not sliced by the backend and read back: one pass over the filters instead of three.
    const filter = shareColumns(backend.typedArrayFromHeap(plan.filter) as Float32Array, outChannels, share);
    const bias = (backend.typedArrayFromHeap(plan.bias) as Float32Array).slice(share.first, share.first + share.count);
    pool.keep(index, shareKey, filter, [kh, kw, inChannels, share.count], bias);
  }
  return {
    theirs,
    mine,
    filter: cached(`${key}:filter`, () => shareOf(plan.filter, mine)) as tf.Tensor4D,
    bias: cached(`${key}:bias`, () => shareOf(plan.bias, mine)) as tf.Tensor1D,
  };
}

/**
 * Does a split convolution's one-time work before its first run (see
 * `shareFilters`), under the same `key` and `cached` as `splitConvolution`.
 * WASM backend only.
 */
export function shareFiltersAhead(pool: ConvWorkerPool, plan: Pick<Conv2dPlan, 'filter' | 'bias'>, key: string, cached: (name: string, build: () => tf.Tensor) => tf.Tensor): void {
  shareFilters(pool, plan, key, cached, wasmBackend());
}

async function shareConvolution(pool: ConvWorkerPool, plan: Conv2dPlan, key: string, cached: (name: string, build: () => tf.Tensor) => tf.Tensor): Promise<tf.Tensor4D> {
  const backend = wasmBackend();
  const outChannels = plan.filter.shape[3];
  const { theirs, mine, filter, bias } = shareFilters(pool, plan, key, cached, backend);
  const outShape = planOutputShape(plan, plan.x.shape, plan.filter.shape);
  const pixels = outShape[1] * outShape[2];
  const input = backend.typedArrayFromHeap(plan.x) as Float32Array;
  const pending = theirs.map((share, index) =>
    pool.convolve(
      index,
      { key: `${key}:${share.first}`, input, inputShape: plan.x.shape, strides: plan.strides, dilations: plan.dilations, pad: plan.pad, activation: plan.activation },
      pixels * share.count,
    ),
  );
  // This thread's share runs while the workers compute theirs.
  const own = tf.fused.conv2d({
    x: plan.x,
    filter,
    bias,
    strides: plan.strides,
    pad: plan.pad,
    dataFormat: 'NHWC',
    dilations: plan.dilations,
    activation: plan.activation,
  });
  try {
    const results = await Promise.all(pending);
    const joined = tf.engine().makeTensorFromTensorInfo(backend.makeOutput(outShape, 'float32')) as tf.Tensor4D;
    // Views are taken after the last allocation: growing the heap would detach them.
    const target = backend.typedArrayFromHeap(joined) as Float32Array;
    theirs.forEach((share, index) => placeShare(target, outChannels, share, results[index].output));
    placeShare(target, outChannels, mine, backend.typedArrayFromHeap(own) as Float32Array);
    return joined;
  } finally {
    own.dispose();
  }
}
