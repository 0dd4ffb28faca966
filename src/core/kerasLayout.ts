/**
 * How Keras stores a layer's learned tensors, and how its values become
 * PyTorch's layout, which `.cnn` weight files and the preview's engine use.
 * One rule for both readers of Keras weights: the preview's tfjs-layers
 * loader (model.json and its shards) and the `.keras` archive import.
 *
 * Keras keeps the spatial axes first: a convolution kernel is [...k, in, out]
 * (PyTorch [out, in, ...k]), a depthwise kernel [...k, in, m] (PyTorch
 * [in·m, 1, ...k]) and a Dense kernel [in, out] (PyTorch [out, in]). A Dense
 * layer right after Flatten reads the image in height-width-channel order,
 * PyTorch in channel-height-width order, so that kernel's rows are reordered
 * too. Everything else (biases, batch-norm terms) has the same layout.
 */
import { permute } from './arrays';

/** What converting one tensor needs to know about it and its layer. */
export interface KerasTensorContext {
  /** The layer's `.cnn` op: `conv`, `depthwise_conv`, `separable_conv`, `dense`, `prelu`, ... */
  op: string;
  /** PyTorch's name for the tensor within its layer: `weight`, `bias`, `depthwise.weight`, `pointwise.weight`, ... */
  name: string;
  /** The tensor's shape in PyTorch's layout. */
  shape: number[];
  /** The layer's input shape, channels first, without the batch. */
  inShape: number[];
  /** For a dense layer that reads a Flatten (through pointwise ops only): the channels-first shape that was flattened. */
  flattenedFrom?: number[];
}

/** A tensor as Keras stores it: its shape, and the conversion of its values to PyTorch's layout (absent when the values need none). */
export interface KerasTensorLayout {
  shape: number[];
  toTorch?: (data: Float32Array) => Float32Array;
}

/** Keras kernels keep the spatial axes first: [...k, a, b] becomes PyTorch [b, a, ...k]. */
function kernelToTorch(spatial: number): number[] {
  return [spatial + 1, spatial, ...Array.from({ length: spatial }, (_, i) => i)];
}

/** Where Keras keeps the tensor described by `context`, and how its values become PyTorch's. */
export function kerasTensorLayout(context: KerasTensorContext): KerasTensorLayout {
  const { op, name, shape: s, inShape, flattenedFrom } = context;
  const spatial = Math.max(0, inShape.length - 1);
  const isKernel = name.endsWith('weight') && s.length === spatial + 2 && op !== 'dense';
  if (isKernel && (op === 'depthwise_conv' || name === 'depthwise.weight')) {
    // PyTorch [in·m, 1, ...k] is Keras [...k, in, m].
    const channels = inShape[0];
    const shape = [...s.slice(2), channels, s[0] / channels];
    return { shape, toTorch: (d) => permute(d, shape, [spatial, spatial + 1, ...Array.from({ length: spatial }, (_, i) => i)]).data };
  }
  if (isKernel) {
    const shape = [...s.slice(2), s[1], s[0]];
    return { shape, toTorch: (d) => permute(d, shape, kernelToTorch(spatial)).data };
  }
  if (op === 'dense' && name === 'weight') {
    const [units, features] = s;
    const flat = flattenedFrom && flattenedFrom.length > 1 ? flattenedFrom : undefined;
    return {
      shape: [features, units],
      toTorch: (d) => {
        const torch = permute(d, [features, units], [1, 0]).data;
        if (!flat) return torch;
        // Keras row (p·C + c) is PyTorch column (c·P + p) for channel c at position p.
        const channels = flat[0];
        const positions = features / channels;
        const out = new Float32Array(torch.length);
        for (let o = 0; o < units; o++) for (let c = 0; c < channels; c++) for (let p = 0; p < positions; p++) out[o * features + c * positions + p] = torch[o * features + p * channels + c];
        return out;
      },
    };
  }
  // Keras's PReLU keeps one slope per channel on the last axis, with 1s for the spatial axes.
  if (op === 'prelu' && s[0] > 1) return { shape: [...new Array<number>(spatial).fill(1), s[0]] };
  return { shape: s };
}
