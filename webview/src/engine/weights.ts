/**
 * The learned values of a network, kept in PyTorch's layout so that files
 * from PyTorch load without surprises and tests can hand the same numbers to
 * PyTorch itself. Executors convert to tfjs's channels-last layout.
 */
import { type NetworkGraph, elementCount } from '../../../src/core';
import { describeLayer, paramLayers, shapeText } from './params';
import { normalSource } from './random';
import { yieldToBrowser } from './schedule';

/** One learned tensor: its PyTorch shape and values in row-major (C) order. */
export interface WeightTensor {
  shape: number[];
  data: Float32Array;
}

/**
 * Learned tensors per graph node id, each named as PyTorch names it within
 * the layer's module: conv `weight` [out, in/groups, ...k] and `bias` [out];
 * conv_transpose `weight` [in, out/groups, ...k]; depthwise_conv `weight`
 * [in·multiplier, 1, ...k]; separable_conv `depthwise.weight`,
 * `pointwise.weight` [out, in·multiplier, 1, ...], `pointwise.bias`; dense
 * `weight` [out, in], `bias`; batchnorm `weight`, `bias`, `running_mean`,
 * `running_var`; layernorm / groupnorm / instancenorm `weight`, `bias`; prelu
 * `weight` [1] or [C]. See `paramSpecs` in params.ts.
 */
export type WeightSet = Map<number, Record<string, WeightTensor>>;

/**
 * Deterministic He (Kaiming normal) initialisation: weights ~ N(0, 2/fan_in)
 * with fan_in as PyTorch computes it, biases 0, norm scales 1 and shifts 0,
 * running mean 0 and variance 1, PReLU slopes 0.25. One random stream is
 * drawn in graph order, so a seed always gives the same numbers.
 */
export function heInitialization(graph: NetworkGraph, seed = 1): WeightSet {
  const steps = initialization(graph, seed);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * The same weights as `heInitialization`, made a slice at a time with the
 * page free to paint and take clicks in between: VGG-16 has 138 million
 * weights, seconds of work. Reports the share done; returns undefined when
 * the signal aborts it.
 */
export async function heInitializationInSlices(graph: NetworkGraph, seed: number, options: { onProgress?: (share: number) => void; signal?: AbortSignal } = {}): Promise<WeightSet | undefined> {
  const steps = initialization(graph, seed);
  let lastPause = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() - lastPause > 30) {
      options.onProgress?.(step.value);
      await yieldToBrowser();
      lastPause = performance.now();
      if (options.signal?.aborted) return undefined;
    }
  }
}

/** Values drawn between two looks at the clock: about a few milliseconds of work. */
const slice = 1 << 18;

/** Makes the weights, yielding the share done after each slice; one random stream in graph order. */
function* initialization(graph: NetworkGraph, seed: number): Generator<number, WeightSet, void> {
  const random = normalSource(seed);
  const weights: WeightSet = new Map();
  const layers = paramLayers(graph);
  let total = 0;
  for (const layer of layers) for (const spec of layer.specs) total += elementCount(spec.shape);
  let done = 0;
  for (const layer of layers) {
    const tensors: Record<string, WeightTensor> = {};
    for (const spec of layer.specs) {
      const data = new Float32Array(elementCount(spec.shape));
      if (spec.init === 'he') {
        const std = Math.sqrt(2 / Math.max(1, spec.fanIn ?? 1));
        for (let from = 0; from < data.length; from += slice) {
          const to = Math.min(from + slice, data.length);
          random.fill(data, std, from, to);
          done += to - from;
          yield done / total;
        }
      } else {
        if (spec.init === 'ones') data.fill(1);
        else if (spec.init === 'prelu') data.fill(0.25);
        else if (spec.init === 'layerScale') data.fill(spec.value ?? 1e-6);
        done += data.length;
      }
      tensors[spec.name] = { shape: spec.shape, data };
    }
    weights.set(layer.node.id, tensors);
  }
  return weights;
}

/**
 * Checks that `weights` has every tensor the graph needs with the right
 * shape; returns the first problem as a sentence, or undefined when complete.
 */
export function checkWeights(graph: NetworkGraph, weights: WeightSet, source?: string): string | undefined {
  for (const layer of paramLayers(graph)) {
    const tensors = weights.get(layer.node.id);
    for (const spec of layer.specs) {
      const tensor = tensors?.[spec.name];
      if (!tensor) return `${describeLayer(layer, source)} has no '${spec.name}' (expected ${shapeText(spec.shape)}).`;
      const count = elementCount(spec.shape);
      if (shapeText(tensor.shape) !== shapeText(spec.shape) || tensor.data.length !== count) {
        return `${describeLayer(layer, source)} expects ${spec.name} ${shapeText(spec.shape)} but was given ${shapeText(tensor.shape)}.`;
      }
    }
  }
  return undefined;
}
