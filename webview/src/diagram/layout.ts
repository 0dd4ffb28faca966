/**
 * Places the diagram's boxes and routes its edges with elkjs (layered,
 * top to bottom, orthogonal edges). Groups are drawn as frames around their
 * boxes; instead of ELK's compound nodes, which made ResNet-152 several times
 * slower, each box reserves room for the frames around it (headers above the
 * first box of a frame, insets at the sides and below the last), and the
 * frames are drawn around the placed boxes.
 */
import type { ELK as ElkApi, ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';
import type { DiagramModel } from './model';
import type { SavedLayout } from '../../../src/protocol/preview';
import { markOnce } from '../marks';

/** A placed rectangle, in diagram units (pixels at zoom 1). */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A routed edge: an orthogonal polyline from the source's bottom to the target's top. */
export interface EdgeRoute {
  points: { x: number; y: number }[];
  label?: Box;
}

/** Where everything goes. */
export interface DiagramLayout {
  width: number;
  height: number;
  nodes: Map<string, Box>;
  edges: Map<string, EdgeRoute>;
  /** Frame rectangles by group id. */
  frames: Map<number, Box>;
  /** Milliseconds ELK took, for the benchmark. */
  elkMs: number;
}

/** Box size and spacing, shared with the renderer. */
export const metrics = {
  nodeWidth: 200,
  nodeHeight: 44,
  /** Frame inset per nesting level at the sides and bottom. */
  framePad: 8,
  /** Frame header height per nesting level (room for the label). */
  frameHeader: 20,
  labelCharWidth: 6.6,
  labelHeight: 16,
  margin: 16,
};

const layoutOptions: Record<string, string> = {
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
  'elk.layered.nodePlacement.bk.fixedAlignment': 'BALANCED',
  // Keeping the written order makes the main path the left column and keeps the layout stable across edits.
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  // Networks are near-linear chains with short skips, so one crossing-minimisation pass finds what more would;
  // it keeps ResNet-152 fully expanded near the 300 ms target.
  'elk.layered.thoroughness': '1',
  // A network is one connected graph (everything flows from `input`), so splitting components is wasted work.
  'elk.separateConnectedComponents': 'false',
  'elk.spacing.nodeNode': '28',
  'elk.layered.spacing.nodeNodeBetweenLayers': '22',
  'elk.layered.spacing.edgeNodeBetweenLayers': '12',
  'elk.spacing.edgeEdge': '10',
  'elk.layered.spacing.edgeEdgeBetweenLayers': '8',
  'elk.edgeLabels.placement': 'CENTER',
  'elk.padding': `[top=${metrics.margin},left=${metrics.margin},bottom=${metrics.margin},right=${metrics.margin}]`,
};

let elk: Promise<ElkApi> | undefined;

/**
 * ELK, loaded once per page with a dynamic `import()`: it is half of the
 * panel's code, so the bundle keeps it in a chunk of its own, which the
 * panel starts fetching when it opens (warmUpLayout) while its first script
 * sets up and the analysis runs.
 */
/** Whether ELK has finished a layout in this page, so the next one costs only its own work (see DiagramView's first drawing). */
let elkWarm = false;

/** Whether ELK is loaded and set up: a layout now takes milliseconds to hundreds, not the seconds of its first load. */
export function elkIsWarm(): boolean {
  return elkWarm;
}

function loadElk(): Promise<ElkApi> {
  elk ??= import('elkjs/lib/elk.bundled.js').then(({ default: ELK }) => new ELK());
  return elk;
}

/** Room a box keeps around itself for frames: above, below and at each side. */
export interface Reserve {
  top: number;
  bottom: number;
  side: number;
}

/** Room each box keeps around itself for the frames it opens, closes or sits in. */
export function reserves(model: DiagramModel): Map<string, Reserve> {
  const levels = new Map(model.frames.map((f) => [f.groupId, f.level]));
  const frameMembers = new Map(model.frames.map((f) => [f.groupId, new Set(f.members)]));
  const incoming = new Map<string, string[]>();
  const outgoing = new Map<string, string[]>();
  for (const e of model.edges) {
    (incoming.get(e.to) ?? incoming.set(e.to, []).get(e.to)!).push(e.from);
    (outgoing.get(e.from) ?? outgoing.set(e.from, []).get(e.from)!).push(e.to);
  }
  const result = new Map<string, Reserve>();
  for (const node of model.nodes) {
    const reserve: Reserve = { top: 0, bottom: 0, side: 0 };
    for (const g of node.frames) {
      const level = levels.get(g);
      const inside = frameMembers.get(g);
      if (level === undefined || !inside) continue;
      const ins = incoming.get(node.id) ?? [];
      const outs = outgoing.get(node.id) ?? [];
      reserve.side = Math.max(reserve.side, metrics.framePad * (level + 1));
      if (ins.length === 0 || ins.some((n) => !inside.has(n))) reserve.top = Math.max(reserve.top, metrics.frameHeader * (level + 1));
      if (outs.length === 0 || outs.some((n) => !inside.has(n))) reserve.bottom = Math.max(reserve.bottom, metrics.framePad * (level + 1));
    }
    result.set(node.id, reserve);
  }
  return result;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high);
}

/**
 * Runs one layout of a small residual block and discards it. ELK's first
 * layout in a page spends about 200 ms setting itself up whatever the graph
 * (measured in Node: 190 ms for six boxes, then ResNet-152's first diagram
 * takes 150 ms instead of 335), so the panel calls this when it opens, while
 * it waits for its first analysis.
 */
export async function warmUpLayout(): Promise<void> {
  const elk = await loadElk();
  const ids = ['input', 'conv1', 'relu', 'conv2', 'add', 'dense'];
  const children: ElkNode[] = ids.map((id) => ({ id, width: metrics.nodeWidth, height: metrics.nodeHeight }));
  const edges: ElkExtendedEdge[] = ids.slice(1).map((id, i) => ({ id: `e${i}`, sources: [ids[i]], targets: [id] }));
  edges.push({ id: 'skip', sources: ['conv1'], targets: ['add'], labels: [{ id: 'skip:label', text: 'skip', width: 40, height: metrics.labelHeight }] });
  await elk.layout({ id: 'warm-up', layoutOptions, children, edges });
  elkWarm = true;
}

/** Lays out `model`; never rejects on an empty model. */
export async function layoutDiagram(model: DiagramModel): Promise<DiagramLayout> {
  const elk = await loadElk();
  const reserved = reserves(model);
  const children: ElkNode[] = model.nodes.map((n) => {
    const r = reserved.get(n.id) as Reserve;
    return { id: n.id, width: metrics.nodeWidth + 2 * r.side, height: metrics.nodeHeight + r.top + r.bottom };
  });
  const edges: ElkExtendedEdge[] = model.edges.map((e) => {
    const edge: ElkExtendedEdge = { id: e.id, sources: [e.from], targets: [e.to] };
    if (e.label) edge.labels = [{ id: `${e.id}:label`, text: e.label, width: e.label.length * metrics.labelCharWidth + 8, height: metrics.labelHeight }];
    return edge;
  });
  const start = performance.now();
  const root: ElkNode = { id: 'root', layoutOptions, children, edges };
  markOnce('layout-start');
  const placed = await elk.layout(root);
  const elkMs = performance.now() - start;
  elkWarm = true;
  markOnce('layout-end');

  const nodes = new Map<string, Box>();
  for (const child of placed.children ?? []) {
    const r = reserved.get(child.id) as Reserve;
    nodes.set(child.id, { x: (child.x ?? 0) + r.side, y: (child.y ?? 0) + r.top, width: metrics.nodeWidth, height: metrics.nodeHeight });
  }

  const routes = new Map<string, EdgeRoute>();
  for (const edge of (placed.edges ?? []) as ElkExtendedEdge[]) {
    const section = edge.sections?.[0];
    const source = nodes.get(edge.sources[0]);
    const target = nodes.get(edge.targets[0]);
    if (!section || !source || !target) continue;
    const points = [section.startPoint, ...(section.bendPoints ?? []), section.endPoint].map((p) => ({ x: p.x, y: p.y }));
    // ELK ends edges on the reserved rectangle; extend them to the drawn box, keeping the end segments vertical.
    const first = points[0];
    const firstX = clamp(first.x, source.x + 8, source.x + source.width - 8);
    if (points.length > 2 && points[1].x === first.x) points[1].x = firstX;
    first.x = firstX;
    first.y = source.y + source.height;
    const last = points[points.length - 1];
    const lastX = clamp(last.x, target.x + 8, target.x + target.width - 8);
    const beforeLast = points[points.length - 2];
    if (points.length > 2 && beforeLast.x === last.x) beforeLast.x = lastX;
    last.x = lastX;
    last.y = target.y;
    if (points.length === 2 && first.x !== last.x) {
      // A straight edge whose ends moved apart gets a dog-leg so it stays orthogonal.
      const middle = (first.y + last.y) / 2;
      points.splice(1, 0, { x: first.x, y: middle }, { x: last.x, y: middle });
    }
    const route: EdgeRoute = { points };
    const label = edge.labels?.[0];
    if (label && label.x !== undefined && label.y !== undefined) route.label = { x: label.x, y: label.y, width: label.width ?? 0, height: label.height ?? 0 };
    routes.set(edge.id, route);
  }

  const frames = frameBoxes(model, nodes);

  return { width: placed.width ?? 0, height: placed.height ?? 0, nodes, edges: routes, frames, elkMs };
}

/** Each frame's rectangle around its placed boxes: a header above per nesting level, an inset at the sides and below. */
export function frameBoxes(model: DiagramModel, nodes: Map<string, Box>): Map<number, Box> {
  const frames = new Map<number, Box>();
  for (const frame of model.frames) {
    const boxes = frame.members.map((m) => nodes.get(m)).filter((b): b is Box => b !== undefined);
    if (boxes.length === 0) continue;
    const pad = metrics.framePad * (frame.level + 1);
    const header = metrics.frameHeader * (frame.level + 1);
    const left = Math.min(...boxes.map((b) => b.x)) - pad;
    const top = Math.min(...boxes.map((b) => b.y)) - header;
    const right = Math.max(...boxes.map((b) => b.x + b.width)) + pad;
    const bottom = Math.max(...boxes.map((b) => b.y + b.height)) + pad;
    frames.set(frame.groupId, { x: left, y: top, width: right - left, height: bottom - top });
  }

  return frames;
}

/**
 * Layouts by structure key: an edit that changes only numbers or shapes finds
 * its layout here and skips ELK. Holds the few most recent structures, so
 * toggling a group back and forth is instant too.
 */
export class LayoutCache {
  private readonly entries = new Map<string, Promise<DiagramLayout>>();
  /** How many layouts ELK has computed for this cache, so tests and the benchmark can tell a hit from a miss. */
  misses = 0;

  constructor(private readonly capacity = 8) {}

  /** The layout for `model`, computed once per structure. */
  get(model: DiagramModel): Promise<DiagramLayout> {
    const known = this.entries.get(model.structureKey);
    if (known) {
      // Refresh its place so the most recently used structures stay.
      this.entries.delete(model.structureKey);
      this.entries.set(model.structureKey, known);
      return known;
    }
    this.misses++;
    const pending = layoutDiagram(model);
    this.entries.set(model.structureKey, pending);
    pending.catch(() => this.entries.delete(model.structureKey));
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    return pending;
  }

  /** Puts a layout computed earlier (a restored panel's saved one) under its structure key, so that structure skips ELK. */
  seed(saved: SavedLayout): void {
    if (this.entries.has(saved.structureKey)) return;
    const layout: DiagramLayout = { width: saved.width, height: saved.height, nodes: new Map(saved.nodes), edges: new Map(saved.edges), frames: new Map(saved.frames), elkMs: 0 };
    this.entries.set(saved.structureKey, Promise.resolve(layout));
  }

  /** Whether a layout for this structure is cached. */
  has(structureKey: string): boolean {
    return this.entries.has(structureKey);
  }
}

/** A layout as plain JSON for the panel's saved state (see LayoutCache.seed). */
export function saveLayout(structureKey: string, layout: DiagramLayout): SavedLayout {
  return { structureKey, width: layout.width, height: layout.height, nodes: [...layout.nodes], edges: [...layout.edges], frames: [...layout.frames] };
}
