/**
 * The data types shared by the core's layers: argument values, the settings an
 * op resolves for its layer, receptive fields and the step each layer applies
 * to them, parameter counts. The ops produce them and the analysis, the graph,
 * memory and export read them, so they live here, importing nothing, and no
 * layer of the core has to reach up into another to name them.
 */

/** A runtime value of an argument expression. */
export type Value =
  | { kind: 'number'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'tuple'; items: Value[] }
  | { kind: 'shape'; dims: (number | null)[] }
  /** A name with no parameter behind it: a label reference, or a mistake the consumer reports. */
  | { kind: 'name'; name: string };

/** A resolved setting of a layer: numbers per spatial axis, flags, words. */
export type AttributeValue = number | number[] | boolean | string;

/**
 * The settings an executor needs, resolved by the op itself (the same code
 * that computed the shape): e.g. a convolution's `kernel`, `stride`,
 * `dilation`, `padLeft`, `padRight` (per spatial axis), `groups`, `bias`.
 * Each op family documents its keys where it fills them.
 */
export type Attributes = Record<string, AttributeValue>;

/** Receptive field of one tensor, one entry per spatial axis. */
export interface ReceptiveField {
  size: number[];
  jump: number[];
  start: number[];
  /**
   * Set when a path through a global pooling (a squeeze-excitation gate)
   * reaches this tensor: every unit then depends on the whole input, and
   * size/jump/start describe the local field without the gate. Names the
   * gate, e.g. `multiply(se) at line 12`.
   */
  gate?: string;
}

/** How one layer maps receptive fields. */
export type ReceptiveFieldStep =
  /**
   * Sliding windows (conv, pooling): `kernel` is the span d(k-1)+1 of the window,
   * `dilation` the spacing of its taps (1 when absent), `padLeft` the padding in front.
   */
  | { kind: 'window'; kernel: number[]; stride: number[]; padLeft: number[]; dilation?: number[] }
  /** Transposed convolution: output q receives input i when q = i·s - padLeft + j·d for a tap j. */
  | { kind: 'transpose'; kernel: number[]; stride: number[]; padLeft: number[]; dilation?: number[] }
  /**
   * Interpolation with PyTorch's source indices; `ratio` is the scale PyTorch
   * uses to find them (1/scale_factor when a scale was given, in/out for a size).
   */
  | { kind: 'upsample'; mode: 'nearest' | 'linear' | 'cubic'; inSizes: number[]; outSizes: number[]; ratio: number[] }
  /** Adaptive pooling: output cell i covers [floor(i·in/out), ceil((i+1)·in/out)). */
  | { kind: 'adaptive'; inSizes: number[]; outSizes: number[] }
  /** Zero padding in front of each axis. */
  | { kind: 'pad'; padLeft: number[] }
  /** A slice of one spatial axis (0-based among the spatial axes) starting at `start`. */
  | { kind: 'slice'; axis: number; start: number }
  /** Pixel shuffle: output index q comes from input index floor(q / factor) on every spatial axis. */
  | { kind: 'pixelShuffle'; factor: number }
  /** Element-wise and channel-only ops. */
  | { kind: 'keep' }
  /** A dense layer on a tensor that still has spatial axes: the last axis is mixed whole. */
  | { kind: 'mixLast' }
  /** The spatial axes are gone (flatten, global pooling, reshape that moves them). */
  | { kind: 'drop' };

/** A layer's receptive-field rule as the graph records it: a step, or a merge of its inputs. */
export type GraphFieldRule = ReceptiveFieldStep | { kind: 'merge' };

/** Trainable and non-trainable (running statistics) parameter counts. */
export interface ParamCounts {
  trainable: number;
  nonTrainable: number;
}
