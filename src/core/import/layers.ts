/**
 * The importer's common ground: a model file (ONNX, Keras) becomes a graph of
 * `.cnn` layers with their settings, shapes and learned tensors; structure
 * recovery, printing and weight collection all read this one form.
 */

/** An expression written as is: a label (`multiply(x)`) or a block parameter (`c * 4`). */
export interface Expression {
  expr: string;
}

/** A written argument value: a number, a tuple per spatial axis, a word, a flag or an expression. */
export type ArgValue = number | number[] | string | boolean | Expression;

/** One argument of a call, positional when `key` is absent. */
export interface LayerArg {
  key?: string;
  value: ArgValue;
}

/** A learned tensor in PyTorch's layout and registration order, read lazily from the model file. */
export interface ImportedTensor {
  /** PyTorch's name for it within its layer: `weight`, `bias`, `running_mean`, `running_var`. */
  name: string;
  shape: number[];
  trainable: boolean;
  /** Its values in PyTorch layout; a view into the file where the bytes allow. */
  read(): Float32Array;
}

/** One `.cnn` statement-to-be: an op with its arguments, or a merge of several tensors. */
export interface ImportedLayer {
  id: number;
  /** The `.cnn` op (`conv`, `batchnorm`, ...), `input`, or a merge: `add`, `concat`, `multiply`. */
  op: string;
  args: LayerArg[];
  /** Layers whose outputs this one reads, in order. */
  inputs: number[];
  /** Channels first, no batch dimension. */
  outShape: number[];
  /** The model's name for the node or layer this came from. */
  source: string;
  /** The model's op (`Conv`, `Conv2D`), for messages. */
  sourceOp: string;
  tensors: ImportedTensor[];
}

/** A layer graph in topological order: layer 0 is the input. */
export interface LayerGraph {
  layers: ImportedLayer[];
  output: number;
  /** Remarks that belong in the output's header comment (folded batch norm, dropped training-only nodes). */
  notes: string[];
}

/**
 * Why a model cannot be written as `.cnn`: the node, its op and what is
 * missing. `partial` is the graph of everything before that node, so the
 * message can point at where the written part stops.
 */
export interface ImportProblem {
  node: string;
  op: string;
  message: string;
  partial?: LayerGraph;
}

/** A conversion's outcome: the graph, or the first thing that cannot be expressed. */
export type GraphResult = { ok: true; graph: LayerGraph } | { ok: false; problem: ImportProblem };

/** The number of values in a shape. */
export function sizeOf(shape: number[]): number {
  return shape.reduce((product, size) => product * size, 1);
}

/** Output size of a window op on one axis (PyTorch's formula, ceil mode included). */
export function windowSize(input: number, kernel: number, stride: number, padBegin: number, padEnd: number, dilation: number, ceilMode: boolean): number {
  const span = input + padBegin + padEnd - dilation * (kernel - 1) - 1;
  let out = (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  // PyTorch's rule: the last window must start inside the input or the left padding.
  if (ceilMode && (out - 1) * stride >= input + padBegin) out--;
  return out;
}
