/**
 * A `.keras` archive's weights joined to the layers read from its
 * `config.json`. Keras 3 saves each layer's variables as `<path>/vars/0`,
 * `1`, ... (`kerasWeightPaths` gives the path), trainable variables first,
 * each in the order the layer's `build` created it: Conv kernel then bias,
 * BatchNormalization gamma, beta, moving_mean, moving_variance, Dense kernel
 * then bias, DepthwiseConv2D kernel then bias, SeparableConv2D depthwise
 * kernel, pointwise kernel, bias. For the layers `.cnn` has, that is
 * PyTorch's registration order, so variable i is the layer's tensor i. The
 * values are converted from Keras's layout by `kerasTensorLayout`, the rule
 * the preview's tfjs-layers loader uses. Pure: the caller decodes the HDF5 file.
 */
import { kerasTensorLayout } from '../kerasLayout';
import { findOp } from '../ops/registry';
import { sizeOf, type ImportedLayer, type LayerGraph } from './layers';

/** One saved variable: its shape and values as the weights file stores them (Keras's layout). */
export interface KerasVariable {
  shape: number[];
  read(): Float32Array;
}

/** A weights file's variables by layer path (`layers/conv2d`), each layer's in the order Keras saved them. */
export type KerasWeights = ReadonlyMap<string, KerasVariable[]>;

const shapeText = (shape: number[]) => (shape.length ? shape.join('x') : 'a scalar');

/** The channels-first shape a dense layer's input had before a Flatten, when it reads one through pointwise layers only. */
function flattenedFrom(graph: LayerGraph, layer: ImportedLayer): number[] | undefined {
  let current: ImportedLayer | undefined = graph.layers[layer.inputs[0]];
  while (current && findOp(current.op)?.pointwise === true) current = graph.layers[current.inputs[0]];
  return current?.op === 'flatten' ? graph.layers[current.inputs[0]]?.outShape : undefined;
}

/**
 * Gives every learned tensor of `graph` its values from `weights`, converted
 * to PyTorch's layout; `paths` maps each Keras layer name to its path in the
 * weights file. Returns why the file does not fit the configuration (naming
 * the layer, the path and the variable), or undefined when every tensor has
 * its values.
 */
export function attachKerasWeights(graph: LayerGraph, paths: ReadonlyMap<string, string>, weights: KerasWeights): string | undefined {
  for (const layer of graph.layers) {
    if (!layer.tensors.length) continue;
    const path = paths.get(layer.source);
    const what = `layer '${layer.source}' (${layer.sourceOp})`;
    const variables = path === undefined ? undefined : weights.get(path);
    if (!variables) return `the weights file has no variables for ${what}${path ? ` (Keras saves them under ${path}/vars)` : ''}.`;
    if (variables.length !== layer.tensors.length) {
      return `the weights file has ${variables.length} variable${variables.length === 1 ? '' : 's'} for ${what} under ${path}/vars, but its configuration needs ${layer.tensors.length} (${layer.tensors.map((t) => t.name).join(', ')}).`;
    }
    const inShape = graph.layers[layer.inputs[0]].outShape;
    const flat = layer.op === 'dense' ? flattenedFrom(graph, layer) : undefined;
    for (let i = 0; i < variables.length; i++) {
      const tensor = layer.tensors[i];
      const variable = variables[i];
      const stored = kerasTensorLayout({ op: layer.op, name: tensor.name, shape: tensor.shape, inShape, flattenedFrom: flat });
      if (stored.shape.join('x') !== variable.shape.join('x')) {
        return `variable ${path}/vars/${i} of ${what} is ${shapeText(variable.shape)} in the weights file, but the configuration makes its ${tensor.name} ${shapeText(stored.shape)} in Keras's layout.`;
      }
      // The tensor objects are shared with every copy of the graph's layers, so the structure recovered from it reads these values.
      tensor.read = () => {
        const values = variable.read();
        if (values.length !== sizeOf(variable.shape)) throw new Error(`variable ${path}/vars/${i} holds ${values.length} values, not the ${sizeOf(variable.shape)} of its shape`);
        return stored.toTorch ? stored.toTorch(values) : values;
      };
    }
  }
  return undefined;
}
