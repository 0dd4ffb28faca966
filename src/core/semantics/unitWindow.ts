/**
 * The exact receptive field of one output unit: the input index range it
 * depends on, per spatial axis. Size, jump and start describe a field that
 * moves in equal steps; transposed convolutions, upsampling and adaptive
 * pooling place windows unevenly, so this walks the unit's index range back
 * through every layer of the graph with that layer's own index rule
 * (PyTorch's start/end cells for adaptive pooling, the source indices of
 * nearest and linear interpolation, the input rows that reach a transposed
 * output) and takes the union where paths merge.
 *
 * Two answers come back per axis:
 * - `window`: the range walked back without clipping, so it may extend past
 *   the image into the padding;
 * - `visible`: the input positions the unit really reads, walked back as
 *   exact sets clipped to every tensor (dilated taps skip positions; a floor
 *   that drops trailing rows drops them), as the bounding box of the set. With
 *   positive weights, identity activations and averaged max pooling, it is the
 *   bounding box of the non-zero input gradient.
 */
import type { GraphFieldRule } from '../types';
import type { NetworkGraph } from './graph';
import type { Analysis } from './results';
import { axisSourceRange, axisSourceSet } from './indexRules';

/** The exact field of one unit. Ranges are inclusive input indices, one per spatial axis. */
export interface UnitWindow {
  window: [number, number][];
  /** Null when the unit reads no input position at all (it sees only padding). */
  visible: [number, number][] | null;
}

/** What reaches one node: unclipped ranges and clipped marks per spatial axis (both empty for a tensor without spatial axes). */
export interface Reach {
  ranges: [number, number][];
  marks: Uint8Array[];
}

/** The reach of one unit at its own node: its index on every axis, unclipped and marked. */
export function unitReach(sizes: number[], at: number[]): Reach {
  return {
    ranges: at.map((i) => [i, i]),
    marks: sizes.map((n, axis) => {
      const marks = new Uint8Array(n);
      marks[at[axis]] = 1;
      return marks;
    }),
  };
}

/**
 * Walks `start`, the reach at node `nodeId`'s output, back through the graph
 * and returns what reaches every node on the way (node 0 is the input). Node
 * ids are in evaluation order, so every input has a smaller id than its reader.
 */
export function walkBack(graph: NetworkGraph, nodeId: number, start: Reach): Map<number, Reach> {
  const reach = new Map<number, Reach>();
  reach.set(nodeId, start);
  for (let id = nodeId; id > 0; id--) {
    const state = reach.get(id);
    const node = graph.nodes[id];
    if (!state || !node) continue;
    node.inputs.forEach((inputId, k) => {
      const back = stepBack(node.field, state, inputShapeOf(graph, id, k).slice(1), node.outShape.slice(1));
      const known = reach.get(inputId);
      reach.set(inputId, known ? unite(known, back) : back);
    });
  }
  return reach;
}

/** The shape of input `k` of node `id`, channels first. */
export function inputShapeOf(graph: NetworkGraph, id: number, k: number): number[] {
  const node = graph.nodes[id];
  return node?.inShapes[k] ?? graph.nodes[node?.inputs[k] ?? -1]?.outShape ?? [];
}

/** The window and visible box of what reached the input; null when it has other axes than the input. */
export function windowAtInput(graph: NetworkGraph, atInput: Reach | undefined): UnitWindow | null {
  const inputSizes = graph.nodes[0]?.outShape.slice(1) ?? [];
  if (!atInput || atInput.ranges.length !== inputSizes.length) return null;
  const visible: [number, number][] = [];
  for (const marks of atInput.marks) {
    const first = marks.indexOf(1);
    if (first < 0) return { window: atInput.ranges, visible: null };
    visible.push([first, marks.lastIndexOf(1)]);
  }
  return { window: atInput.ranges, visible };
}

/**
 * The exact field of output unit `at` (spatial indices, 0-based) of graph node
 * `nodeId`; null when the node has no spatial axes, `at` is outside its
 * output, or the graph lacks the node.
 */
export function unitWindow(graph: NetworkGraph, nodeId: number, at: number[]): UnitWindow | null {
  const target = graph.nodes[nodeId];
  const inputNode = graph.nodes[0];
  if (!target || !inputNode || target.failed) return null;
  const sizes = target.outShape.slice(1);
  if (sizes.length === 0 || at.length !== sizes.length || at.some((i, axis) => !Number.isInteger(i) || i < 0 || i >= sizes[axis])) return null;
  return windowAtInput(graph, walkBack(graph, nodeId, unitReach(sizes, at)).get(0));
}

/**
 * The cone of output unit `at` of node `nodeId`: for every node the unit
 * depends on (itself and node 0 included), the inclusive index range of that
 * node's output it reaches, per spatial axis, clipped to the tensor; null
 * for an axis the unit reaches nowhere (only padding). Nodes without spatial
 * axes get an empty list. Outside these ranges the unit's gradient with
 * respect to a node's output is zero, so the preview's effective field
 * computes only inside them. Undefined for a unit that `unitWindow` refuses.
 */
export function unitCone(graph: NetworkGraph, nodeId: number, at: number[]): Map<number, ([number, number] | null)[]> | undefined {
  const target = graph.nodes[nodeId];
  if (!target || target.failed) return undefined;
  const sizes = target.outShape.slice(1);
  if (sizes.length === 0 || at.length !== sizes.length || at.some((i, axis) => !Number.isInteger(i) || i < 0 || i >= sizes[axis])) return undefined;
  const cone = new Map<number, ([number, number] | null)[]>();
  for (const [id, reach] of walkBack(graph, nodeId, unitReach(sizes, at))) {
    const outSizes = graph.nodes[id]?.outShape.slice(1) ?? [];
    cone.set(
      id,
      reach.ranges.length !== outSizes.length
        ? outSizes.map((n) => [0, n - 1])
        : reach.ranges.map(([lo, hi], axis) => {
            const from = Math.max(0, lo);
            const to = Math.min(outSizes[axis] - 1, hi);
            return from <= to ? [from, to] : null;
          }),
    );
  }
  return cone;
}

/** Walks one node's reach back to one of its inputs. */
export function stepBack(rule: GraphFieldRule | undefined, state: Reach, inSizes: number[], outSizes: number[]): Reach {
  const whole = (): Reach => ({ ranges: inSizes.map((n) => [0, n - 1]), marks: inSizes.map((n) => new Uint8Array(n).fill(1)) });
  if (inSizes.length === 0) return { ranges: [], marks: [] };
  if (!rule || rule.kind === 'drop' || outSizes.length !== inSizes.length) return whole();
  if (rule.kind === 'merge') {
    // A broadcast operand (a Cx1x1 gate) gives every unit its single position.
    const broadcast = inSizes.map((n, axis) => n === 1 && outSizes[axis] !== 1);
    return {
      ranges: state.ranges.map((r, axis) => (broadcast[axis] ? [0, 0] : r)),
      marks: state.marks.map((m, axis) => (broadcast[axis] ? new Uint8Array(1).fill(m.includes(1) ? 1 : 0) : m)),
    };
  }
  if (rule.kind === 'keep') return state;
  if (rule.kind === 'mixLast') {
    const last = inSizes.length - 1;
    return {
      ranges: state.ranges.map((r, axis) => (axis === last ? [0, inSizes[axis] - 1] : r)),
      marks: state.marks.map((m, axis) => (axis === last ? new Uint8Array(inSizes[axis]).fill(m.includes(1) ? 1 : 0) : m)),
    };
  }
  const ranges: [number, number][] = [];
  const marks: Uint8Array[] = [];
  for (let axis = 0; axis < inSizes.length; axis++) {
    const [a, b] = state.ranges[axis];
    // A range that reads nothing (only padding) keeps its place, so the union with other paths stays sensible.
    ranges.push(axisSourceRange(rule, axis, a, b, inSizes[axis], outSizes[axis], false) ?? [a, b]);
    marks.push(axisSourceSet(rule, axis, state.marks[axis], inSizes[axis]));
  }
  return { ranges, marks };
}

function unite(a: Reach, b: Reach): Reach {
  if (a.ranges.length !== b.ranges.length) return a.ranges.length >= b.ranges.length ? a : b;
  return {
    ranges: a.ranges.map((r, axis) => [Math.min(r[0], b.ranges[axis][0]), Math.max(r[1], b.ranges[axis][1])]),
    marks: a.marks.map((m, axis) => {
      const other = b.marks[axis];
      const out = new Uint8Array(m.length);
      for (let i = 0; i < m.length; i++) out[i] = m[i] | (other[i] ?? 0);
      return out;
    }),
  };
}

/** The centre unit of an output: floor((n-1)/2) per spatial axis. */
export function centreUnit(shape: number[]): number[] {
  return shape.slice(1).map((n) => Math.floor((n - 1) / 2));
}

/** The answer of `cnn rf`: one unit's exact field at a top-level statement. */
export interface StatementUnitField {
  network: string;
  /** The 1-based line asked for. */
  line: number;
  outShape: number[];
  at: number[];
  window: [number, number][];
  visible: [number, number][] | null;
}

/**
 * The exact field of one unit of the top-level statement at a 1-based line
 * (the last statement ending on that line, else the last starting on it),
 * from an analysis made with `graph: true`. `at` defaults to the centre
 * unit. Returns a message instead when the line, the unit or the statement
 * does not allow an answer.
 */
export function statementUnitField(analysis: Analysis, line: number, at?: number[]): StatementUnitField | { error: string } {
  const row = line - 1;
  for (const [index, network] of analysis.networks.entries()) {
    const body = network.declaration.body;
    const ending = body.filter((s) => s.range.end.line === row);
    const starting = body.filter((s) => s.range.start.line === row);
    const statement = ending.at(-1) ?? starting.at(-1);
    if (!statement) continue;
    const graph = analysis.graphs?.[index];
    const result = network.statements[body.indexOf(statement)];
    if (!graph || !result?.outShape || result.failed) return { error: `the statement at line ${line} has no output to trace (it failed or its input is unknown); fix the errors first.` };
    const outShape = result.outShape;
    if (outShape.length < 2) return { error: `the statement at line ${line} gives ${outShape.join('x')}, which has no spatial axes, so its units see the whole input.` };
    const statementIndex = body[0]?.body.kind === 'call' && body[0].body.name === 'input' ? body.indexOf(statement) : body.indexOf(statement) + 1;
    const node = graph.nodes.filter((n) => n.statement === statementIndex && !n.failed).at(-1);
    if (!node) return { error: `the statement at line ${line} has no layer to trace.` };
    const unit = at ?? centreUnit(outShape);
    const sizes = outShape.slice(1);
    if (unit.length !== sizes.length || unit.some((i, axis) => !Number.isInteger(i) || i < 0 || i >= sizes[axis])) {
      return { error: `--at ${unit.join(',')} is not a unit of the ${outShape.join('x')} output: give ${sizes.length} 0-based indices below ${sizes.join(', ')}.` };
    }
    const field = unitWindow(graph, node.id, unit);
    if (!field) return { error: `the statement at line ${line} cannot be traced back to the input.` };
    return { network: network.name, line, outShape, at: unit, window: field.window, visible: field.visible };
  }
  return { error: `line ${line} holds no top-level statement of a network.` };
}
