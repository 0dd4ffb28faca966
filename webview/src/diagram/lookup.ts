/**
 * Finding things in a built diagram model: the boxes and frames a source line
 * belongs to (for the editor cursor) and the box that shows a graph node (for
 * a restored selection). Pure, so the model tests cover it without a browser.
 */
import type { Range } from '../../../src/core';
import type { DiagramModel, DiagramNode } from './model';

/** What the editor cursor's line lights up: box ids and frame group ids. */
export interface LineMatch {
  nodes: string[];
  frames: number[];
}

function span(range: Range): number {
  return range.end.line - range.start.line;
}

function covers(range: Range, line: number): boolean {
  return range.start.line <= line && line <= range.end.line;
}

/**
 * The boxes and frames whose statement covers `line`, keeping only the most
 * specific ones: on the line of a block call inside a `residual { ... }`, the
 * call's frame lights up, not the residual's sum, whose statement spans the
 * whole braces.
 */
export function matchLine(model: DiagramModel, line: number): LineMatch {
  let best = Infinity;
  const nodeSpans: [string, number][] = [];
  for (const node of model.nodes) {
    const spans = node.lines.filter((r) => covers(r, line)).map(span);
    if (spans.length === 0) continue;
    const s = Math.min(...spans);
    nodeSpans.push([node.id, s]);
    best = Math.min(best, s);
  }
  const frameSpans: [number, number][] = [];
  for (const frame of model.frames) {
    if (!covers(frame.range, line)) continue;
    frameSpans.push([frame.groupId, span(frame.range)]);
    best = Math.min(best, span(frame.range));
  }
  return {
    nodes: nodeSpans.filter(([, s]) => s === best).map(([id]) => id),
    frames: frameSpans.filter(([, s]) => s === best).map(([id]) => id),
  };
}

/** The box that shows graph node `graphNodeId`: its own layer box, or the collapsed group that hides it. */
export function boxOfGraphNode(model: DiagramModel, graphNodeId: number): DiagramNode | undefined {
  return model.nodes.find((n) => n.graphNodes.includes(graphNodeId));
}
