/**
 * Recording a network's expanded dataflow graph while it is evaluated. The
 * evaluator always talks to a recorder; when no graph was asked for it gets
 * `notRecording`, whose methods do nothing, so evaluation code never checks
 * whether a graph is being built.
 */
import type { Range } from '../diagnostics';
import type { Tensor } from '../ops/types';
import type { Attributes, GraphFieldRule, ParamCounts } from '../types';
import type { GraphGroup, GraphNode, NetworkGraph } from './graph';
import { zeroParams } from './totals';

/** A layer to record, as the evaluator knows it. */
export interface NodeToRecord {
  op: string;
  written: string;
  inputs: Tensor[];
  outShape: number[];
  range: Range;
  label?: string;
  attributes?: Attributes;
  params?: ParamCounts;
  macs?: number;
  failed?: boolean;
  field?: GraphFieldRule;
}

/** Where the evaluator records the graph of the network being analysed. */
export interface GraphRecorder {
  /** True when a graph is being built (repeats are then evaluated pass by pass). */
  readonly recording: boolean;
  /** Sets the index of the top-level statement being evaluated, for `GraphNode.statement`. */
  atStatement(index: number): void;
  /** Records a layer inside `group` and returns its id; undefined when not recording or an input has no node. */
  addNode(node: NodeToRecord, group: number | undefined): number | undefined;
  /** Opens a group inside `parent`; returns its id (undefined when not recording). */
  openGroup(parent: number | undefined, kind: GraphGroup['kind'], label: string, range: Range): number | undefined;
  /** Marks the graph incomplete: something failed, so runners must not run it whole. */
  incomplete(): void;
  /** Binds a label to the node that produced `output`, unless it has one already. */
  labelNode(output: Tensor | null, label: string): void;
  /** Ends the network: its output tensor; returns the finished graph (undefined when not recording). */
  finish(output: Tensor | null): NetworkGraph | undefined;
}

/** The recorder when no graph was asked for. */
export const notRecording: GraphRecorder = {
  recording: false,
  atStatement: () => undefined,
  addNode: () => undefined,
  openGroup: () => undefined,
  incomplete: () => undefined,
  labelNode: () => undefined,
  finish: () => undefined,
};

/**
 * The most layers one network's graph records. A graph expands every repeat
 * pass and block call, which the plain analysis extrapolates and reuses: a
 * megabyte file of nested repeats recorded 600,000 layers (4 s) before the
 * work budget stopped it, while the valid megabyte files record at most
 * 120,000. Nothing shows or plans a graph this large anyway: training memory
 * and the preview's forward pass need a network's whole graph.
 */
export const maxGraphLayers = 250_000;

/** Thrown when a network's graph would pass `maxGraphLayers`; the network's analysis with graphs stops with `too-large`. */
export class GraphTooLarge extends Error {}

/** Records one network's graph. */
export class NetworkGraphRecorder implements GraphRecorder {
  readonly recording = true;
  private readonly graph: NetworkGraph;
  private statementIndex = 0;

  constructor(name: string) {
    this.graph = { name, nodes: [], groups: [], output: null, complete: true };
  }

  atStatement(index: number): void {
    this.statementIndex = index;
  }

  addNode(node: NodeToRecord, group: number | undefined): number | undefined {
    const graph = this.graph;
    if (node.inputs.some((t) => t.node === undefined)) {
      // An input came from a failed statement's asserted shape: there is nothing to run it on.
      graph.complete = false;
      return undefined;
    }
    if (graph.nodes.length >= maxGraphLayers) throw new GraphTooLarge();
    const recorded: GraphNode = {
      id: graph.nodes.length,
      op: node.op,
      written: node.written,
      inputs: node.inputs.map((t) => t.node as number),
      inShapes: node.inputs.map((t) => t.shape),
      outShape: node.outShape,
      attributes: node.attributes ?? {},
      params: node.params ?? zeroParams(),
      macs: node.macs ?? 0,
      range: node.range,
      statement: this.statementIndex,
    };
    if (group !== undefined) recorded.group = group;
    if (node.label !== undefined) recorded.label = node.label;
    if (node.field !== undefined) recorded.field = node.field;
    if (node.failed) {
      recorded.failed = true;
      graph.complete = false;
    }
    graph.nodes.push(recorded);
    return recorded.id;
  }

  openGroup(parent: number | undefined, kind: GraphGroup['kind'], label: string, range: Range): number | undefined {
    const group: GraphGroup = { id: this.graph.groups.length, kind, label, range };
    if (parent !== undefined) group.parent = parent;
    this.graph.groups.push(group);
    return group.id;
  }

  incomplete(): void {
    this.graph.complete = false;
  }

  labelNode(output: Tensor | null, label: string): void {
    if (output?.node !== undefined) this.graph.nodes[output.node].label ??= label;
  }

  finish(output: Tensor | null): NetworkGraph {
    this.graph.output = output?.node ?? null;
    if (output?.node === undefined) this.graph.complete = false;
    return this.graph;
  }
}
