/**
 * A layered layout computed in milliseconds without ELK, for a panel's first
 * diagram: ELK is half of the panel's code, and loading and setting it up
 * takes longer than the user should wait for boxes. The view draws this
 * layout first and replaces it with ELK's when ELK is ready (view.ts).
 *
 * Boxes go in one column in the written order, keeping the room for their
 * frames that ELK's boxes keep (`reserves`). An edge to the next box is a
 * straight line; a longer one (a residual shortcut, a branch, a U-Net skip)
 * runs down a lane right of the column, lanes shared by edges whose spans do
 * not overlap. Chains with shortcuts look as ELK draws them; branches stand
 * one below the other until ELK puts them side by side.
 */
import type { DiagramModel } from './model';
import { frameBoxes, metrics, reserves, type Box, type DiagramLayout, type EdgeRoute } from './layout';

/** Horizontal room between lanes; vertical room between boxes (ELK's spacing options in layout.ts). */
const laneGap = 12;
const layerGap = 22;

/** The provisional layout of `model` (see the file comment); `elkMs` is 0. */
export function quickLayout(model: DiagramModel): DiagramLayout {
  const reserved = reserves(model);
  const index = new Map(model.nodes.map((n, i) => [n.id, i]));

  // One box per row, in the written (graph) order, which is topological: every edge points down, and the boxes of
  // a frame are consecutive, so each frame encloses its boxes and nothing else. ELK then places branches side by side.
  const layerOf = new Map(model.nodes.map((n, i) => [n.id, i]));
  const columnWidth = Math.max(metrics.nodeWidth, ...model.nodes.map((n) => metrics.nodeWidth + 2 * reserved.get(n.id)!.side));
  const nodes = new Map<string, Box>();
  const layerTop: number[] = [];
  const layerBottom: number[] = [];
  let y = metrics.margin;
  for (const node of model.nodes) {
    const r = reserved.get(node.id)!;
    layerTop.push(y);
    nodes.set(node.id, { x: metrics.margin + (columnWidth - metrics.nodeWidth) / 2, y: y + r.top, width: metrics.nodeWidth, height: metrics.nodeHeight });
    y += r.top + metrics.nodeHeight + r.bottom;
    layerBottom.push(y);
    y += layerGap;
  }
  const columnsRight = metrics.margin + columnWidth;

  // Where edges leave and enter a box: spread over its width when it has several, so they stay apart.
  const spread = (count: number, at: number, box: Box) => box.x + (box.width * (at + 1)) / (count + 1);
  const outgoing = new Map<string, string[]>();
  for (const e of model.edges) (outgoing.get(e.from) ?? outgoing.set(e.from, []).get(e.from)!).push(e.id);
  const incoming = new Map<string, string[]>();
  for (const e of [...model.edges].sort((a, b) => (index.get(a.from) ?? 0) - (index.get(b.from) ?? 0))) (incoming.get(e.to) ?? incoming.set(e.to, []).get(e.to)!).push(e.id);

  /** Lanes right of the columns, each holding edges whose layer spans do not overlap: the last layer each lane is busy to. */
  const laneBusyTo: number[] = [];
  const edges = new Map<string, EdgeRoute>();
  let right = columnsRight;
  for (const edge of model.edges) {
    const source = nodes.get(edge.from);
    const target = nodes.get(edge.to);
    const from = layerOf.get(edge.from);
    const to = layerOf.get(edge.to);
    if (!source || !target || from === undefined || to === undefined || to <= from) continue;
    const outs = outgoing.get(edge.from)!;
    const ins = incoming.get(edge.to)!;
    const startX = spread(outs.length, outs.indexOf(edge.id), source);
    const endX = spread(ins.length, ins.indexOf(edge.id), target);
    const start = { x: startX, y: source.y + source.height };
    const end = { x: endX, y: target.y };
    // The gap below the source's layer and the gap above the target's.
    const below = layerBottom[from] + layerGap / 2;
    const above = layerTop[to] - layerGap / 2;
    const route: EdgeRoute = { points: [] };
    if (to === from + 1) {
      route.points = startX === endX ? [start, end] : [start, { x: startX, y: above }, { x: endX, y: above }, end];
      if (edge.label) route.label = labelBox(edge.label, Math.max(startX, endX) + 4, above - metrics.labelHeight / 2);
    } else {
      let lane = laneBusyTo.findIndex((busy) => busy < from);
      if (lane < 0) lane = laneBusyTo.push(0) - 1;
      laneBusyTo[lane] = to;
      const laneX = columnsRight + laneGap * (lane + 1);
      route.points = [start, { x: startX, y: below }, { x: laneX, y: below }, { x: laneX, y: above }, { x: endX, y: above }, end];
      if (edge.label) route.label = labelBox(edge.label, laneX + 4, (below + above) / 2 - metrics.labelHeight / 2);
      right = Math.max(right, laneX);
    }
    if (route.label) right = Math.max(right, route.label.x + route.label.width);
    edges.set(edge.id, route);
  }
  const frames = frameBoxes(model, nodes);
  const bottom = layerBottom.length ? layerBottom[layerBottom.length - 1] : metrics.margin;
  return { width: right + metrics.margin, height: bottom + metrics.margin, nodes, edges, frames, elkMs: 0 };
}

/** Room for an edge's label with its left edge at `x`, as ELK sizes it (layout.ts). */
function labelBox(text: string, x: number, y: number): Box {
  return { x, y, width: text.length * metrics.labelCharWidth + 8, height: metrics.labelHeight };
}
