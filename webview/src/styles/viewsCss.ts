/**
 * Styles of the result views (feature maps, histogram, timing, top classes)
 * in VS Code's theme colours, with fallbacks for a plain browser. The views
 * add them themselves, once, carrying the page's nonce (`<body
 * data-nonce>`), because the webview's content security policy admits no
 * other stylesheet.
 */
export const viewsCss = `
.cnnv-section { margin: 6px 0 12px; }
.cnnv-caption { margin: 2px 0 6px; font-size: 0.92em; color: var(--vscode-descriptionForeground, #616161); }
.cnnv-note { margin: 2px 0; font-size: 0.92em; color: var(--vscode-editorWarning-foreground, #bf8803); }
.cnnv-error { color: var(--vscode-errorForeground, #e51400); }
.cnnv-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(var(--cnnv-cell, 72px), 1fr)); gap: 6px; }
.cnnv-grid.cnnv-rows { grid-template-columns: 1fr; gap: 3px; }
.cnnv-map { display: flex; flex-direction: column; align-items: center; gap: 2px; min-width: 0; }
.cnnv-rows .cnnv-map { flex-direction: row; }
/* Pixelated: a 7x7 map must stay 49 crisp squares. The checkerboard shows through NaN, which is transparent. */
.cnnv-map canvas { image-rendering: pixelated; border: 1px solid var(--vscode-editorWidget-border, #c8c8c8);
  background: repeating-conic-gradient(var(--vscode-editorWidget-background, #f3f3f3) 0 25%, transparent 0 50%) 0 0 / 8px 8px; }
.cnnv-rows .cnnv-map canvas { flex: 1 1 auto; min-width: 0; height: 14px; }
.cnnv-label { font: 10px var(--vscode-editor-font-family, monospace); color: var(--vscode-descriptionForeground, #616161); min-width: 2.5em; text-align: center; }
.cnnv-legend { display: grid; grid-template-columns: auto 1fr auto; align-items: center; gap: 6px; margin: 4px 0 8px; font: 11px var(--vscode-editor-font-family, monospace); }
.cnnv-legend-bar { height: 10px; border: 1px solid var(--vscode-editorWidget-border, #c8c8c8); }
.cnnv-frame { display: flex; gap: 6px; align-items: center; margin: 4px 0; }
.cnnv-histogram svg { display: block; width: 100%; height: auto; }
.cnnv-histogram .cnnv-bar { fill: var(--vscode-charts-blue, #1a85ff); }
.cnnv-histogram .cnnv-bar.cnnv-zero-bin { fill: var(--vscode-charts-orange, #d18616); }
.cnnv-histogram .cnnv-axis { stroke: var(--vscode-editorWidget-border, #c8c8c8); }
.cnnv-axis-labels { display: flex; justify-content: space-between; font: 11px var(--vscode-editor-font-family, monospace); }
.cnnv-bar-cell { width: 35%; }
.cnnv-bar-track { height: 8px; background: var(--vscode-editorWidget-background, #f3f3f3); }
.cnnv-bar-fill { height: 100%; background: var(--vscode-charts-blue, #1a85ff); }
tr.cnnv-slowest .cnnv-bar-fill { background: var(--vscode-charts-orange, #d18616); }
.cnnv-number { text-align: right !important; font-variant-numeric: tabular-nums; }
table.cnnv-table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
table.cnnv-table td, table.cnnv-table th { padding: 1px 6px; text-align: left; border-bottom: 1px solid var(--vscode-panel-border, #e5e5e5); }
table.cnnv-timing { table-layout: fixed; }
table.cnnv-timing td, table.cnnv-timing th { overflow-wrap: break-word; padding: 1px 3px; }
table.cnnv-timing th, table.cnnv-timing td.cnnv-number { white-space: nowrap; }
table.cnnv-timing td.cnnv-share .cnnv-bar-track { height: 4px; margin-top: 1px; }
`;

const styleId = 'cnn-lens-views-css';

/** Adds `viewsCss` to `doc` once, with the nonce the page was given. */
export function ensureViewsStyles(doc: Document = document): void {
  if (doc.getElementById(styleId)) return;
  const style = doc.createElement('style');
  style.id = styleId;
  const nonce = doc.body?.dataset.nonce;
  if (nonce) style.setAttribute('nonce', nonce);
  style.textContent = viewsCss;
  doc.head.append(style);
}
