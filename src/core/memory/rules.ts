/**
 * What autograd saves for the backward pass, one entry per op: the table the
 * training-memory estimate is built on. Each entry says which tensors a layer
 * keeps alive from its forward pass until its backward pass, and why, as
 * PyTorch 1.13 on the CPU does it (the version the oracle measures; reasons
 * note where CUDA or later versions differ): the reasons name the backward
 * function in PyTorch's `derivatives.yaml` that needs the tensor. Parameters
 * and buffers are never counted here: they are the model's own memory, not
 * activations.
 *
 * The rules are checked against PyTorch itself: test/oracle/torch_memory.py
 * sums the storages that `torch.autograd.graph.saved_tensors_hooks` sees for
 * every example network and for a tiny network per rule, whose bytes
 * test/core/memoryCases.ts derives by hand.
 */
import type { GraphNode } from '../semantics/graph';
import { elementCount } from '../shape';
import { attributesOf, type WindowedOpName } from '../ops/attributes';
import { unevenPadding } from '../ops/window';

/** The element type of a tensor autograd saves. `activation` follows the training precision (4 bytes, or 2 in mixed precision). */
export type SavedType = 'activation' | 'float32' | 'int64' | 'float64';

/** One tensor an op saves for its backward pass. */
export type SavedTensor =
  /** An input of the layer (the first by default): the storage of the layer that produced it, shared with anyone else who saves it. */
  | { of: 'input'; index?: number }
  /** The layer's own output, shared with the next layer if that saves its input. */
  | { of: 'output' }
  /**
   * A tensor the op makes for itself: `perSample` elements are multiplied by
   * the batch size, the others are fixed. `intermediate` marks a step of the
   * computation that also exists at inference, while the layer runs.
   */
  | { of: 'buffer'; name: string; elements: number; perSample: boolean; type: SavedType; intermediate?: boolean };

/** How one op uses memory while training. */
export interface MemoryRule {
  /** The tensors autograd keeps for this layer's backward pass. */
  saves(node: GraphNode): SavedTensor[];
  /** True when the output is a view of the input (no new storage): reshapes, identity, dropout with p = 0. */
  view?(node: GraphNode): boolean;
  /** How many parameter tensors the layer has (Adam keeps a step counter per tensor); 0 by default. */
  parameterTensors?(node: GraphNode): number;
  /** Why, in one or two sentences a user can check against PyTorch. */
  reason: string;
}

const input: SavedTensor = { of: 'input' };
const output: SavedTensor = { of: 'output' };
const nothing = (): SavedTensor[] => [];
const always = () => true;

/** Elements per sample of a node's output. */
function outputElements(node: GraphNode): number {
  return elementCount(node.outShape);
}

/** Weight, plus bias when the layer has one. */
function weightAndBias(node: GraphNode): number {
  return attributesOf(node, 'conv', 'conv_transpose', 'depthwise_conv', 'dense').bias === false ? 1 : 2;
}

/** Scale and shift when affine (the default), none otherwise. */
function affineTensors(node: GraphNode): number {
  return attributesOf(node, 'batchnorm', 'layernorm', 'groupnorm', 'instancenorm').affine === false ? 0 : 2;
}

/** The F.pad copy of a convolution's input: new storage of the padded size. */
function paddedInput(node: GraphNode): SavedTensor {
  const [channels, ...sizes] = node.inShapes[0];
  const left = attributesOf<WindowedOpName>(node).padLeft;
  const right = attributesOf<WindowedOpName>(node).padRight;
  const elements = channels * sizes.reduce((product, n, i) => product * (n + Number(left[i]) + Number(right[i])), 1);
  return { of: 'buffer', name: 'padded input', elements, perSample: true, type: 'activation' };
}

/** An activation whose derivative is written in terms of its input x. */
function savesInput(reason: string): MemoryRule {
  return { saves: () => [input], reason };
}

/** An activation whose derivative is written in terms of its output y. */
function savesOutput(reason: string): MemoryRule {
  return { saves: () => [output], reason };
}

/** A layer that saves nothing: its backward needs only sizes. */
function savesNothing(reason: string): MemoryRule {
  return { saves: nothing, reason };
}

/** The rule for each canonical op name (the first of an OpDefinition's names), and for the graph's `input`. */
export const memoryRules: Readonly<Record<string, MemoryRule>> = {
  input: savesNothing('The network input is saved only when the first layer saves its input (a convolution does).'),

  // Convolutions and dense layers: grad_weight = input ⋆ grad_output needs the input; the weight is a parameter.
  conv: {
    saves: (node) => (unevenPadding(node) ? [paddedInput(node)] : [input]),
    parameterTensors: weightAndBias,
    reason:
      'grad_weight is the correlation of the input with grad_output, so the input is kept (the weight is a parameter). Padding that differs before and after ("causal", an odd "same") cannot be a Conv argument: PyTorch pads with F.pad first, and the padded copy is what the convolution keeps.',
  },
  conv_transpose: { ...savesInput('As a convolution: grad_weight needs the input.'), parameterTensors: weightAndBias },
  depthwise_conv: { ...savesInput('A convolution with groups = channels: grad_weight needs the input.'), parameterTensors: weightAndBias },
  separable_conv: {
    saves: (node) => {
      // The depthwise step's output is the pointwise step's input, a tensor the graph does not show.
      const channels = node.inShapes[0][0] * Number(attributesOf(node, 'separable_conv').multiplier ?? 1);
      const positions = elementCount(node.outShape.slice(1));
      return [input, { of: 'buffer', name: 'depthwise output', elements: channels * positions, perSample: true, type: 'activation', intermediate: true }];
    },
    parameterTensors: (node) => (attributesOf(node, 'separable_conv').bias === false ? 2 : 3),
    reason: 'Two convolutions: the depthwise one keeps the input, the pointwise one keeps the depthwise output.',
  },
  dense: { ...savesInput('addmm/mm keep the input (mat1) for grad_weight = grad_outputᵀ·input; the transposed weight is a view of a parameter.'), parameterTensors: weightAndBias },

  // Normalisation: the input, and the statistics of the batch that backward reuses.
  batchnorm: {
    saves: (node) => [
      input,
      // native_batch_norm returns save_mean and save_invstd, one float32 per channel whatever the batch.
      { of: 'buffer', name: 'batch mean and inverse std', elements: 2 * node.outShape[0], perSample: false, type: 'float32' },
    ],
    parameterTensors: affineTensors,
    reason: 'native_batch_norm_backward needs the input and the batch mean and 1/std per channel (float32); the running statistics are buffers.',
  },
  layernorm: {
    saves: (node) => [
      input,
      // Normalised over the channel axis: one mean and one 1/std per sample and position.
      { of: 'buffer', name: 'mean and inverse std', elements: 2 * elementCount(node.outShape.slice(1)), perSample: true, type: 'float32' },
    ],
    parameterTensors: affineTensors,
    reason: 'native_layer_norm_backward needs the input and the mean and 1/std of every normalised group (one per sample and position).',
  },
  groupnorm: {
    saves: (node) => [input, { of: 'buffer', name: 'mean and inverse std', elements: 2 * Number(attributesOf(node, 'groupnorm').groups ?? 1), perSample: true, type: 'float32' }],
    parameterTensors: affineTensors,
    reason: 'native_group_norm_backward needs the input and the mean and 1/std of each group of each sample.',
  },
  instancenorm: {
    saves: (node) => [
      input,
      // instance_norm is batch_norm over a (1, N·C, ...) view: N·C statistics, and an affine
      // weight repeated N times (a new tensor, not the parameter).
      { of: 'buffer', name: 'mean and inverse std', elements: 2 * node.outShape[0], perSample: true, type: 'float32' },
      ...(attributesOf(node, 'instancenorm').affine === true ? [{ of: 'buffer' as const, name: 'repeated weight', elements: node.outShape[0], perSample: true, type: 'float32' as const }] : []),
    ],
    parameterTensors: affineTensors,
    reason: 'instance_norm runs batch_norm on a (1, N·C, ...) view: the input, N·C means and 1/stds, and with affine the weight repeated N times.',
  },

  // Activations: whichever of input or output their derivative is written in.
  relu: savesOutput('threshold_backward(grad, result, 0): the output, which an in-place ReLU shares with the layer before.'),
  relu6: savesInput('hardtanh_backward(grad, self, 0, 6): the input, in the in-place form (ReLU6(inplace=True)) too, which keeps a copy of it.'),
  leaky_relu: savesInput('leaky_relu_backward(grad, self, slope): the input, as nn.LeakyReLU() does by default; the in-place form keeps its output instead.'),
  elu: savesInput('elu_backward(grad, ..., self): the input, as nn.ELU() does by default; the in-place form keeps its output instead.'),
  gelu: savesInput('gelu_backward(grad, self): the derivative is written in the input.'),
  silu: savesInput('silu_backward(grad, self); an in-place SiLU keeps a copy of its input, the same bytes.'),
  sigmoid: savesOutput('sigmoid_backward(grad, result): σ′ = y(1 − y).'),
  tanh: savesOutput('tanh_backward(grad, result): tanh′ = 1 − y².'),
  hardswish: savesInput('hardswish_backward(grad, self); an in-place one keeps a copy of its input, the same bytes.'),
  hardsigmoid: savesInput('hardsigmoid_backward(grad, self).'),
  mish: savesInput('mish_backward(grad, self).'),
  softplus: savesInput('softplus_backward(grad, self, beta, threshold).'),
  softmax: savesOutput('_softmax_backward_data(grad, result): the Jacobian is written in the output.'),
  log_softmax: savesOutput('_log_softmax_backward_data(grad, result).'),
  identity: { saves: nothing, view: always, reason: 'nn.Identity returns its input: no new tensor, nothing saved.' },
  prelu: {
    saves: () => [input],
    parameterTensors: () => 1,
    reason: 'prelu backward needs the input (and the slope, a parameter).',
  },
  lrn: {
    saves: (node) => {
      // F.local_response_norm: squares x·x (mul keeps x), zero-pads them on the channel
      // axis by size-1 in all (avg_pool keeps that padded tensor), then div = (avg·alpha + k)^beta
      // (mul keeps alpha as a 0-d float64 tensor, pow keeps its base) and x / div (div keeps div).
      const channels = node.outShape[0];
      const positions = elementCount(node.outShape.slice(1));
      const size = Number(attributesOf(node, 'lrn').size ?? 1);
      return [
        input,
        { of: 'buffer', intermediate: true, name: 'padded squares', elements: (channels + size - 1) * positions, perSample: true, type: 'activation' },
        { of: 'buffer', intermediate: true, name: 'pow base', elements: channels * positions, perSample: true, type: 'activation' },
        { of: 'buffer', intermediate: true, name: 'divisor', elements: channels * positions, perSample: true, type: 'activation' },
        { of: 'buffer', name: 'alpha', elements: 1, perSample: false, type: 'float64' },
      ];
    },
    reason: 'F.local_response_norm is composite: the input, the zero-padded squares the averaging keeps, the base of the power, the divisor, and alpha as a 0-d float64 tensor.',
  },
  dropout: {
    saves: (node) => {
      const p = Number(attributesOf(node, 'dropout').p ?? 0.5);
      if (p === 0) return [];
      if (p === 1) return [{ of: 'buffer', name: 'zero', elements: 1, perSample: false, type: 'activation' }];
      // dropout1d/2d/3d drop whole channels: the noise has one value per sample and channel.
      const perChannel = node.written !== 'dropout';
      const elements = perChannel ? node.outShape[0] : outputElements(node);
      return [{ of: 'buffer', name: 'mask', elements, perSample: true, type: 'activation' }];
    },
    view: (node) => Number(attributesOf(node, 'dropout').p ?? 0.5) === 0,
    reason:
      'input · noise keeps the noise (the scaled mask) in the activation type: one value per element, or per channel for dropout1d/2d/3d. ' +
      'On CUDA, nn.Dropout keeps a 1-byte bool mask instead. p = 0 returns the input.',
  },

  // Pooling.
  maxpool: {
    saves: (node) => [input, { of: 'buffer', name: 'indices', elements: outputElements(node), perSample: true, type: 'int64' }],
    reason: 'max_pool*_with_indices_backward needs the input and the int64 index of every maximum.',
  },
  avgpool: savesInput('avg_pool*_backward is passed the input (it reads only its size, but autograd keeps the tensor).'),
  global_avgpool: savesInput('A mean over the spatial axes (what adaptive_avg_pool to 1 runs); PyTorch 1.13 keeps its input for the backward of mean.'),
  global_maxpool: {
    saves: (node) => [input, { of: 'buffer', name: 'indices', elements: node.outShape[0], perSample: true, type: 'int64' }],
    reason: 'adaptive_max_pool to 1 keeps the input and the int64 index of each channel’s maximum.',
  },
  adaptive_avgpool: savesInput('_adaptive_avg_pool*_backward is passed the input; pooling to size 1 runs a mean, which PyTorch 1.13 also keeps its input for.'),
  adaptive_maxpool: {
    saves: (node) => [input, { of: 'buffer', name: 'indices', elements: outputElements(node), perSample: true, type: 'int64' }],
    reason: 'adaptive_max_pool*_backward needs the input and the int64 index of every maximum.',
  },

  // Shape ops and merges.
  flatten: { saves: nothing, view: always, reason: 'A view of its input: no new tensor, and its backward is a reshape.' },
  reshape: { saves: nothing, view: always, reason: 'A view of its input: no new tensor, and its backward is a reshape.' },
  pad: savesNothing('constant_pad_nd backward slices the gradient: sizes only.'),
  upsample: savesNothing('upsample_nearest/bilinear backward needs only the sizes and scales.'),
  add: savesNothing('The gradient of a sum passes through unchanged.'),
  concat: savesNothing('cat backward slices the gradient by the input sizes.'),
  multiply: {
    saves: (node) => node.inputs.map((_, index) => ({ of: 'input' as const, index })),
    reason: 'mul keeps both factors: the gradient of each is the gradient times the other.',
  },

  // Channel ops (language v1.1).
  slice: { saves: nothing, view: always, reason: 'x[:, a:b] (narrow) is a view of its input, and its backward pads the gradient: sizes only.' },
  channel_shuffle: savesNothing('A reshape, a transpose and a contiguous copy: the copy is new storage, and every backward step is a permutation of the gradient.'),
  pixel_shuffle: savesNothing('pixel_shuffle backward is pixel_unshuffle of the gradient: sizes only, new storage for the output.'),
  layer_scale: {
    saves: () => [input],
    parameterTensors: () => 1,
    reason: 'gamma * x keeps x for the gradient of gamma (gamma itself is a parameter, not an activation).',
  },
};

/** The rule for an op, or the conservative fallback (keep the input) for an op the table does not know. */
export function memoryRule(op: string): MemoryRule {
  return memoryRules[op] ?? fallbackRule;
}

const fallbackRule: MemoryRule = savesInput('No rule for this op yet: assumed to keep its input, as most layers do.');
