/**
 * The diagram model: what the diagram draws, built from a network's expanded
 * graph without touching the DOM. Collapsed groups become single nodes, edges
 * follow `inputs`, and diagnostics mark the nodes and frames they fall in.
 */
import { type Position, type Range, type Severity, type GraphGroup, type GraphNode, type NetworkGraph, withCommas } from '../../../src/core';
import { argumentText, formatShapeText, titleText } from './format';

/** A finding to mark on the diagram: the node (or collapsed group) whose range contains its start shows it. */
export interface DiagramDiagnostic {
  range: Range;
  severity: Severity;
  message: string;
}

/** One box of the diagram: a layer, or a collapsed block call or repeat standing for all its layers. */
export interface DiagramNode {
  /** `n<graph node id>` for a layer, `g<group id>` for a collapsed group. */
  id: string;
  kind: 'layer' | 'group';
  /** For a collapsed group, the group's id. */
  groupId?: number;
  /** The graph nodes this box stands for, in graph order. */
  graphNodes: number[];
  /** The canonical op (`conv`), or the group kind (`block`, `repeat`) for a collapsed group. */
  op: string;
  /** The op as written (`conv2d`), or the group's label (`Bottleneck(64, 2)`). */
  title: string;
  /** Key arguments ("64, 3x3, s2, p1"), or "9 layers" for a collapsed group. */
  args: string;
  /** Output shape, "64x112x112". */
  shape: string;
  /** Trainable parameters (a collapsed group's total). */
  params: number;
  /** `params` with thousands separators, "9,408". */
  paramsText: string;
  /** Where a click takes the editor: the layer's statement, or the group's call. */
  range: Range;
  /** Source ranges whose lines highlight this node when the cursor is on them. */
  lines: Range[];
  /** The expanded groups drawn around this node, innermost first. */
  frames: number[];
  /** The worst diagnostic inside, if any. */
  severity?: Severity;
  /** Messages of the diagnostics inside, for the tooltip. */
  messages: string[];
}

/** A connection between two boxes. */
export interface DiagramEdge {
  id: string;
  from: string;
  to: string;
  /** `skip` for a merge's second and later inputs: residual shortcuts and labelled skips. */
  kind: 'data' | 'skip';
  /** The label the skip reads (`enc3`), if it was named. */
  label?: string;
}

/** An expanded block call or repeat, drawn as a frame around its boxes. */
export interface DiagramFrame {
  groupId: number;
  kind: GraphGroup['kind'];
  label: string;
  range: Range;
  /** The enclosing frame's group id. */
  parent?: number;
  /** 0 for a frame with no frame inside, else one more than the deepest frame inside. */
  level: number;
  /** Every box inside, nested frames' boxes included. */
  members: string[];
  severity?: Severity;
  messages: string[];
}

/** Everything the diagram draws for one network. */
export interface DiagramModel {
  name: string;
  /** False when analysis stopped early: the diagram shows the layers up to the failure. */
  complete: boolean;
  nodes: DiagramNode[];
  edges: DiagramEdge[];
  frames: DiagramFrame[];
  /** Group ids a user can collapse or expand. */
  collapsible: number[];
  /** The collapsible groups that are collapsed. */
  collapsed: number[];
  /** Trainable parameters of the whole network. */
  totalParams: number;
  /**
   * Changes only when boxes, edges or frames change, not when numbers or
   * shapes do: a layout cached under this key still fits.
   */
  structureKey: string;
}

/** Options of `buildDiagramModel`. */
export interface DiagramModelOptions {
  /** Groups to draw as one box; ids that are not collapsible are ignored. Default: `defaultCollapsed(graph)`. */
  collapsed?: Iterable<number>;
  diagnostics?: readonly DiagramDiagnostic[];
}

/** Networks with more layers than this start with their outermost block calls collapsed. */
export const collapseThreshold = 150;

const severityRank: Record<Severity, number> = { info: 1, warning: 2, error: 3 };

function groupIndex(graph: NetworkGraph): Map<number, GraphGroup> {
  return new Map(graph.groups.map((g) => [g.id, g]));
}

/** A repeat's passes are groups too; they are drawn as part of their repeat, never on their own. */
function isPass(group: GraphGroup, groups: Map<number, GraphGroup>): boolean {
  if (group.kind !== 'repeat' || group.parent === undefined) return false;
  const parent = groups.get(group.parent);
  return parent !== undefined && parent.kind === 'repeat' && !isPass(parent, groups);
}

/** Block calls and repeats can be collapsed; residual, concat and repeat passes are drawn through their edges. */
export function collapsibleGroups(graph: NetworkGraph): number[] {
  const groups = groupIndex(graph);
  return graph.groups.filter((g) => g.kind === 'block' || (g.kind === 'repeat' && !isPass(g, groups))).map((g) => g.id);
}

/**
 * For a large network (over `collapseThreshold` layers), the block calls to
 * draw as single boxes; else none. It picks the deepest nesting level of block
 * calls whose collapse keeps the diagram within `collapseThreshold` boxes, so
 * ResNet-152 shows its 50 bottlenecks inside their 4 stages rather than 4
 * opaque stages; when even the outermost calls leave too many boxes, it
 * collapses those.
 */
export function defaultCollapsed(graph: NetworkGraph): number[] {
  if (graph.nodes.length <= collapseThreshold) return [];
  const groups = groupIndex(graph);
  // The block calls around each group, outermost first; a cycle in bad input stops the walk.
  const blockChain = (groupId: number | undefined): number[] => {
    const chain: number[] = [];
    const seen = new Set<number>();
    for (let g = groupId; g !== undefined && !seen.has(g); g = groups.get(g)?.parent) {
      seen.add(g);
      if (groups.get(g)?.kind === 'block') chain.unshift(g);
    }
    return chain;
  };
  const chains = graph.nodes.map((n) => blockChain(n.group));
  const deepest = Math.max(0, ...chains.map((c) => c.length));
  const boxesAt = (depth: number): number => new Set(chains.map((c, i) => (c.length > depth ? `g${c[depth]}` : `n${i}`))).size;
  let depth = deepest - 1;
  while (depth > 0 && boxesAt(depth) > collapseThreshold) depth--;
  const blocks = depth < 0 ? [] : graph.groups.filter((g) => g.kind === 'block' && blockChain(g.id).length === depth + 1).map((g) => g.id);
  if (depth >= 0 && boxesAt(depth) <= collapseThreshold) return blocks;
  // Still too many boxes (say `repeat(500) { conv; relu }` outside any block): the outermost repeats collapse too.
  const collapsedBlocks = new Set(blocks);
  const outermostRepeats = graph.groups.filter((g) => {
    if (g.kind !== 'repeat' || isPass(g, groups)) return false;
    for (let p = g.parent, steps = 0; p !== undefined && steps <= groups.size; p = groups.get(p)?.parent, steps++) {
      const parent = groups.get(p);
      if (collapsedBlocks.has(p) || (parent?.kind === 'repeat' && !isPass(parent, groups))) return false;
    }
    return true;
  });
  return [...blocks, ...outermostRepeats.map((g) => g.id)];
}

function before(a: Position, b: Position): boolean {
  return a.line < b.line || (a.line === b.line && a.character <= b.character);
}

/** Whether `range` contains `position`, both ends included, so a diagnostic at a statement's end still counts. */
export function rangeContains(range: Range, position: Position): boolean {
  return before(range.start, position) && before(position, range.end);
}

function mark(target: { severity?: Severity; messages: string[] }, ranges: readonly Range[], diagnostics: readonly DiagramDiagnostic[]): void {
  for (const d of diagnostics) {
    if (!ranges.some((r) => rangeContains(r, d.range.start))) continue;
    target.messages.push(d.message);
    if (!target.severity || severityRank[d.severity] > severityRank[target.severity]) target.severity = d.severity;
  }
}

/** Builds what the diagram draws for `graph`; never throws on a partial or inconsistent graph. */
export function buildDiagramModel(graph: NetworkGraph, options: DiagramModelOptions = {}): DiagramModel {
  const groups = groupIndex(graph);
  const collapsible = collapsibleGroups(graph);
  const collapsibleSet = new Set(collapsible);
  const wanted = new Set(options.collapsed ?? defaultCollapsed(graph));
  const collapsed = collapsible.filter((id) => wanted.has(id));
  const collapsedSet = new Set(collapsed);
  const diagnostics = options.diagnostics ?? [];
  const nodesById = new Map(graph.nodes.map((n) => [n.id, n]));

  // Ancestors of each group, outermost first, computed once (ResNet-152 has 204 groups).
  const chains = new Map<number, number[]>();
  const chainOf = (groupId: number | undefined): number[] => {
    if (groupId === undefined || !groups.has(groupId)) return [];
    const known = chains.get(groupId);
    if (known) return known;
    chains.set(groupId, []); // A cycle in bad input ends here instead of recursing forever.
    const chain = [...chainOf(groups.get(groupId)?.parent), groupId];
    chains.set(groupId, chain);
    return chain;
  };

  /** The box a graph node is drawn in: its outermost collapsed group, or itself. */
  const unitOf = (node: GraphNode): string => {
    const hidden = chainOf(node.group).find((g) => collapsedSet.has(g));
    return hidden === undefined ? `n${node.id}` : `g${hidden}`;
  };
  const framesOf = (node: GraphNode): number[] =>
    chainOf(node.group)
      .filter((g) => collapsibleSet.has(g))
      .reverse();

  const nodes: DiagramNode[] = [];
  const byId = new Map<string, DiagramNode>();
  const members = new Map<string, GraphNode[]>();
  for (const node of graph.nodes) {
    const unit = unitOf(node);
    const list = members.get(unit);
    if (list) {
      list.push(node);
      continue;
    }
    members.set(unit, [node]);
  }

  for (const [unit, list] of members) {
    const first = list[0];
    if (unit.startsWith('n')) {
      const labels = first.inputs.slice(1).flatMap((i) => {
        const label = nodesById.get(i)?.label;
        return label ? [label] : [];
      });
      const item: DiagramNode = {
        id: unit,
        kind: 'layer',
        graphNodes: [first.id],
        op: first.op,
        title: titleText(first),
        // A layer whose analysis failed has no settings or shape to show; its diagnostic marks it.
        args: first.failed ? '' : argumentText(first, labels),
        shape: first.failed ? '?' : formatShapeText(first.outShape),
        params: first.params.trainable,
        paramsText: withCommas(first.params.trainable),
        range: first.range,
        lines: [first.range],
        frames: framesOf(first),
        messages: [],
      };
      mark(item, item.lines, diagnostics);
      nodes.push(item);
      byId.set(unit, item);
    } else {
      const groupId = Number(unit.slice(1));
      const group = groups.get(groupId) as GraphGroup;
      const last = list[list.length - 1];
      const params = list.reduce((sum, n) => sum + n.params.trainable, 0);
      const nested = graph.groups.filter((g) => chainOf(g.id).includes(groupId)).map((g) => g.range);
      const item: DiagramNode = {
        id: unit,
        kind: 'group',
        groupId,
        graphNodes: list.map((n) => n.id),
        op: group.kind,
        title: group.label,
        args: `${list.length} layer${list.length === 1 ? '' : 's'}`,
        shape: formatShapeText(last.outShape),
        params,
        paramsText: withCommas(params),
        range: group.range,
        lines: [group.range, ...nested, ...list.map((n) => n.range)],
        // A collapsed group's frames are the expanded ones around it, not itself or anything inside it.
        frames: chainOf(group.parent)
          .filter((g) => collapsibleSet.has(g))
          .reverse(),
        messages: [],
      };
      mark(item, item.lines, diagnostics);
      nodes.push(item);
      byId.set(unit, item);
    }
  }

  const edges: DiagramEdge[] = [];
  const edgeIds = new Set<string>();
  for (const node of graph.nodes) {
    const to = unitOf(node);
    const concatBranches = node.op === 'concat' && node.group !== undefined && groups.get(node.group)?.kind === 'concat' && node.written === 'concat';
    node.inputs.forEach((input, index) => {
      const source = nodesById.get(input);
      if (!source) return;
      const from = unitOf(source);
      if (from === to) return;
      const id = `e${from}-${to}`;
      if (edgeIds.has(id)) return;
      edgeIds.add(id);
      const skip = index > 0 && !concatBranches;
      const edge: DiagramEdge = { id, from, to, kind: skip ? 'skip' : 'data' };
      if (skip && source.label) edge.label = source.label;
      edges.push(edge);
    });
  }

  // Frames: expanded collapsible groups whose ancestors are all expanded.
  const frames: DiagramFrame[] = [];
  const frameById = new Map<number, DiagramFrame>();
  for (const group of graph.groups) {
    if (!collapsibleSet.has(group.id)) continue;
    const chain = chainOf(group.id);
    if (chain.some((g) => collapsedSet.has(g))) continue;
    const parent = chain
      .slice(0, -1)
      .filter((g) => collapsibleSet.has(g))
      .pop();
    const frame: DiagramFrame = { groupId: group.id, kind: group.kind, label: group.label, range: group.range, level: 0, members: [], messages: [] };
    if (parent !== undefined) frame.parent = parent;
    mark(frame, [group.range], diagnostics);
    frames.push(frame);
    frameById.set(group.id, frame);
  }
  for (const node of nodes) for (const g of node.frames) frameById.get(g)?.members.push(node.id);
  // Children come after parents in `graph.groups`, so walking backwards settles levels bottom-up.
  for (let i = frames.length - 1; i >= 0; i--) {
    const frame = frames[i];
    const parent = frame.parent === undefined ? undefined : frameById.get(frame.parent);
    if (parent) parent.level = Math.max(parent.level, frame.level + 1);
  }
  const usedFrames = frames.filter((f) => f.members.length > 0);

  const structureKey = [
    nodes.map((n) => n.id).join(','),
    edges.map((e) => `${e.from}>${e.to}${e.label ? `:${e.label}` : ''}`).join(','),
    usedFrames.map((f) => `${f.groupId}[${f.members.join(',')}]`).join(','),
  ].join('|');

  return {
    name: graph.name,
    complete: graph.complete,
    nodes,
    edges,
    frames: usedFrames,
    collapsible,
    collapsed,
    totalParams: graph.nodes.reduce((sum, n) => sum + n.params.trainable, 0),
    structureKey,
  };
}
