/** The diagram's styles: `svgCss` for the drawing (also embedded in exports), `diagramPageCss` for the container and toolbar. */
import type { Palette } from './theme';

/** Styles of the SVG drawing itself; with a resolved palette it makes an exported file self-contained. */
export function svgCss(p: Palette): string {
  return `
.cnnd-node .cnnd-box { fill: ${p.surface}; stroke: ${p.border}; stroke-width: 1; }
.cnnd-node .cnnd-stack { fill: ${p.surface}; stroke: ${p.border}; stroke-width: 1; }
.cnnd-node .cnnd-stripe { fill: ${p.muted}; }
.cnnd-f-conv .cnnd-stripe { fill: ${p.conv}; }
.cnnd-f-pool .cnnd-stripe { fill: ${p.pool}; }
.cnnd-f-norm .cnnd-stripe { fill: ${p.norm}; }
.cnnd-f-dense .cnnd-stripe { fill: ${p.dense}; }
.cnnd-f-merge .cnnd-stripe { fill: ${p.merge}; }
.cnnd-f-group .cnnd-stripe { fill: ${p.group}; }
.cnnd-f-input .cnnd-stripe { fill: ${p.foreground}; }
.cnnd-node .cnnd-halo { fill: ${p.focus}; fill-opacity: 0; }
.cnnd-node.cnnd-highlight .cnnd-halo { fill-opacity: 0.28; }
.cnnd-node.cnnd-selected .cnnd-box { stroke: ${p.focus}; stroke-width: 2; }
.cnnd-node.cnnd-sev-error .cnnd-box { stroke: ${p.error}; stroke-width: 2; }
.cnnd-node.cnnd-sev-warning .cnnd-box { stroke: ${p.warning}; stroke-width: 2; }
.cnnd-node.cnnd-sev-info .cnnd-box { stroke: ${p.info}; stroke-width: 1.5; }
.cnnd-badge { stroke: ${p.background}; stroke-width: 1.5; }
.cnnd-sev-error .cnnd-badge { fill: ${p.error}; }
.cnnd-sev-warning .cnnd-badge { fill: ${p.warning}; }
.cnnd-sev-info .cnnd-badge { fill: ${p.info}; }
.cnnd-badge-text { font: 700 10px ${p.fontFamily}; fill: #ffffff; text-anchor: middle; }
.cnnd-title { font: 600 12px ${p.fontFamily}; fill: ${p.foreground}; }
.cnnd-args { font-weight: 400; fill: ${p.muted}; }
.cnnd-shape { font: 11px ${p.monoFamily}; fill: ${p.foreground}; }
.cnnd-params { font: 11px ${p.fontFamily}; fill: ${p.muted}; text-anchor: end; }
.cnnd-edge { fill: none; stroke: ${p.edge}; stroke-width: 1.25; }
.cnnd-edge.cnnd-skip { stroke: ${p.skip}; stroke-dasharray: 5 3; }
.cnnd-arrow { fill: ${p.edge}; }
.cnnd-arrow-skip { fill: ${p.skip}; }
.cnnd-edge-label rect { fill: ${p.background}; stroke: ${p.skip}; stroke-width: 1; }
.cnnd-edge-label text { font: 600 11px ${p.fontFamily}; fill: ${p.skip}; text-anchor: middle; }
.cnnd-frame .cnnd-frame-box { fill: ${p.group}; fill-opacity: 0.04; stroke: ${p.group}; stroke-opacity: 0.55; stroke-width: 1; stroke-dasharray: 4 3; }
.cnnd-frame.cnnd-highlight .cnnd-frame-box { fill: ${p.focus}; fill-opacity: 0.12; stroke: ${p.focus}; stroke-opacity: 1; stroke-dasharray: none; }
.cnnd-frame.cnnd-sev-error .cnnd-frame-box { stroke: ${p.error}; stroke-opacity: 1; }
.cnnd-frame.cnnd-sev-warning .cnnd-frame-box { stroke: ${p.warning}; stroke-opacity: 1; }
.cnnd-frame-label { font: 600 11px ${p.fontFamily}; fill: ${p.group}; }
.cnnd-toggle rect { fill: ${p.background}; stroke: ${p.border}; }
.cnnd-toggle path { stroke: ${p.foreground}; stroke-width: 1.5; fill: none; }
.cnnd-empty { font: 13px ${p.fontFamily}; fill: ${p.muted}; }
`;
}

/** Styles of the HTML around the drawing: the scrolling viewport and the interaction cursors. */
export function diagramPageCss(p: Palette): string {
  return `
.cnnd-root { position: relative; overflow: hidden; width: 100%; height: 100%; background: ${p.background}; color: ${p.foreground}; font-family: ${p.fontFamily}; outline: none; user-select: none; cursor: grab; touch-action: none; }
.cnnd-root:focus-visible { box-shadow: inset 0 0 0 1px ${p.focus}; }
.cnnd-root.cnnd-panning { cursor: grabbing; }
.cnnd-root > svg { display: block; width: 100%; height: 100%; }
.cnnd-node, .cnnd-toggle, .cnnd-frame-label { cursor: pointer; }
.cnnd-node:hover .cnnd-box { stroke: ${p.focus}; }
.cnnd-toggle:hover rect { stroke: ${p.focus}; }
.cnnd-status { position: absolute; left: 8px; bottom: 6px; font-size: 11px; color: ${p.muted}; pointer-events: none; }
.cnnd-status.cnnd-status-note { top: 6px; bottom: auto; right: 8px; padding: 2px 6px; font-size: 12px; color: ${p.foreground}; background: ${p.background}; border-left: 3px solid ${p.error}; }
`;
}
