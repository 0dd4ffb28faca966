/**
 * Loads trained weights from a TensorFlow.js layers model (`model.json` and
 * its binary shards), as `tfjs.converters.save_keras_model` or
 * `model.save()` writes them. Weights are matched to the network's layers in
 * statement order by shape and converted from Keras layout (Conv2D kernel
 * [kh, kw, in, out], Dense kernel [in, out]) to PyTorch layout by the core's
 * `kerasTensorLayout`, the rule the `.keras` import uses too.
 *
 * A Dense layer right after Flatten in Keras reads the image in
 * height-width-channel order, PyTorch in channel-height-width order; that
 * kernel's rows are reordered so the network computes what Keras did.
 */
import { type GraphNode, type NetworkGraph, elementCount, findOp, kerasTensorLayout } from '../../../src/core';
import { decodeFloat16 } from './arrays';
import { matchInOrder, WeightLoadError, type Expectation, type FileTensor, type LoadedWeights } from './match';
import { paramLayers } from './params';

interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; scale?: number; min?: number };
}

interface ManifestGroup {
  paths: string[];
  weights: ManifestEntry[];
}

/** Whether an op keeps every value in place (OpDefinition.pointwise), so a Dense after `flatten; dropout` still reads Flatten's order. */
const passesThrough = (op: string) => findOp(op)?.pointwise === true;

/** The channels-first shape a Dense layer's input had before a Flatten, if it directly follows one. */
function flattenedFrom(graph: NetworkGraph, node: GraphNode): number[] | undefined {
  let current = graph.nodes[node.inputs[0]];
  while (current && passesThrough(current.op)) current = graph.nodes[current.inputs[0]];
  const shape = current?.op === 'flatten' ? current.inShapes[0] : undefined;
  return shape && shape.length > 1 ? shape : undefined;
}

function expectations(graph: NetworkGraph): Expectation[] {
  return paramLayers(graph).flatMap((layer) => {
    const node = layer.node;
    const inShape = node.inShapes[0] ?? [];
    const flat = node.op === 'dense' ? flattenedFrom(graph, node) : undefined;
    return layer.specs.map((spec) => {
      const stored = kerasTensorLayout({ op: node.op, name: spec.name, shape: spec.shape, inShape, flattenedFrom: flat });
      return { layer, spec, fileShape: stored.shape, convert: stored.toTorch };
    });
  });
}

function decodeEntry(entry: ManifestEntry, bytes: Uint8Array): Float32Array {
  const q = entry.quantization;
  if (q) {
    if (q.dtype === 'float16') return decodeFloat16(bytes);
    const raw = q.dtype === 'uint8' ? bytes : new Uint16Array(bytes.slice().buffer);
    const out = new Float32Array(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = raw[i] * (q.scale ?? 1) + (q.min ?? 0);
    return out;
  }
  if (entry.dtype !== 'float32') throw new WeightLoadError(`weight '${entry.name}' has dtype ${entry.dtype}; only float32 (optionally quantized) weights can be loaded.`);
  return new Float32Array(bytes.slice().buffer);
}

function bytesPerValue(entry: ManifestEntry): number {
  const q = entry.quantization?.dtype;
  return q === 'uint8' ? 1 : q === 'uint16' || q === 'float16' ? 2 : 4;
}

/**
 * Reads a tfjs layers model's weights into a weight set for `graph`.
 * `shards` are the binary files in the order the manifest lists their paths
 * (group by group), or a map from path to contents. Throws WeightLoadError
 * naming the first mismatch.
 */
export function weightsFromTfjsLayers(graph: NetworkGraph, modelJson: unknown, shards: ArrayBuffer[] | Record<string, ArrayBuffer>, options: { source?: string } = {}): LoadedWeights {
  const manifest = (modelJson as { weightsManifest?: ManifestGroup[] } | null)?.weightsManifest;
  if (!Array.isArray(manifest)) throw new WeightLoadError('model.json has no weightsManifest; is it a TensorFlow.js layers model?');
  const tensors: FileTensor[] = [];
  let shardIndex = 0;
  for (const group of manifest) {
    const parts = group.paths.map((path) => {
      const part = Array.isArray(shards) ? shards[shardIndex++] : shards[path];
      if (!part) throw new WeightLoadError(`the weight shard '${path}' named in model.json was not given.`);
      return new Uint8Array(part);
    });
    const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) {
      joined.set(part, at);
      at += part.length;
    }
    let offset = 0;
    for (const entry of group.weights) {
      const length = elementCount(entry.shape) * bytesPerValue(entry);
      if (offset + length > joined.length) throw new WeightLoadError(`the shards end before weight '${entry.name}' (${entry.shape.join('x')}): a shard is missing or truncated.`);
      const bytes = joined.subarray(offset, offset + length);
      offset += length;
      tensors.push({ name: entry.name, shape: entry.shape, read: () => decodeEntry(entry, bytes) });
    }
  }
  const expected = expectations(graph);
  const weights = matchInOrder(graph, expected, tensors, options.source);
  const notes = [`matched ${tensors.length} weights in manifest order, converted from Keras layout`];
  if (expected.some((e) => e.layer.node.op === 'dense' && flattenedFrom(graph, e.layer.node))) notes.push("reordered the rows of a Dense kernel after Flatten from Keras's height-width-channel order");
  return { weights, notes };
}
