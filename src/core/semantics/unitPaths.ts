/**
 * What the preview shows about one unit besides its window: the layers on
 * the paths that reach it, the merges where those paths see the input around
 * different centres, and the gates through which it sees the whole input;
 * and, for the diagram's hover, the size/jump/start summary of every layer
 * of the graph (the analysis keeps it per top-level statement only).
 */
import type { NetworkGraph } from './graph';
import type { ReceptiveField } from '../types';
import { inputReceptiveField, mergeReceptiveFields, stepReceptiveField } from './receptiveField';
import { inputShapeOf, stepBack, unitReach, walkBack, windowAtInput } from './unitWindow';

/** One path into a merge, as one unit sees the input through it. */
export interface MergePath {
  /** The node the path enters the merge from. */
  from: number;
  /** The unclipped window the unit sees through this path alone (inclusive input indices per axis). */
  window: [number, number][];
  /** The window's centre per axis, in input indices. */
  centre: number[];
}

/** A merge whose paths give one unit windows with different centres. */
export interface PathDisagreement {
  /** The merge node (add, concat, multiply, ...). */
  merge: number;
  /** Every full-size path into the merge, in input order. */
  paths: MergePath[];
}

/** The paths that reach one unit. */
export interface UnitPaths {
  /** Every node on a path that reaches the unit, the unit's own node and the input included, in id order. */
  nodes: number[];
  /** Merges on those paths whose paths disagree on the centre of the unit's window. */
  disagreements: PathDisagreement[];
  /** Merges on those paths with a broadcast operand (a squeeze-excitation gate): through them the unit depends on the whole input. */
  gates: number[];
}

/** True when input `k` of merge node `id` is broadcast over the output's spatial axes (a Cx1x1 gate). */
function isBroadcast(graph: NetworkGraph, id: number, k: number): boolean {
  const out = graph.nodes[id].outShape.slice(1);
  const sizes = inputShapeOf(graph, id, k).slice(1);
  return sizes.length !== out.length || sizes.some((n, axis) => n !== out[axis]);
}

/** The graph without the broadcast operands of its merges: the local paths, whose windows can be compared. */
function withoutGates(graph: NetworkGraph): NetworkGraph {
  return {
    ...graph,
    nodes: graph.nodes.map((node) => {
      if (node.field?.kind !== 'merge' || node.inputs.length < 2) return node;
      const keep = node.inputs.map((_, k) => !isBroadcast(graph, node.id, k));
      if (keep.every(Boolean) || !keep.some(Boolean)) return node;
      return { ...node, inputs: node.inputs.filter((_, k) => keep[k]), inShapes: node.inShapes.filter((_, k) => keep[k]) };
    }),
  };
}

/**
 * The paths that reach output unit `at` of node `nodeId`: the nodes on them,
 * the merges whose full-size paths disagree on the centre of the unit's
 * window (walked without the gates, which would make every window the whole
 * input), and the gates. Null when the unit does not exist (as for `unitWindow`).
 */
export function unitPaths(graph: NetworkGraph, nodeId: number, at: number[]): UnitPaths | null {
  const target = graph.nodes[nodeId];
  if (!target || target.failed || !graph.nodes[0]) return null;
  const sizes = target.outShape.slice(1);
  if (sizes.length === 0 || at.length !== sizes.length || at.some((i, axis) => !Number.isInteger(i) || i < 0 || i >= sizes[axis])) return null;
  const reach = walkBack(graph, nodeId, unitReach(sizes, at));
  const nodes = [...reach.keys()].sort((a, b) => a - b);
  const gates = nodes.filter((id) => graph.nodes[id].field?.kind === 'merge' && graph.nodes[id].inputs.some((_, k) => isBroadcast(graph, id, k)));
  const local = withoutGates(graph);
  const localReach = walkBack(local, nodeId, unitReach(sizes, at));
  const disagreements: PathDisagreement[] = [];
  for (const id of nodes) {
    const node = local.nodes[id];
    const state = localReach.get(id);
    if (node.field?.kind !== 'merge' || node.inputs.length < 2 || !state) continue;
    const paths: MergePath[] = [];
    node.inputs.forEach((from, k) => {
      const back = stepBack(node.field, state, inputShapeOf(local, id, k).slice(1), node.outShape.slice(1));
      const field = windowAtInput(local, walkBack(local, from, back).get(0));
      if (field) paths.push({ from, window: field.window, centre: field.window.map(([lo, hi]) => (lo + hi) / 2) });
    });
    const first = paths[0];
    if (first && paths.some((p) => p.centre.some((c, axis) => Math.abs(c - first.centre[axis]) > 1e-9))) disagreements.push({ merge: id, paths });
  }
  return { nodes, disagreements, gates };
}

/**
 * The receptive-field summary (size, jump, start) of every node's output, by
 * node id, walked forward through the graph with the same rules the analysis
 * uses per statement; null for a node without spatial axes or after a failure.
 * A merge with a broadcast operand names itself as the gate.
 */
export function graphReceptiveFields(graph: NetworkGraph): (ReceptiveField | null)[] {
  const fields: (ReceptiveField | null)[] = [];
  for (const node of graph.nodes) {
    if (node.id === 0) {
      fields.push(inputReceptiveField(node.outShape.length - 1));
      continue;
    }
    const rule = node.field;
    if (!rule || node.failed) {
      fields.push(null);
      continue;
    }
    if (rule.kind !== 'merge') {
      fields.push(stepReceptiveField(fields[node.inputs[0]] ?? null, rule));
      continue;
    }
    const full = node.inputs.filter((_, k) => !isBroadcast(graph, node.id, k));
    const merged = mergeReceptiveFields((full.length ? full : node.inputs).map((id) => fields[id] ?? null)).field;
    const gated = full.length > 0 && full.length < node.inputs.length && node.outShape.length > 1;
    fields.push(merged && gated ? { ...merged, gate: `${node.written} at line ${node.range.start.line + 1}` } : merged);
  }
  return fields;
}
