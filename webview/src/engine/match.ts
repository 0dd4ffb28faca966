/**
 * Matches the tensors of a weight file to the network's layers in statement
 * order, by shape, and names the first mismatch in words a user can act on.
 * Shared by the safetensors and tfjs loaders.
 */
import type { NetworkGraph } from '../../../src/core';
import { describeLayer, ordinal, paramLayers, shapeText, type ParamLayer, type ParamSpec } from './params';
import type { WeightSet, WeightTensor } from './weights';

/** A tensor as a file stores it, decoded lazily. */
export interface FileTensor {
  name: string;
  shape: number[];
  /** Its values in the file's layout. */
  read(): Float32Array;
}

/** What a loader expects for one PyTorch tensor: the file's shape and how to turn the file's values into PyTorch layout. */
export interface Expectation {
  layer: ParamLayer;
  spec: ParamSpec;
  /** The shape the file should have (the PyTorch shape for PyTorch files). */
  fileShape: number[];
  /** Converts the file's values to PyTorch layout; identity when absent. */
  convert?: (data: Float32Array) => Float32Array;
}

/** Weights read from a file, and remarks worth showing (how tensors were matched, what was converted). */
export interface LoadedWeights {
  weights: WeightSet;
  notes: string[];
}

/** A weight file that does not fit the network; the message names the first mismatch. */
export class WeightLoadError extends Error {
  override name = 'WeightLoadError';
}

/** The expectations for PyTorch-layout files: every spec of every layer, in order. */
export function pytorchExpectations(graph: NetworkGraph): Expectation[] {
  return paramLayers(graph).flatMap((layer) => layer.specs.map((spec) => ({ layer, spec, fileShape: spec.shape })));
}

/** The first reason `tensors` cannot be matched one to one, in order, to `expected`; undefined when they can. */
export function firstMismatch(expected: Expectation[], tensors: FileTensor[], source?: string): string | undefined {
  for (let i = 0; i < expected.length; i++) {
    const want = expected[i];
    const what = `${describeLayer(want.layer, source)} expects ${want.spec.name} ${shapeText(want.fileShape)}`;
    const got = tensors[i];
    if (!got) return `${what} but the file has only ${tensors.length} tensor${tensors.length === 1 ? '' : 's'}; the network needs ${expected.length}.`;
    if (shapeText(got.shape) !== shapeText(want.fileShape)) return `${what} but the file's ${ordinal(i + 1)} tensor '${got.name}' is ${shapeText(got.shape)}.`;
  }
  if (tensors.length > expected.length) {
    const extra = tensors[expected.length];
    return `the file has ${tensors.length} tensors but the network needs ${expected.length}: the ${ordinal(expected.length + 1)}, '${extra.name}' (${shapeText(extra.shape)}), and any after it have no layer.`;
  }
  return undefined;
}

/** Builds the weight set from tensors already known to match `expected` one to one. */
export function assemble(expected: Expectation[], tensors: FileTensor[]): WeightSet {
  const weights: WeightSet = new Map();
  expected.forEach((want, i) => {
    const raw = tensors[i].read();
    const data = want.convert ? want.convert(raw) : raw;
    const entry: Record<string, WeightTensor> = weights.get(want.layer.node.id) ?? {};
    entry[want.spec.name] = { shape: want.spec.shape, data };
    weights.set(want.layer.node.id, entry);
  });
  return weights;
}

/** Matches in file order; throws WeightLoadError naming the first mismatch. */
export function matchInOrder(graph: NetworkGraph, expected: Expectation[], tensors: FileTensor[], source?: string): WeightSet {
  if (!graph.complete) throw new WeightLoadError('the network has errors, so its layers are not all known; fix them before loading weights.');
  const problem = firstMismatch(expected, tensors, source);
  if (problem) throw new WeightLoadError(problem);
  return assemble(expected, tensors);
}
