/**
 * Turns a model and its layout into SVG markup. The same markup serves the
 * live view and the exported file, so an export shows exactly what is drawn.
 */
import type { DiagramEdge, DiagramFrame, DiagramModel, DiagramNode } from './model';
import { findOp, type OpFamily } from '../../../src/core';
import { metrics, type Box, type DiagramLayout, type EdgeRoute } from './layout';

/** Escapes text for SVG/XML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

/** The stripe colour of each op family (OpDefinition.family); the rest are drawn plain. */
const familyColour: Partial<Record<OpFamily, string>> = { convolution: 'conv', pooling: 'pool', normalization: 'norm', dense: 'dense', merge: 'merge' };

/** The colour family of an op, for the stripe on the left of its box. */
export function opFamily(node: DiagramNode): string {
  if (node.kind === 'group') return 'group';
  if (node.op === 'input') return 'input';
  const family = findOp(node.op)?.family;
  return (family && familyColour[family]) ?? 'other';
}

/**
 * Rough text widths at the diagram's font sizes, enough to decide where to cut
 * with an ellipsis. They are on the wide side (DejaVu Sans, Linux's default,
 * is wider than Segoe UI), since text running into the toggle is worse than
 * text cut a little early.
 */
const titleCharWidth = 7.8;
const argsCharWidth = 6.8;

function fit(text: string, width: number, charWidth: number): string {
  const max = Math.floor(width / charWidth);
  if (text.length <= max) return text;
  return max <= 1 ? '…' : `${text.slice(0, max - 1)}…`;
}

/** Arguments after the title, or nothing when fewer than a few characters would fit: "10 …" says less than no text. */
function fitArgs(text: string, width: number): string {
  const max = Math.floor(width / argsCharWidth);
  return max >= Math.min(text.length, 6) ? fit(text, width, argsCharWidth) : '';
}

function num(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/** The state that changes class names without a new layout. */
export interface RenderState {
  selected?: string | null;
  highlighted?: ReadonlySet<string>;
  highlightedFrames?: ReadonlySet<number>;
}

function nodeMarkup(node: DiagramNode, box: Box, state: RenderState): string {
  const w = box.width;
  const h = box.height;
  const classes = ['cnnd-node', `cnnd-f-${opFamily(node)}`];
  if (node.kind === 'group') classes.push('cnnd-collapsed');
  if (node.severity) classes.push(`cnnd-sev-${node.severity}`);
  if (state.selected === node.id) classes.push('cnnd-selected');
  if (state.highlighted?.has(node.id)) classes.push('cnnd-highlight');
  const room = w - 24 - (node.kind === 'group' ? 22 : 0);
  const title = fit(node.title, room, titleCharWidth);
  const args = fitArgs(node.args, room - title.length * titleCharWidth - 6);
  const tooltip = [`${node.title}${node.args ? ` (${node.args})` : ''}`, `output ${node.shape}`, `${node.paramsText} trainable parameters`, ...node.messages].join('\n');
  const parts = [
    `<g class="${classes.join(' ')}" data-id="${node.id}" transform="translate(${num(box.x)},${num(box.y)})">`,
    `<title>${escapeXml(tooltip)}</title>`,
    `<rect class="cnnd-halo" x="-5" y="-5" width="${w + 10}" height="${h + 10}" rx="9"/>`,
  ];
  if (node.kind === 'group') parts.push(`<rect class="cnnd-stack" x="4" y="4" width="${w}" height="${h}" rx="5"/>`);
  parts.push(
    `<rect class="cnnd-box" width="${w}" height="${h}" rx="5"/>`,
    `<path class="cnnd-stripe" d="M5 0.5 h-1 a3.5 3.5 0 0 0 -3.5 3.5 v${h - 8} a3.5 3.5 0 0 0 3.5 3.5 h1 z"/>`,
    `<text class="cnnd-title" x="12" y="17">${escapeXml(title)}${args ? `<tspan class="cnnd-args" dx="6">${escapeXml(args)}</tspan>` : ''}</text>`,
    `<text class="cnnd-shape" x="12" y="35">${escapeXml(node.shape)}</text>`,
  );
  if (node.params > 0) parts.push(`<text class="cnnd-params" x="${w - 9}" y="35">${escapeXml(node.paramsText)}</text>`);
  if (node.kind === 'group' && node.groupId !== undefined) parts.push(toggleMarkup(node.groupId, w - 24, 5, true));
  if (node.severity) parts.push(`<circle class="cnnd-badge" cx="${w - 1}" cy="1" r="7"/><text class="cnnd-badge-text" x="${w - 1}" y="4.5">!</text>`);
  parts.push('</g>');
  return parts.join('');
}

/** The expand (+) or collapse (−) button of a group. */
function toggleMarkup(groupId: number, x: number, y: number, collapsed: boolean): string {
  const path = collapsed ? 'M4 8h8M8 4v8' : 'M4 8h8';
  return `<g class="cnnd-toggle" data-toggle="${groupId}" transform="translate(${num(x)},${num(y)})"><title>${collapsed ? 'Expand' : 'Collapse'}</title><rect width="16" height="16" rx="3"/><path d="${path}"/></g>`;
}

function frameMarkup(frame: DiagramFrame, box: Box, state: RenderState): string {
  const classes = ['cnnd-frame'];
  if (frame.severity) classes.push(`cnnd-sev-${frame.severity}`);
  if (state.highlightedFrames?.has(frame.groupId)) classes.push('cnnd-highlight');
  const label = fit(frame.label, box.width - 34, 7.2);
  return [
    `<g class="${classes.join(' ')}" data-group="${frame.groupId}" transform="translate(${num(box.x)},${num(box.y)})">`,
    `<rect class="cnnd-frame-box" width="${num(box.width)}" height="${num(box.height)}" rx="8"/>`,
    `<text class="cnnd-frame-label" data-frame="${frame.groupId}" x="26" y="${metrics.frameHeader - 6}">${escapeXml(label)}${frame.messages.length ? `<title>${escapeXml(frame.messages.join('\n'))}</title>` : ''}</text>`,
    toggleMarkup(frame.groupId, 5, 2, false),
    '</g>',
  ].join('');
}

/** An orthogonal polyline with softly rounded corners. */
export function edgePath(points: readonly { x: number; y: number }[], radius = 5): string {
  if (points.length === 0) return '';
  let d = `M${num(points[0].x)} ${num(points[0].y)}`;
  for (let i = 1; i < points.length - 1; i++) {
    const prev = points[i - 1];
    const here = points[i];
    const next = points[i + 1];
    const inLength = Math.hypot(here.x - prev.x, here.y - prev.y);
    const outLength = Math.hypot(next.x - here.x, next.y - here.y);
    const r = Math.min(radius, inLength / 2, outLength / 2);
    if (r < 0.5) {
      d += ` L${num(here.x)} ${num(here.y)}`;
      continue;
    }
    const ax = here.x - ((here.x - prev.x) / inLength) * r;
    const ay = here.y - ((here.y - prev.y) / inLength) * r;
    const bx = here.x + ((next.x - here.x) / outLength) * r;
    const by = here.y + ((next.y - here.y) / outLength) * r;
    d += ` L${num(ax)} ${num(ay)} Q${num(here.x)} ${num(here.y)} ${num(bx)} ${num(by)}`;
  }
  const last = points[points.length - 1];
  return `${d} L${num(last.x)} ${num(last.y)}`;
}

function edgeMarkup(edge: DiagramEdge, route: EdgeRoute): string {
  const skip = edge.kind === 'skip';
  const markup = `<path class="cnnd-edge${skip ? ' cnnd-skip' : ''}" data-edge="${escapeXml(edge.id)}" data-from="${edge.from}" data-to="${edge.to}" d="${edgePath(route.points)}" marker-end="url(#${skip ? 'cnnd-arrow-skip' : 'cnnd-arrow'})"/>`;
  if (!edge.label || !route.label) return markup;
  const l = route.label;
  return `${markup}<g class="cnnd-edge-label" data-label-for="${escapeXml(edge.id)}"><rect x="${num(l.x)}" y="${num(l.y)}" width="${num(l.width)}" height="${num(l.height)}" rx="3"/><text x="${num(l.x + l.width / 2)}" y="${num(l.y + l.height - 4)}">${escapeXml(edge.label)}</text></g>`;
}

/** Arrowheads, shared by the live view and exports. */
export const svgDefs =
  '<defs>' +
  '<marker id="cnnd-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path class="cnnd-arrow" d="M0 1 L10 5 L0 9 z"/></marker>' +
  '<marker id="cnnd-arrow-skip" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path class="cnnd-arrow-skip" d="M0 1 L10 5 L0 9 z"/></marker>' +
  '</defs>';

/** The drawing's markup in pieces, so that a redraw with the same layout can replace only the boxes and frames whose text changed. */
export interface DiagramParts {
  /** Frame markup by group id, outermost first. */
  frames: [number, string][];
  edges: string[];
  /** Box markup by box id. */
  nodes: [string, string][];
}

/** Each frame, edge and box as markup. */
export function diagramParts(model: DiagramModel, layout: DiagramLayout, state: RenderState = {}): DiagramParts {
  const parts: DiagramParts = { frames: [], edges: [], nodes: [] };
  for (const frame of model.frames) {
    const box = layout.frames.get(frame.groupId);
    if (box) parts.frames.push([frame.groupId, frameMarkup(frame, box, state)]);
  }
  for (const edge of model.edges) {
    const route = layout.edges.get(edge.id);
    if (route) parts.edges.push(edgeMarkup(edge, route));
  }
  for (const node of model.nodes) {
    const box = layout.nodes.get(node.id);
    if (box) parts.nodes.push([node.id, nodeMarkup(node, box, state)]);
  }
  return parts;
}

/** The drawing's content (frames, then edges, then boxes, so boxes sit on top). */
export function diagramMarkup(model: DiagramModel, layout: DiagramLayout, state: RenderState = {}): string {
  const parts = diagramParts(model, layout, state);
  return [...parts.frames.map(([, m]) => m), ...parts.edges, ...parts.nodes.map(([, m]) => m)].join('');
}
