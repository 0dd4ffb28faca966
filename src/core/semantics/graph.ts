/**
 * The expanded dataflow graph of a network: every layer that runs, once per
 * block call and per repeat pass, with its inputs, resolved settings and
 * source line. The preview's diagram and its forward-pass engine both read
 * this, so what they draw and run is exactly what the analysis counted.
 */
import type { Range } from '../diagnostics';
import type { Attributes, GraphFieldRule, ParamCounts } from '../types';

/** A compound statement that encloses layers: a block call, repeat pass, residual or concat. */
export interface GraphGroup {
  /** Unique within the graph: two calls of one block are two groups. */
  id: number;
  kind: 'block' | 'repeat' | 'residual' | 'concat';
  /** `stage(64)`, `repeat ×3 (pass 2)`, `residual`, `concat`. */
  label: string;
  /** The statement that opened the group. */
  range: Range;
  /** The enclosing group, if any. */
  parent?: number;
}

/** One layer of the graph. Node 0 is the network's `input`. */
export interface GraphNode {
  id: number;
  /** The canonical op name (`conv`, `maxpool`, `add`, ...), or `input`. */
  op: string;
  /** The name as written (`conv2d`, `swish`). */
  written: string;
  /** Ids of the nodes whose outputs this layer reads, in order: the current tensor first, then labels. */
  inputs: number[];
  /** Shapes of those inputs, channels first, no batch. */
  inShapes: number[][];
  outShape: number[];
  attributes: Attributes;
  params: ParamCounts;
  macs: number;
  /** The statement's source range: the layer's own line, also inside a block. */
  range: Range;
  /** The innermost enclosing group, if any. */
  group?: number;
  /** The index of the network's top-level statement this layer belongs to (`input` is 0). */
  statement: number;
  /** The label this statement binds, if any. */
  label?: string;
  /** How the layer maps receptive fields: its op's step, or a merge of its inputs (absent for `input` and failed layers). */
  field?: GraphFieldRule;
  /**
   * True for a layer whose analysis failed (its diagnostic says why): it is
   * recorded so a diagram shows where the network breaks. It has an empty
   * `outShape` and no attributes, no node reads it, and its graph is never
   * complete.
   */
  failed?: boolean;
}

/** The graph of one network. */
export interface NetworkGraph {
  name: string;
  nodes: GraphNode[];
  groups: GraphGroup[];
  /** The node whose output is the network's output; null when analysis stopped early. */
  output: number | null;
  /**
   * False when some statement failed or its input was unknown: the graph then
   * holds only the layers before the first failure, and runners must say so.
   */
  complete: boolean;
}
