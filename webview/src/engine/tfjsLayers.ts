/**
 * Loads trained weights from a TensorFlow.js layers model (`model.json` and
 * its binary shards), as `tfjs.converters.save_keras_model` or
 * `model.save()` writes them. Weights are matched to the network's layers in
 * statement order by shape and converted from Keras layout (Conv2D kernel
 * [kh, kw, in, out], Dense kernel [in, out]) to PyTorch layout.
 *
 * A Dense layer right after Flatten in Keras reads the image in
 * height-width-channel order, PyTorch in channel-height-width order; the
 * loader reorders that kernel's rows so the network computes what Keras did.
 */
import { type GraphNode, type NetworkGraph, elementCount, findOp } from '../../../src/core';
import { decodeFloat16, permute } from './arrays';
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

/** Keras kernels keep the spatial axes first: [...k, a, b] becomes PyTorch [b, a, ...k]. */
function kerasToTorchKernel(spatial: number) {
  return [spatial + 1, spatial, ...Array.from({ length: spatial }, (_, i) => i)];
}

function expectations(graph: NetworkGraph): Expectation[] {
  const result: Expectation[] = [];
  for (const layer of paramLayers(graph)) {
    const node = layer.node;
    const spatial = Math.max(0, (node.inShapes[0]?.length ?? 1) - 1);
    for (const spec of layer.specs) {
      const s = spec.shape;
      const base = { layer, spec };
      const isKernel = spec.name.endsWith('weight') && s.length === spatial + 2 && node.op !== 'dense';
      if (isKernel && (node.op === 'depthwise_conv' || spec.name === 'depthwise.weight')) {
        // PyTorch [in·m, 1, ...k] is Keras [...k, in, m].
        const channels = node.inShapes[0][0];
        const m = s[0] / channels;
        const fileShape = [...s.slice(2), channels, m];
        result.push({ ...base, fileShape, convert: (d) => permute(d, fileShape, [spatial, spatial + 1, ...Array.from({ length: spatial }, (_, i) => i)]).data });
      } else if (isKernel) {
        const fileShape = [...s.slice(2), s[1], s[0]];
        result.push({ ...base, fileShape, convert: (d) => permute(d, fileShape, kerasToTorchKernel(spatial)).data });
      } else if (node.op === 'dense' && spec.name === 'weight') {
        const [units, features] = s;
        const flat = flattenedFrom(graph, node);
        result.push({
          ...base,
          fileShape: [features, units],
          convert: (d) => {
            const torch = permute(d, [features, units], [1, 0]).data;
            if (!flat) return torch;
            // Keras row (p·C + c) is PyTorch column (c·P + p) for channel c at position p.
            const channels = flat[0];
            const positions = features / channels;
            const out = new Float32Array(torch.length);
            for (let o = 0; o < units; o++) for (let c = 0; c < channels; c++) for (let p = 0; p < positions; p++) out[o * features + c * positions + p] = torch[o * features + p * channels + c];
            return out;
          },
        });
      } else if (node.op === 'prelu' && s[0] > 1) {
        result.push({ ...base, fileShape: [...new Array(spatial).fill(1), s[0]] });
      } else {
        result.push({ ...base, fileShape: s });
      }
    }
  }
  return result;
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
